//! Camera RAW: previews come from the largest JPEG the camera embedded (Immich's
//! `extractEmbedded` path). Cameras store a full- or near-full-size JPEG rendered with their
//! own colour science, which is what the photographer saw on the camera; decoding the sensor
//! data would take a RAW developer and seconds per image.
//!
//! Where the JPEGs live, by format: TIFF `JPEGInterchangeFormat` (0x201/0x202) in IFD0/IFD1/
//! SubIFDs (NEF, ARW, PEF, SRW, DNG thumbnails), a JPEG-compressed strip in a SubIFD or IFD0
//! (DNG previews, CR2), Panasonic RW2's `JpgFromRaw` tag (0x2E), Fujifilm RAF's header.

use std::collections::HashSet;

use super::jpeg;
use super::{Decoded, ThumbnailError, ThumbnailSettings};

pub(crate) fn decode(data: &[u8], settings: &ThumbnailSettings) -> Result<Decoded, ThumbnailError> {
    let preview = find_preview(data).ok_or(ThumbnailError::NoEmbeddedPreview)?;
    let mut decoded = jpeg::decode(preview.jpeg, settings, settings.preview_size)?;
    // The RAW's own orientation describes the shot; the embedded JPEG is stored as the sensor
    // saw it and rarely carries an orientation of its own.
    decoded.embedded_orientation = preview.orientation.or(decoded.embedded_orientation);
    Ok(decoded)
}

pub(crate) struct Preview<'a> {
    pub jpeg: &'a [u8],
    /// IFD0's orientation tag.
    pub orientation: Option<u16>,
}

/// The embedded JPEG with the most pixels, if any.
pub(crate) fn find_preview(data: &[u8]) -> Option<Preview<'_>> {
    if data.starts_with(b"FUJIFILMCCD-RAW") {
        let offset = be_u32(data, 84)? as usize;
        let len = be_u32(data, 88)? as usize;
        let jpeg = data.get(offset..offset.checked_add(len)?)?;
        jpeg_size(jpeg)?;
        return Some(Preview {
            jpeg,
            orientation: None,
        });
    }
    let tiff = Tiff::new(data)?;
    let mut candidates: Vec<&[u8]> = Vec::new();
    let mut orientation = None;
    let mut queue = vec![tiff.first_ifd()?];
    let mut seen = HashSet::new();
    // Real files have a handful of IFDs; the cap stops crafted reference loops and fan-outs.
    while let Some(offset) = queue.pop() {
        if seen.len() >= 64 || !seen.insert(offset) {
            continue;
        }
        let Some(ifd) = tiff.ifd(offset) else {
            continue;
        };
        if seen.len() == 1 {
            orientation = ifd
                .value(0x0112)
                .and_then(|v| u16::try_from(v).ok())
                .filter(|v| (1..=8).contains(v));
        }
        if let (Some(start), Some(len)) = (ifd.value(0x0201), ifd.value(0x0202)) {
            candidates.extend(tiff.slice(start, len));
        }
        // A single JPEG-compressed strip (old-style 6 or new-style 7).
        if matches!(ifd.value(0x0103), Some(6 | 7))
            && let (Some(start), Some(len)) = (ifd.value(0x0111), ifd.value(0x0117))
        {
            candidates.extend(tiff.slice(start, len));
        }
        // Panasonic RW2 JpgFromRaw: an UNDEFINED-typed tag holding the whole JPEG.
        if let Some(entry) = ifd.entry(0x002E)
            && entry.typ == 7
        {
            candidates.extend(tiff.slice(entry.raw_value, entry.count));
        }
        if let Some(entry) = ifd.entry(0x014A) {
            queue.extend(tiff.offsets(entry).into_iter().take(16));
        }
        queue.extend(ifd.value(0x8769));
        if let Some(next) = ifd.next.filter(|n| *n != 0) {
            queue.push(next);
        }
    }
    let jpeg = candidates
        .into_iter()
        .filter_map(|c| jpeg_size(c).map(|(w, h)| (u64::from(w) * u64::from(h), c)))
        .max_by_key(|(area, _)| *area)?
        .1;
    Some(Preview { jpeg, orientation })
}

/// Width and height from the SOF marker of a JPEG that libjpeg-turbo can decode as a picture
/// (baseline, extended or progressive; not the lossless SOF3 that RAW sensor data uses).
pub(crate) fn jpeg_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2;
    while pos + 9 < jpeg.len() {
        if jpeg[pos] != 0xFF {
            return None;
        }
        let marker = jpeg[pos + 1];
        if marker == 0xFF {
            pos += 1;
            continue;
        }
        if (0xD0..=0xD8).contains(&marker) || marker == 0x01 {
            pos += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        match marker {
            0xC0..=0xC2 => {
                let h = u16::from_be_bytes([jpeg[pos + 5], jpeg[pos + 6]]);
                let w = u16::from_be_bytes([jpeg[pos + 7], jpeg[pos + 8]]);
                return (w > 0 && h > 0).then_some((u32::from(w), u32::from(h)));
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDA | 0xD9 => return None,
            _ => {}
        }
        if len < 2 {
            return None;
        }
        pos += 2 + len;
    }
    None
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// A bounds-checked reader of a TIFF structure (classic TIFF, ORF's and RW2's variants).
struct Tiff<'a> {
    data: &'a [u8],
    little_endian: bool,
}

struct Entry {
    tag: u16,
    typ: u16,
    count: u32,
    /// The 4-byte value field as a u32 (an offset when the value does not fit).
    raw_value: u32,
    /// Where the value field sits in the file.
    value_at: usize,
}

struct Ifd {
    entries: Vec<Entry>,
    next: Option<u32>,
}

impl Ifd {
    fn entry(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    /// The first value of a SHORT/LONG/IFD tag.
    fn value(&self, tag: u16) -> Option<u32> {
        let e = self.entry(tag)?;
        match e.typ {
            3 => Some(e.raw_value & 0xFFFF),
            4 | 13 => Some(e.raw_value),
            _ => None,
        }
    }
}

impl<'a> Tiff<'a> {
    fn new(data: &'a [u8]) -> Option<Self> {
        let little_endian = match data.get(0..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let tiff = Self {
            data,
            little_endian,
        };
        // 42 = TIFF, 0x4F52/0x5352 = Olympus ORF ("RO"/"RS"), 0x55 = Panasonic RW2.
        match tiff.u16(2)? {
            42 | 0x4F52 | 0x5352 | 0x55 => Some(tiff),
            _ => None,
        }
    }

    fn u16(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.data.get(at..at + 2)?.try_into().ok()?;
        Some(if self.little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.data.get(at..at + 4)?.try_into().ok()?;
        Some(if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn first_ifd(&self) -> Option<u32> {
        self.u32(4)
    }

    fn slice(&self, start: u32, len: u32) -> Option<&'a [u8]> {
        let start = start as usize;
        self.data.get(start..start.checked_add(len as usize)?)
    }

    fn ifd(&self, offset: u32) -> Option<Ifd> {
        let offset = offset as usize;
        let count = usize::from(self.u16(offset)?);
        // IFDs of real files have tens of entries; 1000 bounds the work on garbage.
        if count == 0 || count > 1000 {
            return None;
        }
        let mut entries = Vec::with_capacity(count);
        for i in 0..count {
            let at = offset + 2 + i * 12;
            entries.push(Entry {
                tag: self.u16(at)?,
                typ: self.u16(at + 2)?,
                count: self.u32(at + 4)?,
                raw_value: self.u32(at + 8)?,
                value_at: at + 8,
            });
        }
        let next = self.u32(offset + 2 + count * 12);
        Some(Ifd { entries, next })
    }

    /// The values of a LONG/IFD array tag (SubIFDs).
    fn offsets(&self, entry: &Entry) -> Vec<u32> {
        if !matches!(entry.typ, 4 | 13) {
            return Vec::new();
        }
        let count = entry.count.min(16) as usize;
        let base = if entry.count <= 1 {
            entry.value_at
        } else {
            entry.raw_value as usize
        };
        (0..count).filter_map(|i| self.u32(base + i * 4)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_has_no_preview() {
        assert!(find_preview(b"II*\0\x08\0\0\0\xFF\xFF").is_none());
        assert!(
            find_preview(b"MM\0*\0\0\0\x08\0\x01\x02\x01\0\x04\0\0\0\x01\xFF\xFF\xFF\xFF")
                .is_none()
        );
        // An IFD pointing at itself.
        assert!(find_preview(b"II*\0\x08\0\0\0\x00\x00\x08\0\0\0").is_none());
        assert!(find_preview(b"FUJIFILMCCD-RAW").is_none());
    }

    #[test]
    fn jpeg_size_reads_sof() {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0, 10, 0, 20, 3];
        j.extend_from_slice(&[0; 12]);
        assert_eq!(jpeg_size(&j), Some((20, 10)));
        j[3] = 0xC3;
        assert_eq!(jpeg_size(&j), None);
    }
}
