//! WebP through libwebp, which scales while it decodes: a lossy image comes out at the preview
//! size from a few rows of working memory, whatever its own size. (A lossless one is still
//! decoded whole inside libwebp, as its format requires, and reserved as such.) Animations go
//! to the `image` crate for their first frame.

use std::mem::MaybeUninit;

use libwebp_sys as sys;

use super::color::ColorSource;
use super::raster::{self, Raster, fit_outside};
use super::sniff::ImageFormat;
use super::{Decoded, ThumbnailError, ThumbnailSettings, generic, jpeg};

fn error(message: impl Into<String>) -> ThumbnailError {
    ThumbnailError::Decode {
        format: "WebP",
        message: message.into(),
    }
}

/// `WebPBitstreamFeatures::format` of a lossless image.
const LOSSLESS: i32 = 2;

pub(crate) fn decode(data: &[u8], settings: &ThumbnailSettings) -> Result<Decoded, ThumbnailError> {
    let mut config = MaybeUninit::<sys::WebPDecoderConfig>::uninit();
    // SAFETY: WebPInitDecoderConfig initialises every field of the struct it is given.
    if !unsafe { sys::WebPInitDecoderConfig(config.as_mut_ptr()) } {
        return Err(error("libwebp version mismatch"));
    }
    // SAFETY: initialised just above.
    let mut config = unsafe { config.assume_init() };
    // SAFETY: data is a valid slice; the features struct is ours to fill.
    let status = unsafe { sys::WebPGetFeatures(data.as_ptr(), data.len(), &mut config.input) };
    if status != sys::VP8StatusCode::VP8_STATUS_OK {
        return Err(error(format!("bad header: {}", status_text(status))));
    }
    let features = config.input;
    if features.has_animation != 0 {
        return generic::decode(data, ImageFormat::WebP, settings);
    }
    let (width, height) = (
        u32::try_from(features.width).unwrap_or(0),
        u32::try_from(features.height).unwrap_or(0),
    );
    if width == 0 || height == 0 {
        return Err(error("image has no dimensions"));
    }
    settings.check_pixels(width, height)?;
    let has_alpha = features.has_alpha != 0;
    let channels: u32 = if has_alpha { 4 } else { 3 };
    let (sw, sh) = fit_outside(width, height, settings.preview_size);
    let out = u64::from(sw) * u64::from(sh) * u64::from(channels);
    let full = u64::from(width) * u64::from(height);
    // Lossless: all pixels as ARGB; lossy: macroblock rows, and the alpha plane whole.
    let inside = if features.format == LOSSLESS {
        full * 4
    } else {
        u64::from(width) * 64 + if has_alpha { full } else { 0 }
    } + u64::from(width) * 16 * 4 * 2;
    let reservation = settings.reserve(width, height, out + inside)?;

    let mut pixels = raster::buffer(out as usize);
    config.options.use_threads = 0;
    if (sw, sh) != (width, height) {
        config.options.use_scaling = 1;
        config.options.scaled_width = sw as i32;
        config.options.scaled_height = sh as i32;
    }
    config.output.colorspace = if has_alpha {
        sys::WEBP_CSP_MODE::MODE_RGBA
    } else {
        sys::WEBP_CSP_MODE::MODE_RGB
    };
    config.output.is_external_memory = 1;
    config.output.u.RGBA = sys::WebPRGBABuffer {
        rgba: pixels.as_mut_ptr(),
        stride: (sw * channels) as i32,
        size: pixels.len(),
    };
    // SAFETY: the output points into `pixels`, sh rows of sw * channels bytes, as the stride
    // and size say; libwebp writes nothing past them. The buffer outlives the call.
    let status = unsafe { sys::WebPDecode(data.as_ptr(), data.len(), &mut config) };
    // SAFETY: frees only what libwebp allocated itself (nothing, with external memory).
    unsafe { sys::WebPFreeDecBuffer(&mut config.output) };
    if status != sys::VP8StatusCode::VP8_STATUS_OK {
        return Err(error(status_text(status)));
    }
    let chunks = Chunks::of(data);
    Ok(Decoded {
        raster: Raster::new(sw, sh, has_alpha, pixels),
        color: chunks
            .icc
            .map_or(ColorSource::Srgb, |icc| ColorSource::Icc(icc.to_vec())),
        width,
        height,
        embedded_orientation: chunks
            .exif
            .map(|e| e.strip_prefix(b"Exif\0\0").unwrap_or(e))
            .and_then(jpeg::exif_orientation)
            .filter(|o| *o != 1),
        orientation_from_container: false,
        reservation,
    })
}

fn status_text(status: sys::VP8StatusCode) -> &'static str {
    use sys::VP8StatusCode as S;
    match status {
        S::VP8_STATUS_OK => "no error",
        S::VP8_STATUS_OUT_OF_MEMORY => "out of memory",
        S::VP8_STATUS_UNSUPPORTED_FEATURE => "unsupported feature",
        S::VP8_STATUS_SUSPENDED | S::VP8_STATUS_NOT_ENOUGH_DATA => "the file is truncated",
        _ => "invalid data",
    }
}

/// The ICCP and EXIF chunks of an extended (VP8X) WebP file.
#[derive(Default)]
struct Chunks<'a> {
    icc: Option<&'a [u8]>,
    exif: Option<&'a [u8]>,
}

impl<'a> Chunks<'a> {
    fn of(data: &'a [u8]) -> Self {
        let mut out = Self::default();
        let mut pos = 12;
        while let Some(header) = data.get(pos..pos + 8) {
            let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
            let Some(body) = data.get(pos + 8..(pos + 8).saturating_add(size)) else {
                break;
            };
            match &header[..4] {
                b"ICCP" => out.icc = Some(body),
                b"EXIF" => out.exif = Some(body),
                _ => {}
            }
            // Chunks are padded to an even length.
            pos += 8 + size + (size & 1);
        }
        out
    }
}
