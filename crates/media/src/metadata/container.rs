//! Walks image containers to find their metadata blocks (EXIF, XMP, IPTC) and dimensions,
//! seeking past image data so that only metadata is read, with a cap on every block.

use std::io::{Read, Seek, SeekFrom};

use super::{ImageFormat, MetadataError, Tags, ifd, iptc, xmp};

/// The most we read for one EXIF block or one TIFF file.
const MAX_EXIF_BYTES: usize = 64 << 20;
/// The most we read of a HEIF `meta` box.
const MAX_META_BYTES: usize = 16 << 20;
/// Boxes, chunks or segments walked before giving up (a guard against looping files).
const MAX_UNITS: usize = 100_000;

/// What a container walk found.
#[derive(Default)]
pub(crate) struct Found {
    pub exif: Option<Vec<u8>>,
    pub xmp: Option<Vec<u8>>,
    pub xmp_extended: Option<Vec<u8>>,
    pub iptc: Option<Vec<u8>>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bits_per_sample: Option<u32>,
    pub motion_photo_video: Option<(u64, u64)>,
    pub warnings: Vec<String>,
}

pub(crate) fn read<R: Read + Seek>(
    mut r: R,
) -> Result<(ImageFormat, Tags, Vec<String>), MetadataError> {
    let size = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 32];
    let n = read_up_to(&mut r, &mut head)?;
    let head = &head[..n];
    let format = detect(head)?;
    r.seek(SeekFrom::Start(0))?;

    let mut found = Found::default();
    let mut warnings = Vec::new();
    let walked = match format {
        ImageFormat::Jpeg => jpeg(&mut r, &mut found),
        ImageFormat::Tiff => tiff(&mut r, size, &mut found),
        ImageFormat::Png => png(&mut r, &mut found),
        ImageFormat::WebP => webp(&mut r, &mut found),
        ImageFormat::Heif => heif(&mut r, size, &mut found),
        ImageFormat::Jxl => jxl(&mut r, size, head, &mut found),
        ImageFormat::Xmp => {
            let mut bytes = Vec::new();
            r.take(xmp::MAX_XMP_BYTES as u64).read_to_end(&mut bytes)?;
            found.xmp = Some(bytes);
            Ok(())
        }
        // Videos are probed by ffprobe; `detect` never answers this.
        ImageFormat::Video => Err(MetadataError::Unsupported("video".into())),
    };
    let nothing_found = found.exif.is_none()
        && found.xmp.is_none()
        && found.iptc.is_none()
        && found.width.is_none();
    if let Err(e) = walked {
        if nothing_found {
            return Err(e);
        }
        warnings.push(format!("container: {e}"));
    }

    warnings.append(&mut found.warnings);
    let mut tags = Tags::default();
    if let Some(blob) = found.exif.take() {
        ifd::read(blob, format, &mut tags, &mut warnings);
    }
    for packet in [found.xmp.take(), found.xmp_extended.take()]
        .into_iter()
        .flatten()
    {
        match xmp::parse_packet(&packet) {
            Ok(x) => tags.overlay(x),
            Err(e) => warnings.push(format!("xmp: {e}")),
        }
    }
    if let Some(irb) = found.iptc.take() {
        tags.overlay(iptc::read(&irb));
    }
    // The image data's own dimensions win over anything a metadata block claims.
    if format != ImageFormat::Xmp && found.width.is_some() && found.height.is_some() {
        tags.image_width = found.width;
        tags.image_height = found.height;
    }
    if found.bits_per_sample.is_some() {
        tags.bits_per_sample = found.bits_per_sample;
    }
    if found.motion_photo_video.is_some() {
        tags.motion_photo_video = found.motion_photo_video;
    }
    if format != ImageFormat::Xmp {
        tags.file_size = Some(size);
    }
    Ok((format, tags, warnings))
}

fn detect(head: &[u8]) -> Result<ImageFormat, MetadataError> {
    let format = if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ImageFormat::Jpeg
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        ImageFormat::Tiff
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        ImageFormat::Png
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        ImageFormat::WebP
    } else if head.starts_with(&[0xFF, 0x0A]) || head.starts_with(b"\0\0\0\x0cJXL \r\n\x87\n") {
        ImageFormat::Jxl
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        if !is_heif_brand(head) {
            return Err(MetadataError::Unsupported(
                "ISO BMFF file that is not HEIF (a video?)".into(),
            ));
        }
        ImageFormat::Heif
    } else if looks_like_xmp(head) {
        ImageFormat::Xmp
    } else {
        return Err(MetadataError::Unsupported(
            "not a JPEG, TIFF, PNG, WebP, HEIF, JPEG XL or XMP file".into(),
        ));
    };
    Ok(format)
}

fn is_heif_brand(head: &[u8]) -> bool {
    const BRANDS: &[&[u8; 4]] = &[
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
        b"mif2", b"avif", b"avis", b"avio",
    ];
    let box_len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let end = box_len.min(head.len());
    let major = &head[8..12];
    let compatible = head.get(16..end).unwrap_or_default().chunks_exact(4);
    std::iter::once(major)
        .chain(compatible)
        .any(|b| BRANDS.iter().any(|brand| &brand[..] == b))
}

fn looks_like_xmp(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with("<?xpacket") || t.starts_with("<x:xmpmeta") || t.starts_with("<?xml")
}

fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn corrupt(msg: &str) -> MetadataError {
    MetadataError::Corrupt(msg.into())
}

/// Reads exactly `len` bytes (at most `cap`), or fails as a truncated file.
fn read_vec<R: Read>(r: &mut R, len: u64, cap: usize) -> Result<Vec<u8>, MetadataError> {
    if len > cap as u64 {
        return Err(corrupt("metadata block larger than the limit"));
    }
    let mut buf = Vec::with_capacity(len as usize);
    r.by_ref().take(len).read_to_end(&mut buf)?;
    if buf.len() as u64 != len {
        return Err(corrupt("truncated"));
    }
    Ok(buf)
}

fn read_array<const N: usize, R: Read>(r: &mut R) -> Result<[u8; N], MetadataError> {
    let mut buf = [0u8; N];
    r.read_exact(&mut buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            corrupt("truncated")
        } else {
            MetadataError::Io(e)
        }
    })?;
    Ok(buf)
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

// ---------------------------------------------------------------------------------------------
// JPEG

const EXIF_HEADER: &[u8] = b"Exif\0\0";
const XMP_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXT_HEADER: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const PHOTOSHOP_HEADER: &[u8] = b"Photoshop 3.0\0";

fn jpeg<R: Read + Seek>(r: &mut R, found: &mut Found) -> Result<(), MetadataError> {
    let mut extended = ExtendedXmp::default();
    let mut photoshop: Vec<u8> = Vec::new();
    let walked = jpeg_segments(r, found, &mut extended, &mut photoshop);
    found.xmp_extended = extended.finish();
    if !photoshop.is_empty() {
        found.iptc = iptc::iptc_from_photoshop(&photoshop);
    }
    walked
}

fn jpeg_segments<R: Read + Seek>(
    r: &mut R,
    found: &mut Found,
    extended: &mut ExtendedXmp,
    photoshop: &mut Vec<u8>,
) -> Result<(), MetadataError> {
    r.seek(SeekFrom::Start(2))?;
    for _ in 0..MAX_UNITS {
        let [ff, mut marker] = read_array::<2, _>(r)?;
        if ff != 0xFF {
            return Err(corrupt("JPEG marker expected"));
        }
        while marker == 0xFF {
            marker = read_array::<1, _>(r)?[0];
        }
        match marker {
            0xD9 | 0xDA => break,
            0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let len = u16::from_be_bytes(read_array::<2, _>(r)?);
        if len < 2 {
            return Err(corrupt("JPEG segment length"));
        }
        let len = u64::from(len - 2);
        match marker {
            0xE1 => {
                let payload = read_vec(r, len, 1 << 16)?;
                if let Some(tiff) = payload.strip_prefix(EXIF_HEADER) {
                    if found.exif.is_none() {
                        found.exif = Some(tiff.to_vec());
                    }
                } else if let Some(x) = payload.strip_prefix(XMP_HEADER) {
                    if found.xmp.is_none() {
                        found.xmp = Some(x.to_vec());
                    }
                } else if let Some(x) = payload.strip_prefix(XMP_EXT_HEADER) {
                    extended.add(x);
                }
            }
            0xED => {
                let payload = read_vec(r, len, 1 << 16)?;
                if let Some(irb) = payload.strip_prefix(PHOTOSHOP_HEADER) {
                    photoshop.extend_from_slice(irb);
                }
            }
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF if found.width.is_none() => {
                let sof = read_vec(r, len, 1 << 16)?;
                if sof.len() >= 5 {
                    found.bits_per_sample = Some(u32::from(sof[0]));
                    found.height = be16(&sof, 1).map(u32::from);
                    found.width = be16(&sof, 3).map(u32::from);
                }
            }
            _ => {
                r.seek(SeekFrom::Current(len as i64))?;
            }
        }
    }
    Ok(())
}

/// Extended XMP: a GUID, the full length and an offset in each APP1 chunk.
#[derive(Default)]
struct ExtendedXmp {
    guid: Option<Vec<u8>>,
    data: Vec<u8>,
    received: usize,
}

impl ExtendedXmp {
    fn add(&mut self, chunk: &[u8]) {
        if chunk.len() < 40 {
            return;
        }
        let (guid, rest) = chunk.split_at(32);
        let (Some(total), Some(offset)) = (be32(rest, 0), be32(rest, 4)) else {
            return;
        };
        let (total, offset) = (total as usize, offset as usize);
        let data = &rest[8..];
        if total > xmp::MAX_XMP_BYTES {
            return;
        }
        match &self.guid {
            None => {
                self.guid = Some(guid.to_vec());
                self.data = vec![0; total];
            }
            Some(g) if g.as_slice() != guid || self.data.len() != total => return,
            Some(_) => {}
        }
        if let Some(dst) = self.data.get_mut(offset..offset + data.len()) {
            dst.copy_from_slice(data);
            self.received += data.len();
        }
    }

    fn finish(self) -> Option<Vec<u8>> {
        (self.guid.is_some() && self.received >= self.data.len()).then_some(self.data)
    }
}

// ---------------------------------------------------------------------------------------------
// TIFF: the whole file is the EXIF structure (IFD offsets may point anywhere).

fn tiff<R: Read + Seek>(r: &mut R, size: u64, found: &mut Found) -> Result<(), MetadataError> {
    let len = size.min(MAX_EXIF_BYTES as u64);
    found.exif = Some(read_vec(r, len, MAX_EXIF_BYTES)?);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// PNG

fn png<R: Read + Seek>(r: &mut R, found: &mut Found) -> Result<(), MetadataError> {
    r.seek(SeekFrom::Start(8))?;
    for _ in 0..MAX_UNITS {
        let header = match read_array::<8, _>(r) {
            Ok(h) => h,
            // A file that stops between chunks: keep what was found.
            Err(MetadataError::Corrupt(_)) if found.width.is_some() => break,
            Err(e) => return Err(e),
        };
        let len = u64::from(u32::from_be_bytes([
            header[0], header[1], header[2], header[3],
        ]));
        let kind = &header[4..8];
        match kind {
            b"IHDR" => {
                let data = read_vec(r, len, 1 << 10)?;
                found.width = be32(&data, 0);
                found.height = be32(&data, 4);
                found.bits_per_sample = data.get(8).map(|&b| u32::from(b));
            }
            b"eXIf" | b"exIf" if found.exif.is_none() => {
                let data = read_vec(r, len, MAX_EXIF_BYTES)?;
                let data = data.strip_prefix(EXIF_HEADER).unwrap_or(&data).to_vec();
                found.exif = Some(data);
            }
            b"iTXt" if found.xmp.is_none() => {
                let data = read_vec(r, len, xmp::MAX_XMP_BYTES)?;
                found.xmp = png_itxt_xmp(&data);
            }
            b"tEXt" if found.exif.is_none() => {
                let data = read_vec(r, len, MAX_EXIF_BYTES)?;
                found.exif = png_raw_profile_exif(&data);
            }
            b"IEND" => break,
            _ => {
                r.seek(SeekFrom::Current(len as i64))?;
            }
        }
        r.seek(SeekFrom::Current(4))?; // CRC
    }
    Ok(())
}

/// XMP in an uncompressed `iTXt` chunk with the keyword `XML:com.adobe.xmp`.
fn png_itxt_xmp(data: &[u8]) -> Option<Vec<u8>> {
    let rest = data.strip_prefix(b"XML:com.adobe.xmp\0")?;
    let (&compressed, rest) = rest.split_first()?;
    if compressed != 0 {
        return None;
    }
    let rest = rest.get(1..)?; // compression method
    let lang_end = rest.iter().position(|&b| b == 0)?;
    let rest = &rest[lang_end + 1..];
    let translated_end = rest.iter().position(|&b| b == 0)?;
    Some(rest[translated_end + 1..].to_vec())
}

/// ImageMagick's `Raw profile type exif`/`APP1` text chunk: hex after a header line.
fn png_raw_profile_exif(data: &[u8]) -> Option<Vec<u8>> {
    let nul = data.iter().position(|&b| b == 0)?;
    let keyword = &data[..nul];
    if keyword != b"Raw profile type exif" && keyword != b"Raw profile type APP1" {
        return None;
    }
    let text = std::str::from_utf8(&data[nul + 1..]).ok()?;
    // "\nexif\n   1234\n<hex…>"
    let mut lines = text.trim_start().splitn(3, '\n');
    let _name = lines.next()?;
    let _len = lines.next()?;
    let hex: Vec<u8> = lines
        .next()?
        .bytes()
        .filter(|b| b.is_ascii_hexdigit())
        .collect();
    let bytes: Vec<u8> = hex
        .chunks_exact(2)
        .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect();
    let tiff = bytes.strip_prefix(EXIF_HEADER).unwrap_or(&bytes);
    Some(tiff.to_vec())
}

// ---------------------------------------------------------------------------------------------
// WebP

fn webp<R: Read + Seek>(r: &mut R, found: &mut Found) -> Result<(), MetadataError> {
    r.seek(SeekFrom::Start(12))?;
    let mut frame_size = None;
    for _ in 0..MAX_UNITS {
        let header = match read_array::<8, _>(r) {
            Ok(h) => h,
            Err(MetadataError::Corrupt(_)) => break,
            Err(e) => return Err(e),
        };
        let len = u64::from(u32::from_le_bytes([
            header[4], header[5], header[6], header[7],
        ]));
        let padded = len + (len & 1);
        match &header[..4] {
            b"VP8X" => {
                let data = read_vec(r, len, 1 << 10)?;
                if data.len() >= 10 {
                    let le24 = |i: usize| {
                        u32::from(data[i])
                            | u32::from(data[i + 1]) << 8
                            | u32::from(data[i + 2]) << 16
                    };
                    found.width = Some(le24(4) + 1);
                    found.height = Some(le24(7) + 1);
                }
                r.seek(SeekFrom::Current((padded - len) as i64))?;
            }
            b"VP8 " if frame_size.is_none() => {
                let data = read_vec(r, len.min(10), 1 << 10)?;
                if data.len() >= 10 && data[3..6] == [0x9d, 0x01, 0x2a] {
                    let w = u32::from(u16::from_le_bytes([data[6], data[7]]) & 0x3fff);
                    let h = u32::from(u16::from_le_bytes([data[8], data[9]]) & 0x3fff);
                    frame_size = Some((w, h));
                }
                r.seek(SeekFrom::Current((padded - len.min(10)) as i64))?;
            }
            b"VP8L" if frame_size.is_none() => {
                let data = read_vec(r, len.min(5), 1 << 10)?;
                if data.len() >= 5 && data[0] == 0x2f {
                    let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
                    frame_size = Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1));
                }
                r.seek(SeekFrom::Current((padded - len.min(5)) as i64))?;
            }
            b"EXIF" if found.exif.is_none() => {
                let data = read_vec(r, len, MAX_EXIF_BYTES)?;
                found.exif = Some(data.strip_prefix(EXIF_HEADER).unwrap_or(&data).to_vec());
                r.seek(SeekFrom::Current((padded - len) as i64))?;
            }
            b"XMP " if found.xmp.is_none() => {
                found.xmp = Some(read_vec(r, len, xmp::MAX_XMP_BYTES)?);
                r.seek(SeekFrom::Current((padded - len) as i64))?;
            }
            _ => {
                r.seek(SeekFrom::Current(padded as i64))?;
            }
        }
    }
    if let Some((w, h)) = frame_size {
        found.width = Some(w);
        found.height = Some(h);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ISO BMFF boxes (HEIF, AVIF, JPEG XL container)

struct BoxHeader {
    kind: [u8; 4],
    /// Offset of the payload in the file.
    start: u64,
    /// Payload length.
    len: u64,
}

/// Reads a box header at the reader's position; `end` bounds boxes that run "to the end".
fn box_header<R: Read + Seek>(r: &mut R, end: u64) -> Result<Option<BoxHeader>, MetadataError> {
    let pos = r.stream_position()?;
    if pos + 8 > end {
        return Ok(None);
    }
    let h = read_array::<8, _>(r)?;
    let size = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
    let kind = [h[4], h[5], h[6], h[7]];
    let (header_len, total) = match size {
        0 => (8, end - pos),
        1 => (16, u64::from_be_bytes(read_array::<8, _>(r)?)),
        n => (8, n),
    };
    // Compared without adding: a 64-bit size near u64::MAX would wrap `pos + total`.
    if total < header_len || total > end - pos {
        return Err(corrupt("box size"));
    }
    Ok(Some(BoxHeader {
        kind,
        start: pos + header_len,
        len: total - header_len,
    }))
}

fn heif<R: Read + Seek>(r: &mut R, size: u64, found: &mut Found) -> Result<(), MetadataError> {
    let mut meta = None;
    let mut truncated = None;
    for _ in 0..MAX_UNITS {
        let b = match box_header(r, size) {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                truncated = Some(e);
                break;
            }
        };
        match &b.kind {
            b"meta" if meta.is_none() => {
                let data = read_vec(r, b.len, MAX_META_BYTES)?;
                meta = Some((b.start, data));
            }
            b"mpvd" => found.motion_photo_video = Some((b.start, b.len)),
            _ => {}
        }
        r.seek(SeekFrom::Start(b.start + b.len))?;
    }
    let Some((_, meta)) = meta else {
        return Err(truncated.unwrap_or_else(|| corrupt("HEIF without a meta box")));
    };
    if let Some(e) = truncated {
        found.warnings.push(format!("container: {e}"));
    }
    let info = parse_heif_meta(&meta).ok_or_else(|| corrupt("HEIF meta box"))?;
    if let Some(primary) = info.primary
        && let Some((w, h)) = info.ispe_for(primary)
    {
        found.width = Some(w);
        found.height = Some(h);
    }
    for item in &info.items {
        let wanted_exif = item.kind == *b"Exif" && found.exif.is_none();
        let wanted_xmp = item.kind == *b"mime"
            && item.content_type.as_deref() == Some("application/rdf+xml")
            && found.xmp.is_none();
        if !(wanted_exif || wanted_xmp) {
            continue;
        }
        let Some(loc) = info.locations.iter().find(|l| l.item_id == item.id) else {
            continue;
        };
        let Some(data) = read_item(r, loc, info.idat.as_ref(), size)? else {
            continue;
        };
        if wanted_exif {
            // A 4-byte offset to the TIFF header comes first.
            let skip = be32(&data, 0).map_or(usize::MAX, |o| o as usize + 4);
            if let Some(tiff) = data.get(skip..) {
                found.exif = Some(tiff.strip_prefix(EXIF_HEADER).unwrap_or(tiff).to_vec());
            }
        } else {
            found.xmp = Some(data);
        }
    }
    Ok(())
}

struct HeifItem {
    id: u32,
    kind: [u8; 4],
    content_type: Option<String>,
}

struct ItemLocation {
    item_id: u32,
    construction_method: u8,
    extents: Vec<(u64, u64)>,
}

#[derive(Default)]
struct HeifMeta {
    primary: Option<u32>,
    items: Vec<HeifItem>,
    locations: Vec<ItemLocation>,
    /// `ispe` properties by 1-based property index.
    properties: Vec<Option<(u32, u32)>>,
    /// Property indexes associated with each item.
    associations: Vec<(u32, Vec<u16>)>,
    /// Payload of an `idat` box, for items stored inside `meta`.
    idat: Option<Vec<u8>>,
}

impl HeifMeta {
    fn ispe_for(&self, item: u32) -> Option<(u32, u32)> {
        let (_, props) = self.associations.iter().find(|(id, _)| *id == item)?;
        props
            .iter()
            .find_map(|&i| *self.properties.get(usize::from(i).checked_sub(1)?)?)
    }
}

/// Iterates the child boxes in a byte slice: (type, payload).
fn child_boxes(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let size = be32(data, pos)? as usize;
        let kind: [u8; 4] = data.get(pos + 4..pos + 8)?.try_into().ok()?;
        let (header, total) = match size {
            0 => (8, data.len() - pos),
            1 => (16, usize::try_from(be64(data, pos + 8)?).ok()?),
            n => (8, n),
        };
        if total < header {
            return None;
        }
        let payload = data.get(pos + header..pos.checked_add(total)?)?;
        pos += total;
        Some((kind, payload))
    })
}

fn parse_heif_meta(meta: &[u8]) -> Option<HeifMeta> {
    let mut info = HeifMeta::default();
    // `meta` is a full box: version and flags first.
    for (kind, payload) in child_boxes(meta.get(4..)?) {
        match &kind {
            b"pitm" => {
                info.primary = match payload.first()? {
                    0 => be16(payload, 4).map(u32::from),
                    _ => be32(payload, 4),
                };
            }
            b"iinf" => info.items = parse_iinf(payload).unwrap_or_default(),
            b"iloc" => info.locations = parse_iloc(payload).unwrap_or_default(),
            b"iprp" => parse_iprp(payload, &mut info),
            b"idat" => info.idat = Some(payload.to_vec()),
            _ => {}
        }
    }
    Some(info)
}

fn parse_iinf(p: &[u8]) -> Option<Vec<HeifItem>> {
    let version = *p.first()?;
    let entries = if version == 0 {
        p.get(6..)?
    } else {
        p.get(8..)?
    };
    let mut items = Vec::new();
    for (kind, infe) in child_boxes(entries) {
        if &kind != b"infe" {
            continue;
        }
        let v = *infe.first()?;
        if v < 2 {
            continue;
        }
        let (id, rest) = if v == 2 {
            (u32::from(be16(infe, 4)?), infe.get(6..)?)
        } else {
            (be32(infe, 4)?, infe.get(8..)?)
        };
        // protection index (2), item type (4), name (NUL-terminated), content type
        let kind: [u8; 4] = rest.get(2..6)?.try_into().ok()?;
        let strings = rest.get(6..).unwrap_or_default();
        let mut parts = strings.split(|&b| b == 0);
        let _name = parts.next();
        let content_type = parts
            .next()
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned());
        items.push(HeifItem {
            id,
            kind,
            content_type,
        });
    }
    Some(items)
}

fn read_sized(p: &[u8], at: &mut usize, size: u8) -> Option<u64> {
    let v = match size {
        0 => 0,
        4 => u64::from(be32(p, *at)?),
        8 => be64(p, *at)?,
        _ => return None,
    };
    *at += usize::from(size);
    Some(v)
}

fn parse_iloc(p: &[u8]) -> Option<Vec<ItemLocation>> {
    let version = *p.first()?;
    let sizes = be16(p, 4)?;
    let offset_size = (sizes >> 12) as u8;
    let length_size = ((sizes >> 8) & 0xF) as u8;
    let base_offset_size = ((sizes >> 4) & 0xF) as u8;
    let index_size = if version >= 1 { (sizes & 0xF) as u8 } else { 0 };
    let mut at = 6;
    let count = if version < 2 {
        let c = u32::from(be16(p, at)?);
        at += 2;
        c
    } else {
        let c = be32(p, at)?;
        at += 4;
        c
    };
    let mut out = Vec::new();
    for _ in 0..count.min(MAX_UNITS as u32) {
        let item_id = if version < 2 {
            let id = u32::from(be16(p, at)?);
            at += 2;
            id
        } else {
            let id = be32(p, at)?;
            at += 4;
            id
        };
        let mut construction_method = 0;
        if version >= 1 {
            construction_method = (be16(p, at)? & 0xF) as u8;
            at += 2;
        }
        at += 2; // data reference index
        let base = read_sized(p, &mut at, base_offset_size)?;
        let extent_count = be16(p, at)?;
        at += 2;
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            if index_size > 0 {
                read_sized(p, &mut at, index_size)?;
            }
            let offset = read_sized(p, &mut at, offset_size)?;
            let length = read_sized(p, &mut at, length_size)?;
            extents.push((base.checked_add(offset)?, length));
        }
        out.push(ItemLocation {
            item_id,
            construction_method,
            extents,
        });
    }
    Some(out)
}

fn parse_iprp(p: &[u8], info: &mut HeifMeta) {
    for (kind, payload) in child_boxes(p) {
        match &kind {
            b"ipco" => {
                info.properties = child_boxes(payload)
                    .map(|(k, prop)| {
                        (&k == b"ispe")
                            .then(|| Some((be32(prop, 4)?, be32(prop, 8)?)))
                            .flatten()
                    })
                    .collect();
            }
            b"ipma" => {
                if let Some(a) = parse_ipma(payload) {
                    info.associations = a;
                }
            }
            _ => {}
        }
    }
}

fn parse_ipma(p: &[u8]) -> Option<Vec<(u32, Vec<u16>)>> {
    let version = *p.first()?;
    let flags = be32(p, 0)? & 0xFF_FFFF;
    let count = be32(p, 4)?;
    let mut at = 8;
    let mut out = Vec::new();
    for _ in 0..count.min(MAX_UNITS as u32) {
        let id = if version < 1 {
            let id = u32::from(be16(p, at)?);
            at += 2;
            id
        } else {
            let id = be32(p, at)?;
            at += 4;
            id
        };
        let n = *p.get(at)?;
        at += 1;
        let mut props = Vec::new();
        for _ in 0..n {
            let index = if flags & 1 == 1 {
                let v = be16(p, at)? & 0x7FFF;
                at += 2;
                v
            } else {
                let v = u16::from(*p.get(at)? & 0x7F);
                at += 1;
                v
            };
            props.push(index);
        }
        out.push((id, props));
    }
    Some(out)
}

fn read_item<R: Read + Seek>(
    r: &mut R,
    loc: &ItemLocation,
    idat: Option<&Vec<u8>>,
    size: u64,
) -> Result<Option<Vec<u8>>, MetadataError> {
    let total: u64 = loc.extents.iter().map(|e| e.1).sum();
    if total > MAX_EXIF_BYTES as u64 {
        return Ok(None);
    }
    let mut data = Vec::with_capacity(total as usize);
    for &(offset, length) in &loc.extents {
        match loc.construction_method {
            0 => {
                // A zero length means "to the end of the file".
                let length = if length == 0 {
                    size.saturating_sub(offset)
                } else {
                    length
                };
                if offset.saturating_add(length) > size {
                    return Err(corrupt("HEIF item beyond the end of the file"));
                }
                r.seek(SeekFrom::Start(offset))?;
                data.extend(read_vec(r, length, MAX_EXIF_BYTES)?);
            }
            1 => {
                let Some(idat) = idat else { return Ok(None) };
                let (Ok(start), Ok(len)) = (usize::try_from(offset), usize::try_from(length))
                else {
                    return Ok(None);
                };
                let Some(slice) = idat.get(start..start.saturating_add(len)) else {
                    return Ok(None);
                };
                data.extend_from_slice(slice);
            }
            _ => return Ok(None),
        }
        if data.len() > MAX_EXIF_BYTES {
            return Ok(None);
        }
    }
    Ok(Some(data))
}

// ---------------------------------------------------------------------------------------------
// JPEG XL

fn jxl<R: Read + Seek>(
    r: &mut R,
    size: u64,
    head: &[u8],
    found: &mut Found,
) -> Result<(), MetadataError> {
    if head.starts_with(&[0xFF, 0x0A]) {
        set_jxl_size(head, found);
        return Ok(());
    }
    let mut codestream_head: Option<Vec<u8>> = None;
    for _ in 0..MAX_UNITS {
        let b = match box_header(r, size) {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                found.warnings.push(format!("container: {e}"));
                break;
            }
        };
        match &b.kind {
            b"jxlc" if codestream_head.is_none() => {
                codestream_head = Some(read_vec(r, b.len.min(64), 64)?);
            }
            b"jxlp" if codestream_head.is_none() => {
                let part = read_vec(r, b.len.min(68), 68)?;
                codestream_head = part.get(4..).map(<[u8]>::to_vec);
            }
            b"Exif" if found.exif.is_none() => {
                let data = read_vec(r, b.len, MAX_EXIF_BYTES)?;
                let skip = be32(&data, 0).map_or(usize::MAX, |o| o as usize + 4);
                if let Some(tiff) = data.get(skip..) {
                    found.exif = Some(tiff.strip_prefix(EXIF_HEADER).unwrap_or(tiff).to_vec());
                }
            }
            b"xml " if found.xmp.is_none() => {
                found.xmp = Some(read_vec(r, b.len, xmp::MAX_XMP_BYTES)?);
            }
            _ => {}
        }
        r.seek(SeekFrom::Start(b.start + b.len))?;
    }
    if let Some(cs) = codestream_head {
        set_jxl_size(&cs, found);
    }
    Ok(())
}

fn set_jxl_size(codestream: &[u8], found: &mut Found) {
    if let Some((w, h)) = jxl_size(codestream) {
        found.width = Some(w);
        found.height = Some(h);
    }
}

/// Reads bits least-significant first, as JPEG XL headers are written.
struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn bits(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for i in 0..n {
            let byte = *self.data.get(self.pos / 8)?;
            let bit = (byte >> (self.pos % 8)) & 1;
            v |= u32::from(bit) << i;
            self.pos += 1;
        }
        Some(v)
    }

    fn size_u32(&mut self) -> Option<u32> {
        let bits = [9, 13, 18, 30][self.bits(2)? as usize];
        Some(self.bits(bits)? + 1)
    }
}

/// The `SizeHeader` that follows the `FF 0A` signature of a JPEG XL codestream.
pub(crate) fn jxl_size(codestream: &[u8]) -> Option<(u32, u32)> {
    let data = codestream.strip_prefix(&[0xFF, 0x0A])?;
    let mut br = BitReader { data, pos: 0 };
    let small = br.bits(1)? == 1;
    let height = if small {
        (br.bits(5)? + 1) * 8
    } else {
        br.size_u32()?
    };
    let ratio = br.bits(3)?;
    let width = match ratio {
        0 if small => (br.bits(5)? + 1) * 8,
        0 => br.size_u32()?,
        _ => {
            let (num, den) =
                [(1, 1), (12, 10), (4, 3), (3, 2), (16, 9), (5, 4), (2, 1)][ratio as usize - 1];
            (u64::from(height) * num / den) as u32
        }
    };
    Some((width, height))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `fuzz/fuzz_targets/metadata_file.rs`: a box whose 64-bit size is near
    /// `u64::MAX` overflowed the bounds check.
    #[test]
    fn a_box_size_past_the_end_of_the_file_is_corrupt_not_a_panic() {
        let input = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/fuzz/heif-box-size-overflow"
        ))
        .unwrap();
        match read(std::io::Cursor::new(input)) {
            Ok(_) | Err(MetadataError::Corrupt(_)) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    #[test]
    fn jxl_size_header() {
        // small: height (3+1)*8 = 32, ratio 1 → width 32
        // bits: small=1, h=3 (5 bits), ratio=1 (3 bits) → 1 | 3<<1 | 1<<6 = 0b0100_0111
        assert_eq!(jxl_size(&[0xFF, 0x0A, 0b0100_0111, 0]), Some((32, 32)));
        assert_eq!(jxl_size(&[0xFF, 0x0A, 0b0100_0111]), None);
        assert_eq!(jxl_size(&[0xFF, 0x0A]), None);
        assert_eq!(jxl_size(&[0x00]), None);
    }

    #[test]
    fn detects_formats() {
        assert_eq!(
            detect(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(),
            ImageFormat::Jpeg
        );
        assert_eq!(detect(b"II*\0\x08\0\0\0").unwrap(), ImageFormat::Tiff);
        assert_eq!(
            detect(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").unwrap(),
            ImageFormat::Heif
        );
        assert!(matches!(
            detect(b"\0\0\0\x18ftypisom\0\0\0\0isommp41"),
            Err(MetadataError::Unsupported(_))
        ));
        assert_eq!(detect(b"<?xpacket begin=").unwrap(), ImageFormat::Xmp);
        assert!(detect(b"hello").is_err());
        assert!(detect(b"").is_err());
    }

    #[test]
    fn child_boxes_stop_on_garbage() {
        let data = [
            0, 0, 0, 12, b'a', b'b', b'c', b'd', 1, 2, 3, 4, 0, 0, 0, 99, b'x',
        ];
        let boxes: Vec<_> = child_boxes(&data).collect();
        assert_eq!(boxes.len(), 1);
        assert_eq!(&boxes[0].0, b"abcd");
    }
}
