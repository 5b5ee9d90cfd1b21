//! Which decoder a file goes to, by its leading bytes: uploads are often misnamed (a HEIC
//! saved as `.jpg` by a phone's share sheet), so the extension only breaks the tie between
//! plain TIFF and TIFF-structured camera RAW.

/// An image format the pipeline decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Gif,
    Tiff,
    Bmp,
    WebP,
    /// HEIC/HEIF (HEVC-coded ISO-BMFF image).
    Heif,
    /// AVIF (AV1-coded ISO-BMFF image).
    Avif,
    JpegXl,
    /// Camera RAW (TIFF-structured, ORF, RW2, RAF): its embedded JPEG preview is used.
    Raw,
}

impl ImageFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
            ImageFormat::Gif => "GIF",
            ImageFormat::Tiff => "TIFF",
            ImageFormat::Bmp => "BMP",
            ImageFormat::WebP => "WebP",
            ImageFormat::Heif => "HEIF",
            ImageFormat::Avif => "AVIF",
            ImageFormat::JpegXl => "JPEG XL",
            ImageFormat::Raw => "RAW",
        }
    }
}

/// TIFF-structured RAW extensions whose files start like a plain TIFF.
const TIFF_RAW_EXTENSIONS: &[&str] = &[
    "3fr", "arw", "cr2", "dcr", "dng", "erf", "fff", "iiq", "k25", "kdc", "mef", "mos", "nef",
    "nrw", "pef", "raw", "rwl", "sr2", "srf", "srw",
];

pub(crate) fn detect(data: &[u8], extension: Option<&str>) -> Option<ImageFormat> {
    let starts = |magic: &[u8]| data.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Some(ImageFormat::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(ImageFormat::Png);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(ImageFormat::Gif);
    }
    if starts(b"BM") && data.len() >= 26 {
        return Some(ImageFormat::Bmp);
    }
    if data.len() >= 12 && starts(b"RIFF") && &data[8..12] == b"WEBP" {
        return Some(ImageFormat::WebP);
    }
    // JPEG XL: bare codestream or ISO-BMFF container.
    if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Some(ImageFormat::JpegXl);
    }
    if let Some(format) = bmff_brand(data) {
        return Some(format);
    }
    // Olympus ORF ("IIRO"/"MMOR"), Panasonic RW2 ("IIU\0"), Fujifilm RAF.
    if starts(b"IIRO") || starts(b"MMOR") || starts(b"IIU\0") || starts(b"FUJIFILMCCD-RAW") {
        return Some(ImageFormat::Raw);
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        let raw_by_name = extension.is_some_and(|e| TIFF_RAW_EXTENSIONS.contains(&e));
        // Canon CR2 says so at offset 8.
        let cr2 = data.len() > 10 && &data[8..10] == b"CR";
        return Some(if raw_by_name || cr2 {
            ImageFormat::Raw
        } else {
            ImageFormat::Tiff
        });
    }
    None
}

/// HEIF and AVIF are ISO-BMFF files told apart by the brands of their `ftyp` box.
fn bmff_brand(data: &[u8]) -> Option<ImageFormat> {
    if data.len() < 16 || &data[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
    let end = size.clamp(16, data.len());
    let major = &data[8..12];
    // Major brand first, then the compatible brands after the minor version.
    let brands = std::iter::once(major).chain(data[16..end].chunks_exact(4));
    let mut heif = false;
    for brand in brands {
        match brand {
            b"avif" | b"avis" => return Some(ImageFormat::Avif),
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
                heif = true
            }
            _ => {}
        }
    }
    heif.then_some(ImageFormat::Heif)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect(b"\xFF\xD8\xFF\xE0....", None),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(
            detect(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", Some("jpg")),
            Some(ImageFormat::Heif)
        );
        assert_eq!(
            detect(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf", None),
            Some(ImageFormat::Avif)
        );
        assert_eq!(
            detect(b"II*\0\x08\0\0\0", Some("tif")),
            Some(ImageFormat::Tiff)
        );
        assert_eq!(
            detect(b"II*\0\x08\0\0\0", Some("dng")),
            Some(ImageFormat::Raw)
        );
        assert_eq!(detect(b"not an image", None), None);
    }
}
