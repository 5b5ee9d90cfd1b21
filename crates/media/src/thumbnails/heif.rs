//! HEIC/HEIF and AVIF through libheif (bundled, statically linked; HEVC by libde265, AV1 by
//! dav1d/aom). libheif applies the container's `irot`/`imir`/`clap` while decoding, and
//! converts 10/12-bit images to 8 bits for us. Grid images (iPhone photos) go tile by tile
//! through `heif_grid`; single images are decoded whole.

use std::sync::OnceLock;

use libheif_rs::{
    ColorPrimaries, ColorSpace, DecodingOptions, HeifContext, ImageHandle, LibHeif, RgbChroma,
    SecurityLimits, TransferCharacteristics,
};

use super::color::ColorSource;
use super::heif_grid::Grid;
use super::raster::{self, Raster};
use super::reduce::{self, Reducer};
use super::{Decoded, ThumbnailError, ThumbnailSettings};

/// libheif's global state (plugin registry) is initialised once per process and kept.
fn lib() -> &'static LibHeif {
    static LIB: OnceLock<LibHeif> = OnceLock::new();
    LIB.get_or_init(LibHeif::new)
}

fn error(e: impl std::fmt::Display) -> ThumbnailError {
    ThumbnailError::Decode {
        format: "HEIF",
        message: e.to_string(),
    }
}

/// Refuses a file whose top-level boxes run past its end. libheif only reads the byte
/// ranges the primary image needs, so a phone upload cut off in its trailing gain map or
/// depth image would otherwise "succeed"; an incomplete upload should fail visibly instead.
pub(crate) fn check_complete(data: &[u8]) -> Result<(), ThumbnailError> {
    let mut pos = 0usize;
    while pos < data.len() {
        let header = data
            .get(pos..pos + 8)
            .ok_or_else(|| error(format!("truncated box header at byte {pos}")))?;
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let size = match size32 {
            // Box extends to the end of the file.
            0 => return Ok(()),
            1 => {
                let large = data
                    .get(pos + 8..pos + 16)
                    .ok_or_else(|| error("truncated box header"))?;
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(large);
                u64::from_be_bytes(bytes)
            }
            n => u64::from(n),
        };
        if size < 8 {
            return Err(error(format!("invalid box size {size} at byte {pos}")));
        }
        let end = (pos as u64).saturating_add(size);
        if end > data.len() as u64 {
            let kind = String::from_utf8_lossy(&header[4..8]).into_owned();
            return Err(error(format!(
                "file is truncated: box '{kind}' ends at byte {end}, file has {}",
                data.len()
            )));
        }
        pos = end as usize;
    }
    Ok(())
}

pub(crate) fn decode(data: &[u8], settings: &ThumbnailSettings) -> Result<Decoded, ThumbnailError> {
    decode_with(data, settings, true)
}

/// `tiles`: decode a grid tile by tile (else whole, as a single image is).
fn decode_with(
    data: &[u8],
    settings: &ThumbnailSettings,
    tiles: bool,
) -> Result<Decoded, ThumbnailError> {
    check_complete(data)?;
    let lib = lib();
    let mut ctx = HeifContext::new().map_err(error)?;
    // libheif's own guards (pixel count of one image, total memory, number of tiles) on top
    // of our header check, so a grid image cannot hide its real size in its tiles.
    let mut limits = SecurityLimits::new();
    limits.set_max_image_size_pixels(settings.max_pixels);
    // Until the image's size is known: what parsing the container may take.
    limits.set_max_total_memory(64 << 20);
    ctx.set_security_limits(&limits).map_err(error)?;
    ctx.read_bytes(data).map_err(error)?;
    let handle = ctx.primary_image_handle().map_err(error)?;
    // Dimensions after the container's transformations.
    let (width, height) = (handle.width(), handle.height());
    if width == 0 || height == 0 {
        return Err(error("image has no dimensions"));
    }
    settings.check_pixels(width, height)?;
    let has_alpha = handle.has_alpha_channel();
    let channels = if has_alpha { 4 } else { 3 };
    let high_bit_depth = handle.luma_bits_per_pixel() > 8;
    let color = color_source(&handle);

    let coded = (handle.ispe_width(), handle.ispe_height());
    let shown = (width as i32, height as i32);
    let cropped = coded != shown && coded != (shown.1, shown.0) || !tiles;
    if let Some(grid) = Grid::open(data, settings.max_pixels, cropped)? {
        let factor = reduce::factor(width, height, settings.preview_size);
        let (tile_width, tile_height) = grid.tile_size();
        // One tile at a time: its decoded planes and RGB copy, and the HEVC decoder's state.
        let tile = u64::from(tile_width) * u64::from(tile_height) * 32 + (32 << 20);
        let reservation = settings.reserve(
            width,
            height,
            reduce::bytes(width, height, factor, has_alpha) + tile,
        )?;
        let mut reducer = Reducer::new(width, height, factor, has_alpha);
        grid.decode_into(&mut reducer, has_alpha)?;
        return Ok(Decoded {
            raster: reducer.finish(),
            color,
            width,
            height,
            embedded_orientation: None,
            orientation_from_container: true,
            reservation,
        });
    }

    // A single image is decoded whole. Measured peaks (libheif with dav1d or libde265 on one
    // thread): ~6 bytes a pixel for 8-bit, ~15 for 10-bit, plus our RGB(A) copy.
    let pixels = u64::from(width) * u64::from(height);
    let per_pixel = if high_bit_depth { 15 } else { 7 } + channels;
    let reservation = settings.reserve(width, height, pixels * per_pixel)?;
    limits.set_max_total_memory(reservation.bytes());
    ctx.set_security_limits(&limits).map_err(error)?;

    let mut options = DecodingOptions::new().ok_or_else(|| error("out of memory"))?;
    options.set_convert_hdr_to_8bit(true);
    // Images are decoded in parallel already, one per processing thread; a codec's own
    // threads each hold frame buffers (measured: 539 MB instead of 312 MB for a 20 MP
    // 10-bit AVIF on two cores).
    options.set_num_codec_threads(1);
    let chroma = if has_alpha {
        RgbChroma::Rgba
    } else {
        RgbChroma::Rgb
    };
    let image = lib
        .decode(&handle, ColorSpace::Rgb(chroma), Some(options))
        .map_err(error)?;
    let planes = image.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| error("decoder returned no interleaved plane"))?;
    let (w, h) = (plane.width, plane.height);
    let row = w as usize * channels as usize;
    if plane.storage_bits_per_pixel as usize != 8 * channels as usize || plane.stride < row {
        return Err(error(format!(
            "unexpected pixel layout ({} bits per pixel)",
            plane.storage_bits_per_pixel
        )));
    }
    let mut pixels = raster::buffer_with_capacity(row * h as usize);
    for y in 0..h as usize {
        pixels.extend_from_slice(&plane.data[y * plane.stride..y * plane.stride + row]);
    }
    Ok(Decoded {
        raster: Raster::new(w, h, has_alpha, pixels),
        color,
        width: w,
        height: h,
        embedded_orientation: None,
        orientation_from_container: true,
        reservation,
    })
}

/// The colour the decoded pixels are in: an embedded ICC profile, else the nclx primaries and
/// transfer, else sRGB.
fn color_source(handle: &ImageHandle) -> ColorSource {
    if let Some(icc) = handle.color_profile_raw() {
        ColorSource::Icc(icc.data)
    } else if let Some(nclx) = handle
        .color_profile_nclx()
        .filter(|n| n.color_primaries() != ColorPrimaries::Unknown)
    {
        let transfer = nclx.transfer_characteristics();
        ColorSource::Cicp {
            primaries: nclx.color_primaries() as u8,
            transfer: if transfer == TransferCharacteristics::Unknown {
                2
            } else {
                transfer as u8
            },
        }
    } else {
        ColorSource::Srgb
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Mean absolute difference per sample of two rasters, both shrunk to 96 pixels wide.
    fn difference(a: &Raster, b: &Raster) -> f64 {
        assert_eq!(
            a.width * b.height,
            b.width * a.height,
            "aspect ratios differ"
        );
        let h = 96 * a.height / a.width;
        let (a, b) = (a.resized(96, h).unwrap(), b.resized(96, h).unwrap());
        let sum: u64 = a
            .data
            .iter()
            .zip(&b.data)
            .map(|(x, y)| u64::from(x.abs_diff(*y)))
            .sum();
        sum as f64 / a.data.len() as f64
    }

    #[test]
    fn grid_tiles_reduce_to_the_picture_libheif_decodes_whole_including_rotated_ones() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        if !corpus.is_dir() {
            println!("SKIP: corpus not found at {}", corpus.display());
            return;
        }
        let settings = ThumbnailSettings::default();
        for file in [
            // Landscape, and portrait by `irot` with the grid's padding turned to the left.
            "immich-test-assets/formats/heic/IMG_2682.heic",
            "exif-samples/heic/mobile/iphone_13_pro_max.HEIC",
        ] {
            let data = std::fs::read(corpus.join(file)).unwrap();
            // One decode's budget is given back before the next asks for its own.
            let decoded = decode_with(&data, &settings, true).unwrap();
            let (tiled_size, tiled) = ((decoded.width, decoded.height), decoded.raster.clone());
            drop(decoded);
            let whole = decode_with(&data, &settings, false).unwrap();
            assert!(tiled.width < whole.raster.width, "{file} was not reduced");
            assert_eq!(tiled_size, (whole.width, whole.height));
            let diff = difference(&tiled, &whole.raster);
            assert!(diff < 2.0, "{file}: mean difference {diff}");
        }
    }
}
