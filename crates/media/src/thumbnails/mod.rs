//! Preview, thumbnail and thumbhash generation for still images, as Immich's
//! `AssetGenerateThumbnails` job produces them: a JPEG preview and a WebP thumbnail whose
//! *shorter* side is the configured size (never enlarged), and a thumbhash of a ≤100×100
//! version, all upright and in sRGB.
//!
//! The original is read once and decoded once per job (Immich issue #10480: decoding twice
//! doubled the job's cost): the preview is resized from the decode, the thumbnail from the
//! preview, the thumbhash from the thumbnail. Decoders are asked for the smallest output that
//! still covers the preview size (JPEG DCT scaling, PNG reduced while it streams), and every
//! decoder reserves its memory from the process's decode budget (`budget`), estimated from the
//! header, before it allocates any pixels.
//!
//! Pure library: no database, no HTTP, no files written. Formats: JPEG (libjpeg-turbo), PNG,
//! GIF (first frame), TIFF, BMP, WebP (`image` crate), HEIC/HEIF and AVIF 8/10/12-bit
//! (libheif), JPEG XL (jxl-oxide), camera RAW (the largest embedded JPEG preview).

mod budget;
mod color;
mod generic;
mod heif;
mod heif_grid;
mod jpeg;
mod jxl;
mod png;
mod raster;
mod raw;
mod reduce;
mod sniff;
mod tiff;
mod webp;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

pub use budget::{decode_memory, set_decode_memory};
pub use raster::{fit_inside, fit_outside};
pub use sniff::ImageFormat;

use budget::Reservation;
use color::ColorSource;
use raster::Raster;

/// What to produce and the limits that keep a hostile file from exhausting memory.
/// The defaults are Immich's (`image.preview`, `image.thumbnail` in its system config).
#[derive(Debug, Clone, PartialEq)]
pub struct ThumbnailSettings {
    /// Shorter side of the JPEG preview, in pixels (Immich: 1440).
    pub preview_size: u32,
    /// JPEG quality of the preview, 1–100 (Immich: 80).
    pub preview_quality: u8,
    /// Shorter side of the WebP thumbnail, in pixels (Immich: 250).
    pub thumbnail_size: u32,
    /// Lossy WebP quality of the thumbnail, 1–100 (Immich: 80).
    pub thumbnail_quality: u8,
    /// Images with more pixels than this (by their header) are refused before decoding. The
    /// memory they may use is bounded by the process's decode budget ([`set_decode_memory`]).
    pub max_pixels: u64,
    /// Files larger than this are refused without being read.
    pub max_file_bytes: u64,
    /// Accept images whose decoder reported recoverable damage (a truncated JPEG whose
    /// missing rows come out grey). Immich's `IMMICH_PROCESS_INVALID_IMAGES`; off by default.
    pub process_invalid_images: bool,
}

impl Default for ThumbnailSettings {
    fn default() -> Self {
        Self {
            preview_size: 1440,
            preview_quality: 80,
            thumbnail_size: 250,
            thumbnail_quality: 80,
            max_pixels: 200_000_000,
            max_file_bytes: 1 << 30,
            process_invalid_images: false,
        }
    }
}

impl ThumbnailSettings {
    fn check_pixels(&self, width: u32, height: u32) -> Result<(), ThumbnailError> {
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels {
            return Err(ThumbnailError::TooLarge {
                width,
                height,
                limit: self.max_pixels,
            });
        }
        Ok(())
    }

    /// Reserves, from the decode budget, what decoding an image of `width`×`height` (full
    /// size, as stored) needs: the decoder's own `decode_bytes` and what rendering its outputs
    /// adds (the preview-sized resize, orientation and RGB copies at four bytes a pixel).
    fn reserve(
        &self,
        width: u32,
        height: u32,
        decode_bytes: u64,
    ) -> Result<Reservation, ThumbnailError> {
        let (pw, ph) = fit_outside(width, height, self.preview_size);
        let render = u64::from(pw) * u64::from(ph) * 4 * 3 + (4 << 20);
        budget::reserve_decode(decode_bytes.saturating_add(render))
    }
}

/// One encoded output image.
#[derive(Clone, PartialEq, Eq)]
pub struct EncodedImage {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl fmt::Debug for EncodedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EncodedImage({}x{}, {} bytes)",
            self.width,
            self.height,
            self.bytes.len()
        )
    }
}

/// Everything the thumbnail job stores for one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// JPEG, shorter side `preview_size` (or the original's size when smaller).
    pub preview: EncodedImage,
    /// Lossy WebP, shorter side `thumbnail_size` (or smaller when the original is).
    pub thumbnail: EncodedImage,
    /// Thumbhash bytes (Immich stores them in `asset.thumbhash`).
    pub thumbhash: Vec<u8>,
    /// The source's width and height after orientation. For a RAW file this is the embedded
    /// preview's size, which cameras make full size or close to it.
    pub width: u32,
    pub height: u32,
    /// The format the bytes were recognised as.
    pub format: ImageFormat,
}

#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("file is {size} bytes, over the limit of {limit}")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("not an image format we can decode")]
    UnsupportedFormat,
    #[error("image is {width}x{height}, over the limit of {limit} pixels")]
    TooLarge { width: u32, height: u32, limit: u64 },
    #[error(
        "decoding needs {} MiB of memory, more than this server's decode budget of {} MiB",
        bytes.div_ceil(1 << 20),
        limit >> 20
    )]
    TooMuchMemory { bytes: u64, limit: u64 },
    #[error("{format} decode failed: {message}")]
    Decode {
        format: &'static str,
        message: String,
    },
    #[error("RAW file has no embedded JPEG preview")]
    NoEmbeddedPreview,
    #[error("resize failed: {0}")]
    Resize(String),
    #[error("encode failed: {0}")]
    Encode(String),
}

/// A decoder's output, before resizing.
pub(crate) struct Decoded {
    /// Possibly at a reduced scale (never below the preview size).
    raster: Raster,
    color: ColorSource,
    /// Full-size dimensions of the source, as stored (before orientation).
    width: u32,
    height: u32,
    /// The EXIF orientation found in the file itself, if the format carries one.
    embedded_orientation: Option<u16>,
    /// The decoder already applied the container's rotation/mirroring (HEIF `irot`/`imir`,
    /// JPEG XL's header): EXIF orientation must not be applied again.
    orientation_from_container: bool,
    /// The decode budget this image holds until its outputs are made.
    reservation: Reservation,
}

/// Reads `path` once and generates preview, thumbnail and thumbhash.
///
/// The EXIF orientation is read from the file. Prefer [`generate_with_orientation`] in the
/// job chain, passing the value the metadata job already extracted.
pub fn generate(path: &Path, settings: &ThumbnailSettings) -> Result<Generated, ThumbnailError> {
    generate_with_orientation(path, settings, None)
}

/// As [`generate`], with the EXIF orientation (1–8) known from the metadata job. It applies to
/// formats whose orientation lives in EXIF (JPEG, PNG, WebP, TIFF, RAW); HEIF, AVIF and JPEG XL
/// carry their rotation in the container, which their decoders apply, so the value is ignored
/// there (applying both would rotate twice). `None` means: read it from the file.
pub fn generate_with_orientation(
    path: &Path,
    settings: &ThumbnailSettings,
    orientation: Option<u16>,
) -> Result<Generated, ThumbnailError> {
    let io = |source| ThumbnailError::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > settings.max_file_bytes {
        return Err(ThumbnailError::FileTooLarge {
            size,
            limit: settings.max_file_bytes,
        });
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)
        .and_then(|f| f.take(SNIFF_BYTES as u64).read_to_end(&mut head))
        .map_err(io)?;
    let format =
        sniff::detect(&head, extension.as_deref()).ok_or(ThumbnailError::UnsupportedFormat)?;
    // PNG and TIFF decoders read the file as they go: only their reduced output is in memory.
    if matches!(format, ImageFormat::Png | ImageFormat::Tiff) {
        let reader = BufReader::new(File::open(path).map_err(io)?);
        let streamed = guarded(format, || match format {
            ImageFormat::Png => png::decode(reader, settings).map(Some),
            _ => tiff::decode(reader, settings),
        })?;
        if let Some(decoded) = streamed {
            return finish(decoded, format, settings, orientation);
        }
    }
    // Before the decode's own reservation, never after (see `budget`). A caller holding a
    // decode already reads without one rather than wait for itself.
    let _input = budget::reserve_input(size);
    let data = std::fs::read(path).map_err(io)?;
    generate_from_bytes(&data, extension.as_deref(), settings, orientation)
}

/// Enough of a file's start to tell its format.
const SNIFF_BYTES: usize = 4096;

/// As [`generate_with_orientation`], for a file already in memory. `extension` (lower case,
/// without the dot) only matters for TIFF-based camera RAW files, which their bytes alone do
/// not always tell apart from plain TIFF.
pub fn generate_from_bytes(
    data: &[u8],
    extension: Option<&str>,
    settings: &ThumbnailSettings,
    orientation: Option<u16>,
) -> Result<Generated, ThumbnailError> {
    if data.len() as u64 > settings.max_file_bytes {
        return Err(ThumbnailError::FileTooLarge {
            size: data.len() as u64,
            limit: settings.max_file_bytes,
        });
    }
    let format = sniff::detect(data, extension).ok_or(ThumbnailError::UnsupportedFormat)?;
    let decoded = guarded(format, || decode(format, data, settings))?;
    finish(decoded, format, settings, orientation)
}

/// Orients and renders a decode: `orientation` (from the metadata job) unless the decoder
/// applied the container's own, else the one found in the file.
fn finish(
    decoded: Decoded,
    format: ImageFormat,
    settings: &ThumbnailSettings,
    orientation: Option<u16>,
) -> Result<Generated, ThumbnailError> {
    let orientation = if decoded.orientation_from_container {
        1
    } else {
        orientation.or(decoded.embedded_orientation).unwrap_or(1)
    };
    guarded(format, || render(decoded, orientation, format, settings))
}

/// An upright sRGB image, three bytes per pixel, row by row.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RgbImage({}x{})", self.width, self.height)
    }
}

/// Decodes an image in memory at full size, upright (its embedded orientation applied) and in
/// sRGB, within the settings' budgets: what image analysis (face detection) reads, through
/// the same decoders as the thumbnails.
pub fn decode_rgb(data: &[u8], settings: &ThumbnailSettings) -> Result<RgbImage, ThumbnailError> {
    if data.len() as u64 > settings.max_file_bytes {
        return Err(ThumbnailError::FileTooLarge {
            size: data.len() as u64,
            limit: settings.max_file_bytes,
        });
    }
    let format = sniff::detect(data, None).ok_or(ThumbnailError::UnsupportedFormat)?;
    // No reduced-scale decode: the caller wants every pixel.
    let full = ThumbnailSettings {
        preview_size: u32::MAX,
        ..settings.clone()
    };
    guarded(format, || {
        let decoded = decode(format, data, &full)?;
        let orientation = if decoded.orientation_from_container {
            1
        } else {
            decoded.embedded_orientation.unwrap_or(1)
        };
        let mut raster = decoded.raster.drop_opaque_alpha();
        color::to_srgb(&mut raster, &decoded.color);
        let mut upright = raster.orient(orientation).into_rgb([255, 255, 255]);
        Ok(RgbImage {
            width: upright.width,
            height: upright.height,
            data: std::mem::take(&mut upright.data),
        })
    })
}

/// A square JPEG, `size` pixels a side, of the region around a face box: the box's longer
/// side plus a tenth, centred on the box and kept inside the picture (Immich's person
/// thumbnail). The box is in pixels of a `space` (width, height) version of the picture.
pub fn face_crop_jpeg(
    data: &[u8],
    face: [i32; 4],
    space: (u32, u32),
    size: u32,
    quality: u8,
    settings: &ThumbnailSettings,
) -> Result<Vec<u8>, ThumbnailError> {
    let image = decode_rgb(data, settings)?;
    let (w, h) = (image.width as f64, image.height as f64);
    let sx = w / f64::from(space.0.max(1));
    let sy = h / f64::from(space.1.max(1));
    let [x1, y1, x2, y2] = face.map(f64::from);
    let (x1, x2, y1, y2) = (x1 * sx, x2 * sx, y1 * sy, y2 * sy);
    let (cx, cy) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let wanted = ((x2 - x1).max(y2 - y1) * 1.1 / 2.0).max(1.0);
    // As large as wanted, as long as the square stays inside the picture.
    let half = wanted.min(cx).min(cy).min(w - cx).min(h - cy).max(0.5);
    let left = ((cx - half).floor().max(0.0) as u32).min(image.width - 1);
    let top = ((cy - half).floor().max(0.0) as u32).min(image.height - 1);
    let side = ((2.0 * half).round() as u32).clamp(1, (image.width - left).min(image.height - top));
    let mut cropped = Vec::with_capacity(side as usize * side as usize * 3);
    for y in top..top + side {
        let start = ((y * image.width + left) * 3) as usize;
        cropped.extend_from_slice(&image.data[start..start + side as usize * 3]);
    }
    let resized = Raster::new(side, side, false, cropped).resize(size, size)?;
    jpeg::encode(&resized, quality)
}

/// Runs a decode/encode step, turning a panic into an error. Our own code does not panic on
/// bad input, but the codecs are large and fed hostile files; one bad upload must fail its
/// job, not take down the worker thread. (Last resort only: the limits above are the real
/// protection, and a panic inside C code cannot be caught anyway.)
fn guarded<T>(
    format: ImageFormat,
    f: impl FnOnce() -> Result<T, ThumbnailError>,
) -> Result<T, ThumbnailError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "decoder panicked".into());
        Err(ThumbnailError::Decode {
            format: format.name(),
            message: format!("panic: {message}"),
        })
    })
}

fn decode(
    format: ImageFormat,
    data: &[u8],
    settings: &ThumbnailSettings,
) -> Result<Decoded, ThumbnailError> {
    match format {
        ImageFormat::Jpeg => jpeg::decode(data, settings, settings.preview_size),
        ImageFormat::Png => png::decode(Cursor::new(data), settings),
        ImageFormat::Gif | ImageFormat::Bmp => generic::decode(data, format, settings),
        ImageFormat::Tiff => match tiff::decode(Cursor::new(data), settings)? {
            Some(decoded) => Ok(decoded),
            None => generic::decode(data, format, settings),
        },
        ImageFormat::WebP => webp::decode(data, settings),
        ImageFormat::Heif | ImageFormat::Avif => heif::decode(data, settings),
        ImageFormat::JpegXl => jxl::decode(data, settings),
        ImageFormat::Raw => raw::decode(data, settings),
    }
}

/// Resize, colour-convert, orient and encode a decoded image.
fn render(
    decoded: Decoded,
    orientation: u16,
    format: ImageFormat,
    settings: &ThumbnailSettings,
) -> Result<Generated, ThumbnailError> {
    let Decoded {
        raster,
        color,
        width,
        height,
        reservation: _reservation,
        ..
    } = decoded;
    // Target sizes follow from the full-size dimensions, not from the (possibly DCT-scaled,
    // rounded-up) decode, so the aspect ratio is the original's.
    let (pw, ph) = if (raster.width, raster.height) == (width, height) {
        fit_outside(width, height, settings.preview_size)
    } else {
        let (w, h) = fit_outside(width, height, settings.preview_size);
        // A reduced-scale decode never goes below the target; guard against enlarging anyway.
        (w.min(raster.width), h.min(raster.height))
    };
    let mut preview = raster.resize(pw, ph)?.drop_opaque_alpha();
    color::to_srgb(&mut preview, &color);
    let preview = preview.orient(orientation);
    let (ow, oh) = if orientation >= 5 {
        (height, width)
    } else {
        (width, height)
    };

    let (tw, th) = fit_outside(ow, oh, settings.thumbnail_size);
    let thumbnail = preview.resized(tw.min(preview.width), th.min(preview.height))?;
    let (hw, hh) = fit_inside(thumbnail.width, thumbnail.height, 100);
    let small = thumbnail.resized(hw, hh)?;
    let thumbhash = thumbhash::rgba_to_thumb_hash(
        small.width as usize,
        small.height as usize,
        &small.to_rgba(),
    );

    let thumbnail_bytes = encode_webp(&thumbnail, settings.thumbnail_quality)?;
    // JPEG has no alpha: composite over white, which is how a transparent logo or screenshot
    // is meant to look on a page (libvips would use black).
    let preview = preview.into_rgb([255, 255, 255]);
    let preview_bytes = jpeg::encode(&preview, settings.preview_quality)?;
    Ok(Generated {
        preview: EncodedImage {
            bytes: preview_bytes,
            width: preview.width,
            height: preview.height,
        },
        thumbnail: EncodedImage {
            bytes: thumbnail_bytes,
            width: thumbnail.width,
            height: thumbnail.height,
        },
        thumbhash,
        width: ow,
        height: oh,
        format,
    })
}

/// Lossy WebP through libwebp (the `image` crate only writes lossless WebP), keeping alpha.
fn encode_webp(raster: &Raster, quality: u8) -> Result<Vec<u8>, ThumbnailError> {
    let encoder = if raster.has_alpha {
        ::webp::Encoder::from_rgba(&raster.data, raster.width, raster.height)
    } else {
        ::webp::Encoder::from_rgb(&raster.data, raster.width, raster.height)
    };
    let encoded = encoder
        .encode_simple(false, f32::from(quality))
        .map_err(|e| ThumbnailError::Encode(format!("WebP: {e:?}")))?;
    Ok(encoded.to_vec())
}
