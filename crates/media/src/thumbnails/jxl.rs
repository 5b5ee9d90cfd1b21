//! JPEG XL through jxl-oxide (pure Rust). It renders straight to sRGB (converting embedded
//! ICC profiles with moxcms, the same CMS as the rest of the pipeline) and applies the
//! header's orientation while streaming pixels out.

use std::io::Cursor;

use jxl_oxide::{AllocTracker, EnumColourEncoding, JxlImage, Moxcms, RenderingIntent};

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
    // jxl-oxide's allocation tracker bounds every buffer it allocates while rendering; its
    // working set (f32 planes, per-group state) is several times the 8-bit output.
    let tracker =
        AllocTracker::with_limit(usize::try_from(settings.max_alloc_bytes).unwrap_or(usize::MAX));
    let mut image = JxlImage::builder()
        .alloc_tracker(tracker)
        .read(Cursor::new(data))
        .map_err(error)?;
    // Oriented dimensions.
    let (width, height) = (image.width(), image.height());
    settings.check_pixels(width, height)?;
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
    settings.check_alloc(samples as u64)?;
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
    })
}
