//! GIF, TIFF, BMP and WebP through the `image` crate (pure Rust decoders). These decode at full
//! size, so the whole decode is reserved from the budget by the header's figures, and the
//! decoder runs under `image::Limits` of that size.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader};

use super::color::ColorSource;
use super::raster::Raster;
use super::sniff::ImageFormat;
use super::{Decoded, ThumbnailError, ThumbnailSettings};

pub(crate) fn decode(
    data: &[u8],
    format: ImageFormat,
    settings: &ThumbnailSettings,
) -> Result<Decoded, ThumbnailError> {
    let image_format = match format {
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Gif => image::ImageFormat::Gif,
        ImageFormat::Tiff => image::ImageFormat::Tiff,
        ImageFormat::Bmp => image::ImageFormat::Bmp,
        ImageFormat::WebP => image::ImageFormat::WebP,
        // Also the fallback for JPEG variants libjpeg-turbo rejects.
        _ => image::ImageFormat::Jpeg,
    };
    let err = |e: image::ImageError| ThumbnailError::Decode {
        format: format.name(),
        message: e.to_string(),
    };
    let mut reader = ImageReader::with_format(Cursor::new(data), image_format);
    reader.no_limits();
    let mut decoder = reader.into_decoder().map_err(err)?;
    let (width, height) = decoder.dimensions();
    settings.check_pixels(width, height)?;
    // The decoder's own buffer, then the 8-bit RGB(A) copy made from it.
    let rgba = u64::from(width) * u64::from(height) * 4;
    let reservation = settings.reserve(width, height, decoder.total_bytes() + rgba)?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(reservation.bytes());
    decoder.set_limits(limits).map_err(err)?;
    // A broken ICC chunk or EXIF block should not cost the preview.
    let icc = decoder.icc_profile().ok().flatten();
    let orientation = decoder
        .orientation()
        .ok()
        .map(|o| u16::from(o.to_exif()))
        .filter(|o| *o != 1);
    let image = DynamicImage::from_decoder(decoder).map_err(err)?;
    let raster = if image.color().has_alpha() {
        let rgba = image.into_rgba8();
        Raster::new(width, height, true, rgba.into_raw())
    } else {
        let rgb = image.into_rgb8();
        Raster::new(width, height, false, rgb.into_raw())
    };
    Ok(Decoded {
        raster,
        color: icc.map_or(ColorSource::Srgb, ColorSource::Icc),
        width,
        height,
        embedded_orientation: orientation,
        orientation_from_container: false,
        reservation,
    })
}
