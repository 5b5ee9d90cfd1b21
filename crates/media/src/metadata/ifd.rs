//! EXIF: the TIFF IFD structure (IFD0, Exif IFD, GPS IFD) parsed by `kamadak-exif`, turned
//! into [`Tags`] with exiftool's composites (`SubSecDateTimeOriginal`, `GPSDateTime`, signed
//! GPS coordinates) and the maker-note values Immich uses.

use exif::{Context, Field, In, Reader, Tag, Value};

use super::parse::{clean_string, decode_text, dms_to_decimal};
use super::{ImageFormat, Tags, iptc, makernote, xmp};

const TAG_XMP: Tag = Tag(Context::Tiff, 0x02bc);
const TAG_IPTC: Tag = Tag(Context::Tiff, 0x83bb);
const TAG_PHOTOSHOP: Tag = Tag(Context::Tiff, 0x8649);
const TAG_RATING: Tag = Tag(Context::Tiff, 0x4746);
const TAG_TIME_ZONE_OFFSET: u16 = 0x882a;

/// Parses an EXIF (TIFF-structured) block into `tags`. Damage is reported in `warnings`;
/// whatever could be read is kept.
pub(crate) fn read(
    blob: Vec<u8>,
    format: ImageFormat,
    tags: &mut Tags,
    warnings: &mut Vec<String>,
) {
    let blob = match blob.strip_prefix(b"Exif\0\0") {
        Some(rest) => rest.to_vec(),
        None => blob,
    };
    let exif = match Reader::new().continue_on_error(true).read_raw(blob) {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => {
            let (exif, errors) = partial.into_inner();
            for e in errors.iter().take(5) {
                warnings.push(format!("exif: {e}"));
            }
            exif
        }
        Err(e) => {
            warnings.push(format!("exif: {e}"));
            return;
        }
    };
    let field = |tag: Tag| exif.get_field(tag, In::PRIMARY);
    let text = |tag: Tag| field(tag).and_then(|f| string(&f.value));
    let number = |tag: Tag| field(tag).and_then(|f| first_f64(&f.value));

    let mut t = Tags {
        make: text(Tag::Make),
        model: text(Tag::Model),
        lens_model: text(Tag::LensModel),
        orientation: number(Tag::Orientation).and_then(to_u16),
        image_description: field(Tag::ImageDescription).and_then(|f| raw_string(&f.value)),
        exposure_time: number(Tag::ExposureTime),
        f_number: number(Tag::FNumber),
        focal_length: number(Tag::FocalLength),
        iso: number(Tag::PhotographicSensitivity).and_then(to_u32),
        rating: number(TAG_RATING),
        exif_image_width: number(Tag::PixelXDimension).and_then(to_u32),
        exif_image_height: number(Tag::PixelYDimension).and_then(to_u32),
        offset_time: text(Tag::OffsetTime),
        offset_time_original: text(Tag::OffsetTimeOriginal),
        offset_time_digitized: text(Tag::OffsetTimeDigitized),
        time_zone_offset: [Context::Exif, Context::Tiff]
            .into_iter()
            .find_map(|c| number(Tag(c, TAG_TIME_ZONE_OFFSET)))
            .and_then(|h| (h.is_finite() && h.abs() <= 24.0).then_some(h as i32)),
        ..Tags::default()
    };

    let original = text(Tag::DateTimeOriginal);
    let digitized = text(Tag::DateTimeDigitized);
    if let Some(dto) = &original {
        t.sub_sec_date_time_original = sub_sec_composite(
            dto,
            text(Tag::SubSecTimeOriginal).as_deref(),
            t.offset_time_original.as_deref(),
        );
    }
    if let Some(dtd) = &digitized {
        t.sub_sec_create_date = sub_sec_composite(
            dtd,
            text(Tag::SubSecTimeDigitized).as_deref(),
            t.offset_time_digitized.as_deref(),
        );
    }
    t.date_time_original = original;
    t.create_date = digitized;

    let lat = field(Tag::GPSLatitude).and_then(|f| dms(&f.value));
    let lon = field(Tag::GPSLongitude).and_then(|f| dms(&f.value));
    let lat_ref = text(Tag::GPSLatitudeRef);
    let lon_ref = text(Tag::GPSLongitudeRef);
    t.gps_latitude = lat.map(|[d, m, s]| dms_to_decimal(d, m, s, lat_ref.as_deref()));
    t.gps_longitude = lon.map(|[d, m, s]| dms_to_decimal(d, m, s, lon_ref.as_deref()));
    let gps_date = text(Tag::GPSDateStamp).and_then(|d| normalize_date_stamp(&d));
    let gps_time = field(Tag::GPSTimeStamp).and_then(|f| time_stamp(&f.value));
    if let (Some(date), Some(time)) = (gps_date, gps_time) {
        t.gps_date_time = Some(format!("{date} {time}Z"));
    }

    if format == ImageFormat::Tiff {
        t.image_width = number(Tag::ImageWidth).and_then(to_u32);
        t.image_height = number(Tag::ImageLength).and_then(to_u32);
        t.bits_per_sample = number(Tag::BitsPerSample).and_then(to_u32);
    }

    if let Some(Field {
        value: Value::Undefined(bytes, offset),
        ..
    }) = field(Tag::MakerNote)
    {
        let make = t.make.clone();
        makernote::read(
            make.as_deref(),
            bytes,
            *offset as usize,
            exif.buf(),
            exif.little_endian(),
            &mut t,
        );
    }

    // TIFF files carry XMP and IPTC as IFD0 tags.
    let mut embedded = Tags::default();
    if let Some(bytes) = field(TAG_XMP).and_then(|f| bytes(&f.value)) {
        match xmp::parse_packet(bytes) {
            Ok(x) => embedded.overlay(x),
            Err(e) => warnings.push(format!("xmp: {e}")),
        }
    }
    if let Some(bytes) = field(TAG_IPTC).and_then(|f| bytes(&f.value)) {
        embedded.overlay(iptc::read(bytes));
    } else if let Some(bytes) = field(TAG_PHOTOSHOP).and_then(|f| bytes(&f.value))
        && let Some(iim) = iptc::iptc_from_photoshop(bytes)
    {
        embedded.overlay(iptc::read(&iim));
    }
    t.overlay(embedded);
    tags.overlay(t);
}

fn to_u16(v: f64) -> Option<u16> {
    (v.is_finite() && (0.0..=f64::from(u16::MAX)).contains(&v)).then_some(v as u16)
}

fn to_u32(v: f64) -> Option<u32> {
    (v.is_finite() && (0.0..=f64::from(u32::MAX)).contains(&v)).then_some(v as u32)
}

/// The raw bytes of a BYTE/UNDEFINED field (how XMP and IPTC are stored in IFD0).
fn bytes(v: &Value) -> Option<&[u8]> {
    match v {
        Value::Byte(b) | Value::Undefined(b, _) => Some(b),
        Value::Ascii(parts) => parts.first().map(Vec::as_slice),
        _ => None,
    }
}

/// A string field, cut at the first NUL and trimmed.
fn string(v: &Value) -> Option<String> {
    raw_string(v).and_then(|s| clean_string(&s))
}

/// A string field as stored (only cut at the first NUL).
fn raw_string(v: &Value) -> Option<String> {
    let b = match v {
        Value::Ascii(parts) => parts.iter().find(|p| !p.is_empty())?.as_slice(),
        Value::Byte(b) | Value::Undefined(b, _) => b.as_slice(),
        _ => return None,
    };
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    Some(decode_text(&b[..end]))
}

/// The first value of a numeric field.
fn first_f64(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Byte(b) => f64::from(*b.first()?),
        Value::Short(s) => f64::from(*s.first()?),
        Value::Long(l) => f64::from(*l.first()?),
        Value::SByte(b) => f64::from(*b.first()?),
        Value::SShort(s) => f64::from(*s.first()?),
        Value::SLong(l) => f64::from(*l.first()?),
        Value::Rational(r) => {
            let r = r.first()?;
            if r.denom == 0 {
                return None;
            }
            r.to_f64()
        }
        Value::SRational(r) => {
            let r = r.first()?;
            if r.denom == 0 {
                return None;
            }
            r.to_f64()
        }
        Value::Float(f) => f64::from(*f.first()?),
        Value::Double(d) => *d.first()?,
        Value::Ascii(parts) => {
            let s = decode_text(parts.first()?);
            s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .parse()
                .ok()?
        }
        _ => return None,
    };
    x.is_finite().then_some(x)
}

/// Degrees, minutes, seconds from a GPS coordinate (one to three rationals).
fn dms(v: &Value) -> Option<[f64; 3]> {
    let parts: Vec<f64> = match v {
        Value::Rational(r) => r
            .iter()
            .take(3)
            .map(|r| if r.denom == 0 { f64::NAN } else { r.to_f64() })
            .collect(),
        Value::SRational(r) => r
            .iter()
            .take(3)
            .map(|r| if r.denom == 0 { f64::NAN } else { r.to_f64() })
            .collect(),
        Value::Double(d) => d.iter().take(3).copied().collect(),
        Value::Float(f) => f.iter().take(3).map(|&x| f64::from(x)).collect(),
        _ => return None,
    };
    if parts.is_empty() || parts.iter().any(|p| !p.is_finite()) {
        return None;
    }
    Some([
        parts[0],
        parts.get(1).copied().unwrap_or(0.0),
        parts.get(2).copied().unwrap_or(0.0),
    ])
}

/// exiftool's `GPSTimeStamp`: `HH:MM:SS[.fff]` from three rationals.
fn time_stamp(v: &Value) -> Option<String> {
    let [h, m, s] = dms(v)?;
    let total = (h * 60.0 + m) * 60.0 + s;
    if !(0.0..86_400.0 * 2.0).contains(&total) {
        return None;
    }
    let mut hours = (total / 3600.0).floor();
    let mut rest = total - hours * 3600.0;
    let mut minutes = (rest / 60.0).floor();
    rest -= minutes * 60.0;
    let mut secs = format!("{rest:012.9}");
    if rest >= 59.9999999995 {
        secs = "00".into();
        minutes += 1.0;
        if minutes >= 60.0 {
            minutes -= 60.0;
            hours += 1.0;
        }
    } else {
        secs = secs.trim_end_matches('0').trim_end_matches('.').to_owned();
        if secs.len() < 2 {
            secs = format!("{secs:0>2}");
        }
    }
    Some(format!("{hours:02}:{minutes:02}:{secs}"))
}

/// `YYYY:MM:DD` from the forms `GPSDateStamp` is found in.
fn normalize_date_stamp(s: &str) -> Option<String> {
    let digits: Vec<&str> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    match digits.as_slice() {
        [y, m, d, ..] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            Some(format!("{y}:{m:0>2}:{d:0>2}"))
        }
        [ymd] if ymd.len() == 8 => Some(format!("{}:{}:{}", &ymd[..4], &ymd[4..6], &ymd[6..])),
        _ => None,
    }
}

/// exiftool's `SubSecDateTimeOriginal`/`SubSecCreateDate`: the date with its sub-seconds and
/// offset appended; `None` when there is neither.
pub(crate) fn sub_sec_composite(
    date: &str,
    sub_sec: Option<&str>,
    offset: Option<&str>,
) -> Option<String> {
    let mut value: Option<String> = None;
    if let Some(sub) = sub_sec {
        let digits: String = sub.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            value = insert_sub_seconds(date, &digits);
            value.as_ref()?;
        }
    }
    if let Some(offset) = offset
        && !date.contains(['+', '-'])
        && let Some(norm) = normalize_offset(offset)
    {
        value = Some(value.unwrap_or_else(|| date.to_owned()) + &norm);
    }
    value
}

/// Inserts `.digits` after the first ` HH:MM:SS` that has no sub-seconds yet.
fn insert_sub_seconds(date: &str, digits: &str) -> Option<String> {
    let b = date.as_bytes();
    let is_digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (0..b.len()).find_map(|i| {
        let time = b[i] == b' '
            && is_digit(i + 1)
            && is_digit(i + 2)
            && b.get(i + 3) == Some(&b':')
            && is_digit(i + 4)
            && is_digit(i + 5)
            && b.get(i + 6) == Some(&b':')
            && is_digit(i + 7)
            && is_digit(i + 8);
        let has_fraction = b.get(i + 9) == Some(&b'.') && is_digit(i + 10);
        (time && !has_fraction).then(|| format!("{}.{digits}{}", &date[..i + 9], &date[i + 9..]))
    })
}

/// `±H:MM` or `±HH:MM…` to `±HH:MM`, as exiftool's composite formats it.
fn normalize_offset(s: &str) -> Option<String> {
    let s = s.trim();
    let sign = s.chars().next().filter(|c| *c == '+' || *c == '-')?;
    let (h, rest) = s[1..].split_once(':')?;
    let m: String = rest.chars().take(2).collect();
    let valid = (1..=2).contains(&h.len())
        && h.bytes().all(|c| c.is_ascii_digit())
        && m.len() == 2
        && m.bytes().all(|c| c.is_ascii_digit());
    valid.then(|| format!("{sign}{:0>2}:{m}", h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use exif::Rational;

    #[test]
    fn sub_sec_composites_like_exiftool() {
        assert_eq!(
            sub_sec_composite("2021:04:11 15:47:53", Some("054"), Some("-05:00")).as_deref(),
            Some("2021:04:11 15:47:53.054-05:00")
        );
        assert_eq!(
            sub_sec_composite("2019:03:21 11:04:22", Some("348"), None).as_deref(),
            Some("2019:03:21 11:04:22.348")
        );
        assert_eq!(
            sub_sec_composite("2024:01:12 21:38:53", None, Some("-8:00")).as_deref(),
            Some("2024:01:12 21:38:53-08:00")
        );
        assert_eq!(sub_sec_composite("2024:01:12 21:38:53", None, None), None);
        assert_eq!(
            sub_sec_composite("2024:01:12 21:38:53", Some("  "), None),
            None
        );
        assert_eq!(
            sub_sec_composite("    :  :     :  :  ", Some("12"), None),
            None
        );
    }

    #[test]
    fn gps_time_stamps() {
        let v = Value::Rational(vec![
            Rational { num: 14, denom: 1 },
            Rational { num: 27, denom: 1 },
            Rational {
                num: 724,
                denom: 100,
            },
        ]);
        assert_eq!(time_stamp(&v).as_deref(), Some("14:27:07.24"));
        let v = Value::Rational(vec![
            Rational { num: 16, denom: 1 },
            Rational { num: 4, denom: 1 },
            Rational { num: 21, denom: 1 },
        ]);
        assert_eq!(time_stamp(&v).as_deref(), Some("16:04:21"));
        let v = Value::Rational(vec![Rational { num: 1, denom: 0 }]);
        assert_eq!(time_stamp(&v), None);
        assert_eq!(
            normalize_date_stamp("2008:10:23").as_deref(),
            Some("2008:10:23")
        );
        assert_eq!(
            normalize_date_stamp("2008-10-23\0").as_deref(),
            Some("2008:10:23")
        );
        assert_eq!(normalize_date_stamp("garbage"), None);
    }

    #[test]
    fn garbage_exif_is_a_warning() {
        let mut tags = Tags::default();
        let mut warnings = Vec::new();
        read(
            b"not tiff".to_vec(),
            ImageFormat::Jpeg,
            &mut tags,
            &mut warnings,
        );
        assert_eq!(tags, Tags::default());
        assert!(!warnings.is_empty());
        // A header pointing past the end.
        read(
            b"MM\0*\xff\xff\xff\xff".to_vec(),
            ImageFormat::Jpeg,
            &mut tags,
            &mut warnings,
        );
        assert_eq!(tags, Tags::default());
    }
}
