//! The few maker-note values Immich uses: Apple's live-photo content identifier and burst
//! id, and the camera time zone of Canon and Nikon bodies. Everything else in maker notes is
//! left alone.

use super::Tags;
use super::parse::clean_string;

/// One IFD entry: tag, type, count and its value bytes.
struct Entry<'a> {
    tag: u16,
    kind: u16,
    count: u32,
    value: &'a [u8],
}

/// A bounds-checked view of an IFD whose offsets are relative to `data`.
struct Ifd<'a> {
    data: &'a [u8],
    le: bool,
    /// Added to out-of-line value offsets (maker notes moved by an editor).
    shift: i64,
}

impl<'a> Ifd<'a> {
    fn u16_at(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.data.get(at..at + 2)?.try_into().ok()?;
        Some(if self.le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.data.get(at..at + 4)?.try_into().ok()?;
        Some(if self.le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn entries(&self, ifd_offset: usize) -> Vec<Entry<'a>> {
        let Some(count) = self.u16_at(ifd_offset) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for i in 0..usize::from(count.min(1000)) {
            let at = ifd_offset + 2 + i * 12;
            let (Some(tag), Some(kind), Some(n)) =
                (self.u16_at(at), self.u16_at(at + 2), self.u32_at(at + 4))
            else {
                break;
            };
            let unit = match kind {
                1 | 2 | 6 | 7 => 1,
                3 | 8 => 2,
                4 | 9 | 11 | 13 => 4,
                5 | 10 | 12 => 8,
                _ => continue,
            };
            let Some(len) = (n as usize).checked_mul(unit) else {
                continue;
            };
            let start = if len <= 4 {
                at + 8
            } else {
                match self
                    .u32_at(at + 8)
                    .and_then(|o| usize::try_from(i64::from(o) + self.shift).ok())
                {
                    Some(o) => o,
                    None => continue,
                }
            };
            if let Some(value) = start
                .checked_add(len)
                .and_then(|end| self.data.get(start..end))
            {
                out.push(Entry {
                    tag,
                    kind,
                    count: n,
                    value,
                });
            }
        }
        out
    }

    fn string(&self, e: &Entry<'_>) -> Option<String> {
        if e.kind != 2 && e.kind != 7 && e.kind != 1 {
            return None;
        }
        clean_string(&String::from_utf8_lossy(e.value))
    }

    fn i16s(&self, e: &Entry<'_>) -> Vec<i16> {
        if e.kind != 3 && e.kind != 8 {
            return Vec::new();
        }
        (0..e.count as usize)
            .filter_map(|i| {
                let b: [u8; 2] = e.value.get(i * 2..i * 2 + 2)?.try_into().ok()?;
                Some(if self.le {
                    i16::from_le_bytes(b)
                } else {
                    i16::from_be_bytes(b)
                })
            })
            .collect()
    }

    fn i32s(&self, e: &Entry<'_>) -> Vec<i32> {
        if e.kind != 9 && e.kind != 4 {
            return Vec::new();
        }
        (0..e.count as usize)
            .filter_map(|i| {
                let b: [u8; 4] = e.value.get(i * 4..i * 4 + 4)?.try_into().ok()?;
                Some(if self.le {
                    i32::from_le_bytes(b)
                } else {
                    i32::from_be_bytes(b)
                })
            })
            .collect()
    }
}

/// Reads what we need from a maker note. `note` is its bytes, `offset` where it starts in
/// `tiff` (the whole EXIF block, whose byte order is `le`).
pub(crate) fn read(
    make: Option<&str>,
    note: &[u8],
    offset: usize,
    tiff: &[u8],
    le: bool,
    tags: &mut Tags,
) {
    let make = make.unwrap_or_default().to_ascii_lowercase();
    if note.starts_with(b"Apple iOS\0") {
        apple(note, tags);
    } else if make.starts_with("canon") {
        canon(note, tiff, offset, le, tags);
    } else if note.starts_with(b"Nikon\0") {
        nikon(note, tags);
    }
}

/// "Apple iOS\0", version, "MM", then an IFD at 14 with offsets from the note's start.
fn apple(note: &[u8], tags: &mut Tags) {
    let le = note.get(12..14) == Some(b"II");
    let ifd = Ifd {
        data: note,
        le,
        shift: 0,
    };
    for e in ifd.entries(14) {
        match e.tag {
            0x000b => tags.burst_uuid = ifd.string(&e),
            0x0011 => tags.content_identifier = ifd.string(&e),
            _ => {}
        }
    }
}

/// Canon notes are a plain IFD with offsets from the TIFF header. When an editor has moved
/// the note, its footer (`II*\0` + original offset) tells by how much. `TimeInfo` (0x0035)
/// holds the time zone in minutes; `CameraSettings` (0x0001) and `ShotInfo` (0x0004) give
/// the ISO that exiftool's composite `ISO` reports for bodies without an EXIF ISO.
fn canon(note: &[u8], tiff: &[u8], offset: usize, le: bool, tags: &mut Tags) {
    let shift = canon_footer(note).map_or(0, |original| offset as i64 - i64::from(original));
    // An editor may have rewritten the EXIF in the other byte order, leaving the note as is.
    let le = if plausible_ifd(note, le) { le } else { !le };
    let ifd = Ifd {
        data: tiff,
        le,
        shift,
    };
    let mut camera_iso = None;
    let mut auto_iso = None;
    let mut base_iso = None;
    for e in ifd.entries(offset) {
        match e.tag {
            0x0035 => {
                let v = ifd.i32s(&e);
                if let Some(&tz) = v.get(1)
                    && tz.unsigned_abs() <= 14 * 60
                {
                    tags.time_zone_minutes = Some(tz);
                }
            }
            0x0001 => camera_iso = ifd.i16s(&e).get(16).copied(),
            0x0004 => {
                let v = ifd.i16s(&e);
                auto_iso = v
                    .get(1)
                    .map(|&a| (f64::from(a) / 32.0 * 2f64.ln()).exp() * 100.0);
                base_iso = v
                    .get(2)
                    .map(|&b| (f64::from(b) / 32.0 * 2f64.ln()).exp() * 100.0 / 32.0);
            }
            _ => {}
        }
    }
    if tags.iso.is_none() {
        tags.iso = canon_iso(camera_iso, base_iso, auto_iso);
    }
}

/// exiftool's composite `ISO` for Canon: `CameraISO` when it is a number, else
/// `BaseISO × AutoISO / 100`.
fn canon_iso(camera: Option<i16>, base: Option<f64>, auto: Option<f64>) -> Option<u32> {
    let camera = camera.map(|c| c as u16).and_then(|c| {
        if c & 0x4000 != 0 {
            Some(u32::from(c & 0x3fff))
        } else {
            match c {
                16 => Some(50),
                17 => Some(100),
                18 => Some(200),
                19 => Some(400),
                20 => Some(800),
                _ => None,
            }
        }
    });
    if let Some(iso) = camera.filter(|&i| i > 0) {
        return Some(iso);
    }
    let iso = base? * auto? / 100.0;
    (iso.is_finite() && (1.0..1e7).contains(&iso)).then(|| iso.round() as u32)
}

/// Whether `data` starts with an IFD in this byte order: a sane entry count and known types.
fn plausible_ifd(data: &[u8], le: bool) -> bool {
    let ifd = Ifd { data, le, shift: 0 };
    let Some(count) = ifd.u16_at(0) else {
        return false;
    };
    (1..=512).contains(&count)
        && (0..usize::from(count.min(4))).all(|i| {
            ifd.u16_at(2 + i * 12 + 2)
                .is_some_and(|t| (1..=13).contains(&t))
        })
}

/// The original offset of a Canon maker note, from its 8-byte footer.
fn canon_footer(note: &[u8]) -> Option<u32> {
    let footer = note.get(note.len().checked_sub(8)?..)?;
    let footer_le = match &footer[..4] {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let b: [u8; 4] = footer[4..8].try_into().ok()?;
    Some(if footer_le {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    })
}

/// "Nikon\0", version, then a TIFF header at 10 that offsets are relative to. `WorldTime`
/// (0x0024) holds the time zone (int16s minutes) and a daylight-saving flag.
fn nikon(note: &[u8], tags: &mut Tags) {
    let Some(tiff) = note.get(10..) else { return };
    let le = tiff.starts_with(b"II");
    let ifd = Ifd {
        data: tiff,
        le,
        shift: 0,
    };
    let Some(first) = ifd.u32_at(4) else { return };
    for e in ifd.entries(first as usize) {
        if e.tag == 0x0024 && e.value.len() >= 3 {
            let tz = if le {
                i16::from_le_bytes([e.value[0], e.value[1]])
            } else {
                i16::from_be_bytes([e.value[0], e.value[1]])
            };
            if i32::from(tz).abs() <= 14 * 60 {
                tags.time_zone_minutes = Some(i32::from(tz));
                tags.daylight_savings = Some(e.value[2] == 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `fuzz/fuzz_targets/maker_note.rs`: a Canon time zone of `i32::MIN` minutes
    /// overflowed `abs()` (a panic in debug builds, a bogus zone in release builds).
    #[test]
    fn a_canon_time_zone_out_of_range_is_ignored() {
        let input = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/fuzz/maker-note-canon-timezone-minimum"
        ))
        .unwrap();
        // The fuzz target's layout: make, byte order, offset, then the EXIF block.
        let offset = usize::from(u16::from_be_bytes([input[2], input[3]]));
        let tiff = &input[4..];
        let mut tags = Tags::default();
        read(
            Some("Canon"),
            &tiff[offset..],
            offset,
            tiff,
            input[1] & 1 == 1,
            &mut tags,
        );
        assert_eq!(tags.time_zone_minutes, None);
    }

    #[test]
    fn apple_content_identifier() {
        let mut note = b"Apple iOS\0\0\x01MM".to_vec();
        note.extend_from_slice(&[0, 1]); // one entry
        let value_offset = (14 + 2 + 12 + 4) as u32;
        note.extend_from_slice(&[0x00, 0x11, 0, 2]);
        note.extend_from_slice(&5u32.to_be_bytes());
        note.extend_from_slice(&value_offset.to_be_bytes());
        note.extend_from_slice(&[0, 0, 0, 0]);
        note.extend_from_slice(b"ABCD\0");
        let mut tags = Tags::default();
        read(Some("Apple"), &note, 0, &[], false, &mut tags);
        assert_eq!(tags.content_identifier.as_deref(), Some("ABCD"));
    }

    #[test]
    fn truncated_notes_are_ignored() {
        let mut tags = Tags::default();
        read(
            Some("Apple"),
            b"Apple iOS\0\0\x01MM\xff\xff",
            0,
            &[],
            false,
            &mut tags,
        );
        read(Some("Canon"), &[], 1 << 30, &[0; 4], true, &mut tags);
        read(
            Some("NIKON"),
            b"Nikon\0\x02\x10\0\0MM\0*\xff\xff\xff\xff",
            0,
            &[],
            false,
            &mut tags,
        );
        assert_eq!(tags, Tags::default());
    }
}
