//! PNG, GIF, TIFF, BMP and WebP through the `image` crate (pure Rust decoders). These formats
//! have no reduced-scale decode, so the pixel budget is checked on the header and the
//! decoder runs under `image::Limits`.

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
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(settings.max_alloc_bytes);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(err)?;
    let (width, height) = decoder.dimensions();
    settings.check_pixels(width, height)?;
    // `into_decoder` hands the limits to the decoder but, unlike `ImageReader::decode`, does
    // not reserve the output buffer against them: check it here, and the 8-bit RGBA copy.
    settings.check_alloc(decoder.total_bytes())?;
    settings.check_alloc(u64::from(width) * u64::from(height) * 4)?;
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
    })
}
