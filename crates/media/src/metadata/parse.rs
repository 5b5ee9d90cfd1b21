//! Small parsers shared by the EXIF, XMP and IPTC readers: date/time strings, UTC offsets,
//! GPS coordinates, and the way exiftool prints an exposure time.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A date/time as written in a tag: the wall-clock time and, when the string carries one,
/// its UTC offset in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDateTime {
    pub local: NaiveDateTime,
    pub offset_seconds: Option<i32>,
}

/// Parses the date/time forms found in EXIF, XMP, IPTC composites and exiftool output:
/// `YYYY:MM:DD HH:MM[:SS][.fff][zone]` and ISO 8601 `YYYY-MM-DDTHH:MM[:SS][.fff][zone]`,
/// where zone is `Z`, `±HH:MM`, `±HHMM` or `±HH`, optionally followed by an abbreviation
/// such as `PST` (ignored). Returns `None` for blanks, date-only values and impossible dates
/// such as `0000:00:00 00:00:00`.
pub fn parse_date_time(input: &str) -> Option<ParsedDateTime> {
    let s = input.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let b = s.as_bytes();
    if b.len() < 16 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let sep = b[4];
    if !(sep == b':' || sep == b'-') || b[7] != sep {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !(b[10] == b' ' || b[10] == b'T') {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    if b[13] != b':' {
        return None;
    }
    let minute = digits(b, 14, 2)?;
    let mut i = 16;
    let mut second = 0;
    if b.len() >= 19 && b[16] == b':' {
        second = digits(b, 17, 2)?;
        i = 19;
    }
    let mut nanos = 0u32;
    if i < b.len() && b[i] == b'.' {
        let start = i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            return None;
        }
        // Keep nanosecond precision at most.
        let frac = &s[start..end.min(start + 9)];
        let scale = 10u32.pow(9 - frac.len() as u32);
        nanos = frac.parse::<u32>().ok()? * scale;
        i = end;
    }
    let rest = s[i..].trim();
    let offset_seconds = if rest.is_empty() {
        None
    } else {
        Some(parse_offset(strip_zone_abbreviation(rest))?)
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    if year == 0 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(ParsedDateTime {
        local: NaiveDateTime::new(date, time),
        offset_seconds,
    })
}

fn strip_zone_abbreviation(s: &str) -> &str {
    // "-08:00 PST": drop a trailing 2–5 letter abbreviation, but keep a bare "Z" or "UTC".
    if let Some((head, tail)) = s.rsplit_once(' ')
        && (2..=5).contains(&tail.len())
        && tail.bytes().all(|c| c.is_ascii_alphabetic())
        && !head.trim().is_empty()
    {
        return head.trim();
    }
    s
}

fn digits(b: &[u8], start: usize, len: usize) -> Option<u32> {
    let slice = b.get(start..start + len)?;
    let mut v = 0u32;
    for &c in slice {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Parses a UTC offset: `+02:00`, `-0530`, `+2`, `Z`, `UTC`, `UTC+1`, `GMT-03:00`.
/// Returns the offset in seconds east of UTC, or `None` when the value is not an offset or lies
/// outside ±14 hours.
pub fn parse_offset(input: &str) -> Option<i32> {
    let mut s = input.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("gmt")
    {
        return Some(0);
    }
    for prefix in ["UTC", "GMT", "utc", "gmt"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start();
        }
    }
    // The Unicode minus sign and the plus-minus sign appear in the wild.
    let (sign, rest) = if let Some(r) = s.strip_prefix('+') {
        (1, r)
    } else if let Some(r) = s.strip_prefix('-') {
        (-1, r)
    } else if let Some(r) = s.strip_prefix('\u{2212}') {
        (-1, r)
    } else if let Some(r) = s.strip_prefix('\u{b1}') {
        (1, r)
    } else {
        return None;
    };
    let (hours, minutes) = if let Some((h, m)) = rest.split_once(':') {
        (h, m)
    } else if rest.len() == 4 {
        rest.split_at(2)
    } else {
        (rest, "0")
    };
    if hours.is_empty() || hours.len() > 2 || minutes.is_empty() || minutes.len() > 2 {
        return None;
    }
    if !hours.bytes().all(|c| c.is_ascii_digit()) || !minutes.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i32 = hours.parse().ok()?;
    let m: i32 = minutes.parse().ok()?;
    if m >= 60 {
        return None;
    }
    let total = sign * (h * 3600 + m * 60);
    (total.abs() <= 14 * 3600).then_some(total)
}

/// UTC offsets (in minutes) that some place on earth uses or used recently.
const VALID_OFFSET_MINUTES: &[i32] = &[
    -720, -660, -600, -570, -540, -480, -420, -360, -300, -240, -210, -180, -150, -120, -60, 0, 60,
    120, 180, 210, 240, 270, 300, 330, 345, 360, 390, 420, 480, 525, 540, 570, 600, 630, 660, 720,
    765, 780, 840,
];

/// Whether an offset (seconds) is one that a real time zone uses.
pub fn is_valid_offset(offset_seconds: i32) -> bool {
    offset_seconds % 60 == 0 && VALID_OFFSET_MINUTES.contains(&(offset_seconds / 60))
}

/// Rounds the difference between a local clock and UTC (minutes) to the nearest real offset,
/// allowing for up to 30 minutes of clock drift or GPS lag. `None` when no offset is that close.
pub fn likely_offset_minutes(delta_minutes: f64) -> Option<i32> {
    VALID_OFFSET_MINUTES
        .iter()
        .map(|&m| (m, (f64::from(m) - delta_minutes).abs()))
        .filter(|&(_, diff)| diff <= 30.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(m, _)| m)
}

/// Formats an exposure time in seconds the way exiftool prints it (and Immich shows it):
/// `1/250` below a quarter second, otherwise one decimal without a trailing `.0` (`0.5`, `2`).
pub fn format_exposure_time(seconds: f64) -> Option<String> {
    if !seconds.is_finite() {
        return None;
    }
    if seconds > 0.0 && seconds < 0.25001 {
        let denominator = (0.5 + 1.0 / seconds).floor();
        return Some(format!("1/{denominator:.0}"));
    }
    let s = format!("{seconds:.1}");
    Some(s.strip_suffix(".0").map(str::to_owned).unwrap_or(s))
}

/// Turns degrees/minutes/seconds and a hemisphere reference (`N`, `S`, `E`, `W`) into signed
/// decimal degrees. A missing reference leaves the value positive, as exiftool does.
pub fn dms_to_decimal(degrees: f64, minutes: f64, seconds: f64, reference: Option<&str>) -> f64 {
    let value = degrees + minutes / 60.0 + seconds / 3600.0;
    match reference.map(|r| r.trim().to_ascii_uppercase()) {
        Some(r) if r.starts_with('S') || r.starts_with('W') => -value,
        _ => value,
    }
}

/// Parses an XMP GPS coordinate: `DDD,MM.mmmk` or `DDD,MM,SSk` with `k` one of N/S/E/W, or a
/// plain decimal number.
pub fn parse_xmp_coordinate(input: &str) -> Option<f64> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(v) = s.parse::<f64>() {
        return v.is_finite().then_some(v);
    }
    let last = s.chars().last()?;
    let (body, reference) = if last.is_ascii_alphabetic() {
        (&s[..s.len() - 1], Some(last.to_string()))
    } else {
        (s, None)
    };
    let mut parts = body.split(',').map(|p| p.trim().parse::<f64>());
    let degrees = parts.next()?.ok()?;
    let minutes = parts.next().transpose().ok()?.unwrap_or(0.0);
    let seconds = parts.next().transpose().ok()?.unwrap_or(0.0);
    if parts.next().is_some() {
        return None;
    }
    let v = dms_to_decimal(degrees, minutes, seconds, reference.as_deref());
    v.is_finite().then_some(v)
}

/// Trims an EXIF/IPTC/XMP string as exiftool presents it: cut at the first NUL, trim
/// surrounding whitespace. Returns `None` when nothing is left.
pub fn clean_string(raw: &str) -> Option<String> {
    let cut = raw.split('\0').next().unwrap_or_default();
    let t = cut.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Decodes bytes as UTF-8, falling back to Latin-1 (what old cameras and IPTC records use).
pub fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+02:00"), Some(7200));
        assert_eq!(parse_offset("-05:00"), Some(-18000));
        assert_eq!(parse_offset("+05:30"), Some(19800));
        assert_eq!(parse_offset("-0330"), Some(-12600));
        assert_eq!(parse_offset("+2"), Some(7200));
        assert_eq!(parse_offset("Z"), Some(0));
        assert_eq!(parse_offset("UTC"), Some(0));
        assert_eq!(parse_offset("UTC+1"), Some(3600));
        assert_eq!(parse_offset("\u{2212}08:00"), Some(-28800));
        assert_eq!(parse_offset("+00:00\0"), Some(0));
        assert_eq!(parse_offset("+15:00"), None);
        assert_eq!(parse_offset("02:00"), None);
        assert_eq!(parse_offset("+02:75"), None);
        assert_eq!(parse_offset(""), None);
        assert_eq!(parse_offset("   :  "), None);
    }

    #[test]
    fn date_times() {
        let p = parse_date_time("2021:04:11 15:47:53").unwrap();
        assert_eq!(p.local, dt("2021-04-11 15:47:53"));
        assert_eq!(p.offset_seconds, None);

        let p = parse_date_time("2021:04:11 15:47:53.054-05:00").unwrap();
        assert_eq!(p.local, dt("2021-04-11 15:47:53.054"));
        assert_eq!(p.offset_seconds, Some(-18000));

        let p = parse_date_time("2013-09-23T10:09:46+02:00").unwrap();
        assert_eq!(p.local, dt("2013-09-23 10:09:46"));
        assert_eq!(p.offset_seconds, Some(7200));

        let p = parse_date_time("2008:10:23 14:27:07.24Z").unwrap();
        assert_eq!(p.local, dt("2008-10-23 14:27:07.24"));
        assert_eq!(p.offset_seconds, Some(0));

        let p = parse_date_time("2020-01-02T03:04").unwrap();
        assert_eq!(p.local, dt("2020-01-02 03:04:00"));

        let p = parse_date_time("2023:01:15 10:30:00-08:00 PST").unwrap();
        assert_eq!(p.offset_seconds, Some(-28800));

        let p = parse_date_time("2005:08:13 09:47:23\0").unwrap();
        assert_eq!(p.local, dt("2005-08-13 09:47:23"));

        assert!(parse_date_time("0000:00:00 00:00:00").is_none());
        assert!(parse_date_time("    :  :     :  :  ").is_none());
        assert!(parse_date_time("2003:08:31").is_none());
        assert!(parse_date_time("2003:13:31 00:00:00").is_none());
        assert!(parse_date_time("2003:02:30 00:00:00").is_none());
        assert!(parse_date_time("2003:01:01 25:00:00").is_none());
        assert!(parse_date_time("2003:01:01 12:00:00 garbage!").is_none());
        assert!(parse_date_time("").is_none());
    }

    #[test]
    fn exposure_like_exiftool() {
        assert_eq!(format_exposure_time(0.004).as_deref(), Some("1/250"));
        assert_eq!(format_exposure_time(1.0 / 60.0).as_deref(), Some("1/60"));
        assert_eq!(format_exposure_time(0.01666666667).as_deref(), Some("1/60"));
        assert_eq!(
            format_exposure_time(0.001127395716).as_deref(),
            Some("1/887")
        );
        assert_eq!(format_exposure_time(0.25).as_deref(), Some("1/4"));
        assert_eq!(format_exposure_time(0.3).as_deref(), Some("0.3"));
        assert_eq!(format_exposure_time(0.5).as_deref(), Some("0.5"));
        assert_eq!(format_exposure_time(1.0).as_deref(), Some("1"));
        assert_eq!(format_exposure_time(2.5).as_deref(), Some("2.5"));
        assert_eq!(format_exposure_time(30.0).as_deref(), Some("30"));
        assert_eq!(format_exposure_time(0.0).as_deref(), Some("0"));
        assert_eq!(format_exposure_time(f64::NAN), None);
    }

    #[test]
    fn gps_refs() {
        assert!((dms_to_decimal(43.0, 28.0, 2.81, Some("N")) - 43.467447).abs() < 1e-5);
        assert!((dms_to_decimal(0.0, 22.278, 0.0, Some("S")) + 0.3713).abs() < 1e-6);
        assert!((dms_to_decimal(94.0, 17.0, 19.58, Some("W")) + 94.288772).abs() < 1e-5);
        assert!(dms_to_decimal(11.0, 53.0, 6.0, Some("E")) > 0.0);
        assert!(dms_to_decimal(11.0, 53.0, 6.0, None) > 0.0);
        assert!((parse_xmp_coordinate("43,28.0469N").unwrap() - 43.467448).abs() < 1e-5);
        assert!((parse_xmp_coordinate("3,43.4851W").unwrap() + 3.724752).abs() < 1e-5);
        assert!((parse_xmp_coordinate("40,26,49.1N").unwrap() - 40.446972).abs() < 1e-5);
        assert_eq!(parse_xmp_coordinate("-12.5"), Some(-12.5));
        assert_eq!(parse_xmp_coordinate("abc"), None);
        assert_eq!(parse_xmp_coordinate(""), None);
    }

    #[test]
    fn likely_offsets() {
        assert_eq!(likely_offset_minutes(480.0), Some(480));
        assert_eq!(likely_offset_minutes(481.5), Some(480));
        assert_eq!(likely_offset_minutes(-295.0), Some(-300));
        assert_eq!(likely_offset_minutes(330.5), Some(330));
        assert_eq!(likely_offset_minutes(100.0), Some(120));
        assert_eq!(likely_offset_minutes(1000.0), None);
        assert!(is_valid_offset(19800));
        assert!(!is_valid_offset(19801));
    }

    #[test]
    fn strings() {
        assert_eq!(clean_string("Canon\0\0junk").as_deref(), Some("Canon"));
        assert_eq!(clean_string("  NIKON  ").as_deref(), Some("NIKON"));
        assert_eq!(clean_string("   "), None);
        assert_eq!(decode_text(b"caf\xe9"), "café");
        assert_eq!(decode_text("café".as_bytes()), "café");
    }
}
