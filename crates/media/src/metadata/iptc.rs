//! IPTC-IIM records (inside Photoshop image resources in JPEG APP13, or TIFF IFD0): caption,
//! object name, keywords and the date/time created.

use super::Tags;
use super::parse::{clean_string, decode_text};

/// The IPTC block (resource 0x0404) among Photoshop image resources (`8BIM` records).
pub(crate) fn iptc_from_photoshop(irb: &[u8]) -> Option<Vec<u8>> {
    let mut pos = 0usize;
    while pos + 12 <= irb.len() {
        if &irb[pos..pos + 4] != b"8BIM" {
            return None;
        }
        let id = u16::from_be_bytes([irb[pos + 4], irb[pos + 5]]);
        let name_len = usize::from(irb[pos + 6]);
        // The Pascal name, length byte included, is padded to an even size.
        let name_total = (1 + name_len).next_multiple_of(2);
        let size_at = pos + 6 + name_total;
        let size = u32::from_be_bytes(irb.get(size_at..size_at + 4)?.try_into().ok()?) as usize;
        let data_at = size_at + 4;
        let data = irb.get(data_at..data_at.checked_add(size)?)?;
        if id == 0x0404 {
            return Some(data.to_vec());
        }
        pos = data_at + size.next_multiple_of(2);
    }
    None
}

/// Parses IPTC-IIM datasets into tags.
pub(crate) fn read(iim: &[u8]) -> Tags {
    let mut tags = Tags::default();
    let mut keywords = Vec::new();
    let mut date = None;
    let mut time = None;
    let mut pos = 0usize;
    while pos + 5 <= iim.len() {
        if iim[pos] != 0x1C {
            break;
        }
        let record = iim[pos + 1];
        let dataset = iim[pos + 2];
        let len = usize::from(u16::from_be_bytes([iim[pos + 3], iim[pos + 4]]));
        if len & 0x8000 != 0 {
            // Extended lengths are only used for huge binary datasets; nothing we need.
            break;
        }
        let Some(value) = iim.get(pos + 5..pos + 5 + len) else {
            break;
        };
        pos += 5 + len;
        if record != 2 {
            continue;
        }
        let text = || clean_string(&decode_text(value));
        match dataset {
            5 => tags.object_name = text(),
            25 => keywords.extend(text()),
            55 => date = text(),
            60 => time = text(),
            120 => tags.caption_abstract = text(),
            _ => {}
        }
    }
    if !keywords.is_empty() {
        tags.keywords = Some(keywords);
    }
    let time = time.as_deref().and_then(iptc_time);
    if let (Some(d), Some(t)) = (date.as_deref().and_then(iptc_date), &time) {
        tags.date_time_created = Some(format!("{d} {t}"));
    }
    tags.time_created = time;
    tags
}

/// `YYYYMMDD` to `YYYY:MM:DD`.
fn iptc_date(s: &str) -> Option<String> {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    (d.len() == 8).then(|| format!("{}:{}:{}", &d[..4], &d[4..6], &d[6..]))
}

/// `HHMMSS±HHMM` to `HH:MM:SS±HH:MM`.
fn iptc_time(s: &str) -> Option<String> {
    let s = s.trim();
    let (clock, zone) = match s.find(['+', '-']) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let c: String = clock.chars().filter(char::is_ascii_digit).collect();
    if c.len() != 6 {
        return None;
    }
    let mut out = format!("{}:{}:{}", &c[..2], &c[2..4], &c[4..]);
    if !zone.is_empty() {
        let z: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
        if z.len() == 4 {
            out += &format!("{}{}:{}", &zone[..1], &z[..2], &z[2..]);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(record: u8, set: u8, value: &[u8]) -> Vec<u8> {
        let mut v = vec![0x1C, record, set];
        v.extend_from_slice(&(value.len() as u16).to_be_bytes());
        v.extend_from_slice(value);
        v
    }

    #[test]
    fn reads_records() {
        let mut iim = dataset(1, 90, b"\x1b%G");
        iim.extend(dataset(2, 25, b"tag one"));
        iim.extend(dataset(2, 25, b"tag two"));
        iim.extend(dataset(2, 120, b"A caption"));
        iim.extend(dataset(2, 55, b"20120805"));
        iim.extend(dataset(2, 60, b"113959+0200"));
        let mut irb = b"8BIM\x04\x04\0\0".to_vec();
        irb.extend_from_slice(&(iim.len() as u32).to_be_bytes());
        irb.extend_from_slice(&iim);
        let tags = read(&iptc_from_photoshop(&irb).unwrap());
        assert_eq!(
            tags.keywords,
            Some(vec!["tag one".to_string(), "tag two".to_string()])
        );
        assert_eq!(tags.caption_abstract.as_deref(), Some("A caption"));
        assert_eq!(
            tags.date_time_created.as_deref(),
            Some("2012:08:05 11:39:59+02:00")
        );
    }

    #[test]
    fn truncated_records() {
        assert_eq!(read(&[0x1C, 2, 25, 0xff, 0xff, b'a']), Tags::default());
        assert_eq!(read(&[0x1C, 2]), Tags::default());
        assert_eq!(iptc_from_photoshop(b"8BIM\x04\x04\x05ab"), None);
        assert_eq!(iptc_from_photoshop(b"xxxx"), None);
    }
}
