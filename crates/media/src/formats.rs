//! The formats Shoebox accepts, by extension (as Immich and its clients decide)
//! and, where the bytes say otherwise, by content.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
    Sidecar,
}

/// (extension, MIME type, kind), extensions lower-case with the dot.
const FORMATS: &[(&str, &str, MediaKind)] = &[
    // Camera RAW.
    (".3fr", "image/x-hasselblad-3fr", MediaKind::Image),
    (".ari", "image/x-arriflex-ari", MediaKind::Image),
    (".arw", "image/x-sony-arw", MediaKind::Image),
    (".cap", "image/x-phaseone-cap", MediaKind::Image),
    (".cin", "image/x-phantom-cin", MediaKind::Image),
    (".cr2", "image/x-canon-cr2", MediaKind::Image),
    (".cr3", "image/x-canon-cr3", MediaKind::Image),
    (".crw", "image/x-canon-crw", MediaKind::Image),
    (".dcr", "image/x-kodak-dcr", MediaKind::Image),
    (".dng", "image/x-adobe-dng", MediaKind::Image),
    (".erf", "image/x-epson-erf", MediaKind::Image),
    (".fff", "image/x-hasselblad-fff", MediaKind::Image),
    (".iiq", "image/x-phaseone-iiq", MediaKind::Image),
    (".k25", "image/x-kodak-k25", MediaKind::Image),
    (".kdc", "image/x-kodak-kdc", MediaKind::Image),
    (".mrw", "image/x-minolta-mrw", MediaKind::Image),
    (".nef", "image/x-nikon-nef", MediaKind::Image),
    (".nrw", "image/x-nikon-nrw", MediaKind::Image),
    (".orf", "image/x-olympus-orf", MediaKind::Image),
    (".ori", "image/x-olympus-ori", MediaKind::Image),
    (".pef", "image/x-pentax-pef", MediaKind::Image),
    (".psd", "image/vnd.adobe.photoshop", MediaKind::Image),
    (".raf", "image/x-fuji-raf", MediaKind::Image),
    (".raw", "image/x-panasonic-raw", MediaKind::Image),
    (".rw2", "image/x-panasonic-rw2", MediaKind::Image),
    (".rwl", "image/x-leica-rwl", MediaKind::Image),
    (".sr2", "image/x-sony-sr2", MediaKind::Image),
    (".srf", "image/x-sony-srf", MediaKind::Image),
    (".srw", "image/x-samsung-srw", MediaKind::Image),
    (".x3f", "image/x-sigma-x3f", MediaKind::Image),
    // Web and phone formats.
    (".avif", "image/avif", MediaKind::Image),
    (".bmp", "image/bmp", MediaKind::Image),
    (".gif", "image/gif", MediaKind::Image),
    (".heic", "image/heic", MediaKind::Image),
    (".heif", "image/heif", MediaKind::Image),
    (".hif", "image/hif", MediaKind::Image),
    (".insp", "image/jpeg", MediaKind::Image),
    (".jp2", "image/jp2", MediaKind::Image),
    (".jpe", "image/jpeg", MediaKind::Image),
    (".jpeg", "image/jpeg", MediaKind::Image),
    (".jpg", "image/jpeg", MediaKind::Image),
    (".jxl", "image/jxl", MediaKind::Image),
    (".png", "image/png", MediaKind::Image),
    (".svg", "image/svg+xml", MediaKind::Image),
    (".tif", "image/tiff", MediaKind::Image),
    (".tiff", "image/tiff", MediaKind::Image),
    (".webp", "image/webp", MediaKind::Image),
    // Video.
    (".3gp", "video/3gpp", MediaKind::Video),
    (".3gpp", "video/3gpp", MediaKind::Video),
    (".avi", "video/x-msvideo", MediaKind::Video),
    (".flv", "video/x-flv", MediaKind::Video),
    (".insv", "video/mp4", MediaKind::Video),
    (".m2t", "video/mp2t", MediaKind::Video),
    (".m2ts", "video/mp2t", MediaKind::Video),
    (".m4v", "video/x-m4v", MediaKind::Video),
    (".mkv", "video/x-matroska", MediaKind::Video),
    (".mov", "video/quicktime", MediaKind::Video),
    (".mp4", "video/mp4", MediaKind::Video),
    (".mpe", "video/mpeg", MediaKind::Video),
    (".mpeg", "video/mpeg", MediaKind::Video),
    (".mpg", "video/mpeg", MediaKind::Video),
    (".mts", "video/mp2t", MediaKind::Video),
    (".vob", "video/mpeg", MediaKind::Video),
    (".webm", "video/webm", MediaKind::Video),
    (".wmv", "video/x-ms-wmv", MediaKind::Video),
    // Metadata sidecars.
    (".xmp", "application/xml", MediaKind::Sidecar),
];

/// The lower-case extension of a file name, with its dot (".jpg"), if any.
pub fn extension_of(file_name: &str) -> Option<String> {
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let dot = name.rfind('.')?;
    (dot > 0 || name.len() > 1).then(|| name[dot..].to_ascii_lowercase())
}

fn lookup(file_name: &str) -> Option<&'static (&'static str, &'static str, MediaKind)> {
    let ext = extension_of(file_name)?;
    FORMATS.iter().find(|(e, _, _)| *e == ext)
}

/// What kind of file the name says this is, if we accept it at all.
pub fn kind_by_name(file_name: &str) -> Option<MediaKind> {
    lookup(file_name).map(|f| f.2)
}

pub fn mime_type_for(file_name: &str) -> &'static str {
    lookup(file_name).map_or("application/octet-stream", |f| f.1)
}

/// Extensions we accept of one kind, for `/server/media-types`.
pub fn supported_extensions(kind: MediaKind) -> Vec<String> {
    FORMATS
        .iter()
        .filter(|f| f.2 == kind)
        .map(|f| f.0.to_string())
        .collect()
}

/// What the first bytes of a file say it is, where they say it clearly.
fn kind_by_content(head: &[u8]) -> Option<MediaKind> {
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        // ISO base media: the brand tells stills (HEIF/AVIF) from movies.
        return match &head[8..12] {
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1"
            | b"avif" | b"avis" | b"crx " => Some(MediaKind::Image),
            _ => Some(MediaKind::Video),
        };
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(MediaKind::Video); // Matroska / WebM
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"AVI " {
        return Some(MediaKind::Video);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF])
        || head.starts_with(b"\x89PNG")
        || head.starts_with(b"GIF8")
    {
        return Some(MediaKind::Image);
    }
    None
}

/// Image or video for an accepted media file: the extension decides unless the
/// content clearly says the other (a video saved as ".jpg", say).
/// `None` when the name is not a media format we accept.
pub fn classify(file_name: &str, head: &[u8]) -> Option<MediaKind> {
    match kind_by_name(file_name)? {
        MediaKind::Sidecar => None,
        by_name => Some(match kind_by_content(head) {
            Some(MediaKind::Video) if by_name == MediaKind::Image => MediaKind::Video,
            Some(MediaKind::Image) if by_name == MediaKind::Video => MediaKind::Image,
            _ => by_name,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_is_case_insensitive_and_ignores_directories() {
        assert_eq!(extension_of("a/b.c/IMG_1.JPG").as_deref(), Some(".jpg"));
        assert_eq!(extension_of("noext"), None);
        assert_eq!(kind_by_name("clip.MOV"), Some(MediaKind::Video));
        assert_eq!(kind_by_name("notes.md"), None);
    }

    #[test]
    fn content_overrides_a_misleading_extension() {
        let mp4 = b"\0\0\0\x18ftypisom\0\0\0\0";
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0";
        assert_eq!(classify("x.jpg", mp4), Some(MediaKind::Video));
        assert_eq!(classify("x.mp4", heic), Some(MediaKind::Image));
        assert_eq!(
            classify("x.jpg", b"\xFF\xD8\xFF\xE0"),
            Some(MediaKind::Image)
        );
        assert_eq!(classify("x.xmp", b"<x:xmpmeta"), None);
    }
}
