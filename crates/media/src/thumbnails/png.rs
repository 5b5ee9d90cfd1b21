//! PNG, decoded row by row and reduced by a whole factor on the fly (see `reduce`): memory
//! follows the preview size, not the image's. Interlaced (Adam7) files too: each pass's row
//! is spread over the columns it covers.

use std::io::{BufRead, Seek};

use ::png::{ColorType, Transformations};

use super::color::ColorSource;
use super::reduce::{self, Reducer};
use super::{Decoded, ThumbnailError, ThumbnailSettings, jpeg};

fn error(e: impl std::fmt::Display) -> ThumbnailError {
    ThumbnailError::Decode {
        format: "PNG",
        message: e.to_string(),
    }
}

/// Adam7's passes as (first column, column step, first row, row step).
const ADAM7: [(u32, u32, u32, u32); 7] = [
    (0, 8, 0, 8),
    (4, 8, 0, 8),
    (0, 4, 4, 8),
    (2, 4, 0, 4),
    (0, 2, 2, 4),
    (1, 2, 0, 2),
    (0, 1, 1, 2),
];

/// Decodes a PNG from `reader` (the file itself, or bytes in memory).
pub(crate) fn decode(
    reader: impl BufRead + Seek,
    settings: &ThumbnailSettings,
) -> Result<Decoded, ThumbnailError> {
    let mut decoder = ::png::Decoder::new(reader);
    // Palette and low bit depths to 8-bit samples, tRNS to alpha, 16-bit to 8.
    decoder.set_transformations(Transformations::EXPAND | Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(error)?;
    let info = reader.info();
    let (width, height, interlaced) = (info.width, info.height, info.interlaced);
    settings.check_pixels(width, height)?;
    let icc = info.icc_profile.as_ref().map(|p| p.to_vec());
    // A broken eXIf chunk costs the orientation, not the preview.
    let orientation = info
        .exif_metadata
        .as_deref()
        .and_then(jpeg::exif_orientation)
        .filter(|o| *o != 1);
    let (color, _) = reader.output_color_type();
    let channels = color.samples();
    let has_alpha = matches!(color, ColorType::GrayscaleAlpha | ColorType::Rgba);
    let factor = reduce::factor(width, height, settings.preview_size);
    let line = reader
        .output_line_size(width)
        .ok_or_else(|| error("row too long"))?;
    let reservation = settings.reserve(
        width,
        height,
        reduce::bytes(width, height, factor, has_alpha) + 2 * line as u64,
    )?;
    let mut reducer = Reducer::new(width, height, factor, has_alpha);
    if interlaced {
        let rows = ADAM7.iter().flat_map(|&(x0, dx, y0, dy)| {
            let samples = width.saturating_sub(x0).div_ceil(dx);
            let lines = if samples == 0 {
                0
            } else {
                height.saturating_sub(y0).div_ceil(dy)
            };
            (0..lines).map(move |l| (y0 + l * dy, x0, dx, samples))
        });
        for (y, x0, dx, samples) in rows {
            let row = reader
                .next_interlaced_row()
                .map_err(error)?
                .ok_or_else(|| error("image data ends early"))?;
            if row.data().len() != samples as usize * channels {
                return Err(error("unexpected interlaced row length"));
            }
            reducer.add_row(y, x0, dx, row.data(), channels);
        }
    } else {
        for y in 0..height {
            let row = reader
                .next_row()
                .map_err(error)?
                .ok_or_else(|| error("image data ends early"))?;
            reducer.add_row(y, 0, 1, row.data(), channels);
        }
    }
    Ok(Decoded {
        raster: reducer.finish(),
        color: icc.map_or(ColorSource::Srgb, ColorSource::Icc),
        width,
        height,
        embedded_orientation: orientation,
        orientation_from_container: false,
        reservation,
    })
}
