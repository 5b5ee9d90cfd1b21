//! JPEG XL through jxl-oxide (pure Rust). It renders straight to sRGB (converting embedded
//! ICC profiles with moxcms, the same CMS as the rest of the pipeline) and applies the
//! header's orientation while streaming pixels out.

use std::io::Cursor;

use jxl_oxide::{
    AllocTracker, EnumColourEncoding, InitializeResult, JxlImage, Moxcms, RenderingIntent,
};

use super::color::ColorSource;
use super::raster::{self, Raster};
use super::{Decoded, ThumbnailError, ThumbnailSettings};

fn error(e: impl std::fmt::Display) -> ThumbnailError {
    ThumbnailError::Decode {
        format: "JPEG XL",
        message: e.to_string(),
    }
}

pub(crate) fn decode(data: &[u8], settings: &ThumbnailSettings) -> Result<Decoded, ThumbnailError> {
    // The header first, to know what to reserve: jxl-oxide renders into f32 planes (four
    // bytes a sample, with per-group state on top) before the 8-bit output.
    let (width, height) = header_size(data)?;
    settings.check_pixels(width, height)?;
    let reservation = settings.reserve(width, height, u64::from(width) * u64::from(height) * 24)?;
    // Its allocation tracker holds every buffer it allocates while rendering to that.
    let tracker =
        AllocTracker::with_limit(usize::try_from(reservation.bytes()).unwrap_or(usize::MAX));
    let mut image = JxlImage::builder()
        .alloc_tracker(tracker)
        .read(Cursor::new(data))
        .map_err(error)?;
    image.set_cms(Moxcms);
    image.request_color_encoding(EnumColourEncoding::srgb(RenderingIntent::Relative));
    if image.num_loaded_keyframes() == 0 {
        return Err(error("no complete frame (truncated file?)"));
    }
    let render = image.render_frame(0).map_err(error)?;
    let mut stream = render.stream();
    let (w, h, channels) = (stream.width(), stream.height(), stream.channels() as usize);
    if !(1..=4).contains(&channels) {
        return Err(error(format!("{channels} channels")));
    }
    let samples = w as usize * h as usize * channels;
    let mut buf = raster::buffer(samples);
    let written = stream.write_to_buffer(&mut buf);
    if written != samples {
        return Err(error("short render"));
    }
    // Grey (and grey + alpha) to RGB(A).
    let has_alpha = channels == 2 || channels == 4;
    let pixels = match channels {
        1 => buf.iter().flat_map(|&g| [g, g, g]).collect(),
        2 => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        _ => buf,
    };
    Ok(Decoded {
        raster: Raster::new(w, h, has_alpha, pixels),
        color: ColorSource::Srgb,
        width: w,
        height: h,
        embedded_orientation: None,
        orientation_from_container: true,
        reservation,
    })
}

/// The oriented size from the image header (and ICC profile) alone, parsed from the first
/// mebibyte; no frame is read.
fn header_size(data: &[u8]) -> Result<(u32, u32), ThumbnailError> {
    let mut uninit = JxlImage::builder()
        .alloc_tracker(AllocTracker::with_limit(16 << 20))
        .build_uninit();
    uninit
        .feed_bytes(&data[..data.len().min(1 << 20)])
        .map_err(error)?;
    match uninit.try_init().map_err(error)? {
        InitializeResult::Initialized(image) => Ok((image.width(), image.height())),
        InitializeResult::NeedMoreData(_) => Err(error("header is incomplete or over 1 MiB")),
    }
}
