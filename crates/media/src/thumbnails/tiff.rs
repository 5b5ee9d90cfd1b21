//! TIFF, decoded one strip or tile at a time and reduced by a whole factor on the fly (see
//! `reduce`): memory follows the preview size and the largest chunk, not the image. Layouts
//! outside the common ones (8 or 16-bit grey, grey + alpha, RGB or RGBA, interleaved) are
//! left to the `image` crate's whole-image decode, reserved at full size.

use std::io::{Read, Seek};

use ::tiff::ColorType;
use ::tiff::decoder::{ChunkType, Decoder, DecodingResult, Limits};
use ::tiff::tags::Tag;

use super::color::ColorSource;
use super::reduce::{self, Reducer};
use super::{Decoded, ThumbnailError, ThumbnailSettings};

fn error(e: impl std::fmt::Display) -> ThumbnailError {
    ThumbnailError::Decode {
        format: "TIFF",
        message: e.to_string(),
    }
}

/// Decodes a TIFF from `reader` (the file itself, or bytes in memory); `None` for a layout
/// this does not stream, which the caller decodes whole.
pub(crate) fn decode(
    reader: impl Read + Seek,
    settings: &ThumbnailSettings,
) -> Result<Option<Decoded>, ThumbnailError> {
    let mut decoder = Decoder::new(reader).map_err(error)?;
    let (width, height) = decoder.dimensions().map_err(error)?;
    settings.check_pixels(width, height)?;
    let (channels, bits) = match decoder.colortype().map_err(error)? {
        ColorType::Gray(b) => (1, b),
        ColorType::GrayA(b) => (2, b),
        ColorType::RGB(b) => (3, b),
        ColorType::RGBA(b) => (4, b),
        _ => return Ok(None),
    };
    let tag = |decoder: &mut Decoder<_>, tag| decoder.find_tag_unsigned::<u16>(tag).ok().flatten();
    let interleaved = tag(&mut decoder, Tag::PlanarConfiguration).is_none_or(|p| p == 1);
    // BlackIsZero or RGB; WhiteIsZero and the rest take the whole-image path.
    let photometric = tag(&mut decoder, Tag::PhotometricInterpretation);
    if !interleaved || !matches!(bits, 8 | 16) || !matches!(photometric, Some(1 | 2)) {
        return Ok(None);
    }
    let has_alpha = channels % 2 == 0;
    let (chunk_width, chunk_height) = decoder.chunk_dimensions();
    let chunk_bytes =
        u64::from(chunk_width) * u64::from(chunk_height) * channels as u64 * u64::from(bits / 8);
    let factor = reduce::factor(width, height, settings.preview_size);
    let reservation = settings.reserve(
        width,
        height,
        reduce::bytes(width, height, factor, has_alpha) + chunk_bytes + u64::from(chunk_width) * 4,
    )?;
    let mut limits = Limits::default();
    limits.decoding_buffer_size = usize::try_from(chunk_bytes).unwrap_or(usize::MAX);
    let mut decoder = decoder.with_limits(limits);
    let icc = decoder.get_tag_u8_vec(Tag::IccProfile).ok();
    let orientation = tag(&mut decoder, Tag::Orientation).filter(|o| (2..=8).contains(o));

    let (chunks, across) = match decoder.get_chunk_type() {
        ChunkType::Strip => (decoder.strip_count().map_err(error)?, 1),
        ChunkType::Tile => (
            decoder.tile_count().map_err(error)?,
            width.div_ceil(chunk_width.max(1)),
        ),
    };
    let mut reducer = Reducer::new(width, height, factor, has_alpha);
    let mut row8 = Vec::new();
    for index in 0..chunks {
        let (data_width, data_height) = decoder.chunk_data_dimensions(index);
        let x0 = (index % across) * chunk_width;
        let y0 = (index / across) * chunk_height;
        let samples = data_width as usize * channels;
        let chunk = decoder.read_chunk(index).map_err(error)?;
        for row in 0..data_height as usize {
            let y = y0 + row as u32;
            match &chunk {
                DecodingResult::U8(v) => {
                    let Some(line) = v.get(row * samples..(row + 1) * samples) else {
                        return Err(error("short chunk"));
                    };
                    reducer.add_row(y, x0, 1, line, channels);
                }
                DecodingResult::U16(v) => {
                    let Some(line) = v.get(row * samples..(row + 1) * samples) else {
                        return Err(error("short chunk"));
                    };
                    row8.clear();
                    row8.extend(line.iter().map(|&s| (s >> 8) as u8));
                    reducer.add_row(y, x0, 1, &row8, channels);
                }
                _ => return Err(error("unexpected sample type")),
            }
        }
    }
    Ok(Some(Decoded {
        raster: reducer.finish(),
        color: icc.map_or(ColorSource::Srgb, ColorSource::Icc),
        width,
        height,
        embedded_orientation: orientation,
        orientation_from_container: false,
        reservation,
    }))
}
