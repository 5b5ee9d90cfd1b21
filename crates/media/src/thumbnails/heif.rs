//! HEIC/HEIF and AVIF through libheif (bundled, statically linked; HEVC by libde265, AV1 by
//! dav1d/aom). libheif applies the container's `irot`/`imir`/`clap` while decoding, and
//! converts 10/12-bit images to 8 bits for us.

use std::sync::OnceLock;

use libheif_rs::{
    ColorPrimaries, ColorSpace, DecodingOptions, HeifContext, LibHeif, RgbChroma, SecurityLimits,
    TransferCharacteristics,
};

use super::color::ColorSource;
use super::raster::{self, Raster};
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
    check_complete(data)?;
    let lib = lib();
    let mut ctx = HeifContext::new().map_err(error)?;
    // libheif's own guards (pixel count of one image, total memory, number of tiles) on top
    // of our header check, so a grid image cannot hide its real size in its tiles.
    let mut limits = SecurityLimits::new();
    limits.set_max_image_size_pixels(settings.max_pixels);
    limits.set_max_total_memory(settings.max_alloc_bytes.saturating_mul(2));
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
    settings.check_alloc(u64::from(width) * u64::from(height) * channels)?;

    let color = if let Some(icc) = handle.color_profile_raw() {
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
    };

    let mut options = DecodingOptions::new().ok_or_else(|| error("out of memory"))?;
    options.set_convert_hdr_to_8bit(true);
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
    })
}
