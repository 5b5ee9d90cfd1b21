//! Video metadata from what ffprobe reported ([`VideoInfo`]): the container's dates, place,
//! camera and Apple pairing key are turned into the same raw [`Tags`] a still image yields, so
//! one set of precedence rules (and sidecar overlay) serves both.
//!
//! QuickTime/MP4 `creation_time` is UTC. Like Immich (exiftool-vendored's videos-in-UTC
//! rule), the local time is that instant in the zone at the video's GPS position when there
//! is one; otherwise the UTC wall-clock time stands, without a zone. Apple's
//! `com.apple.quicktime.creationdate` carries its own offset and wins.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta};

use super::resolve;
use super::{ImageFormat, ImageMetadata, ReadOptions, Tags};
use crate::video::VideoInfo;

/// The metadata Immich would store for a video.
pub fn video_metadata(info: &VideoInfo, options: &ReadOptions<'_>) -> ImageMetadata {
    let mut tags = Tags::default();
    if let Some(stream) = info.main_video() {
        tags.image_width = Some(stream.width).filter(|w| *w > 0);
        tags.image_height = Some(stream.height).filter(|h| *h > 0);
        tags.orientation = orientation_from_rotation(stream.rotation);
    }
    let location = info
        .tag("com.apple.quicktime.location.ISO6709")
        .or_else(|| info.tag("location"))
        .and_then(parse_iso6709);
    if let Some((lat, lon)) = location {
        tags.gps_latitude = Some(lat);
        tags.gps_longitude = Some(lon);
    }
    tags.creation_date = info
        .tag("com.apple.quicktime.creationdate")
        .and_then(|d| DateTime::parse_from_str(d, "%Y-%m-%dT%H:%M:%S%z").ok())
        .map(|d| exif_date(d.naive_local(), Some(d.offset().local_minus_utc())));
    tags.create_date = info.tag("creation_time").and_then(parse_utc).map(|utc| {
        let zone = location.and_then(|(lat, lon)| {
            let lookup = options.zone_lookup?;
            // The zone is asked for at a local time; a first guess at UTC is off by at
            // most the offset, so a second asking settles daylight-saving edges.
            let first = lookup.offset_seconds(lat, lon, utc)?;
            let local = utc + TimeDelta::seconds(i64::from(first));
            lookup.offset_seconds(lat, lon, local).or(Some(first))
        });
        match zone {
            Some(offset) => exif_date(utc + TimeDelta::seconds(i64::from(offset)), Some(offset)),
            None => exif_date(utc, None),
        }
    });
    tags.make = info
        .tag("com.apple.quicktime.make")
        .or_else(|| info.tag("com.android.manufacturer"))
        .map(str::to_string);
    tags.model = info
        .tag("com.apple.quicktime.model")
        .or_else(|| info.tag("com.android.model"))
        .map(str::to_string);
    tags.content_identifier = info
        .tag("com.apple.quicktime.content.identifier")
        .map(str::to_string);
    tags.description = info.tag("description").map(str::to_string);
    tags.title = info.tag("title").map(str::to_string);
    tags.file_size = None;
    resolve::resolve(ImageFormat::Video, tags, Vec::new(), options)
}

/// `2021-06-01T12:00:00.000000Z` → UTC wall-clock time. Cameras without a clock write the
/// QuickTime epoch (1904) or the Unix epoch; those are no date at all.
fn parse_utc(value: &str) -> Option<NaiveDateTime> {
    let utc = DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|d| d.naive_utc())
        .or_else(|| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S").ok())?;
    (utc.and_utc().timestamp() > 0).then_some(utc)
}

/// exiftool's date syntax, which the shared precedence rules read.
fn exif_date(local: NaiveDateTime, offset_seconds: Option<i32>) -> String {
    let base = local.format("%Y:%m:%d %H:%M:%S").to_string();
    match offset_seconds.and_then(FixedOffset::east_opt) {
        Some(offset) => format!("{base}{offset}"),
        None => base,
    }
}

/// ISO 6709 as QuickTime writes it: `+48.8584+002.2945/`, with optional altitude.
fn parse_iso6709(value: &str) -> Option<(f64, f64)> {
    let body = value.trim().trim_end_matches('/');
    let mut numbers = Vec::new();
    let mut start = None;
    for (i, c) in body.char_indices() {
        if c == '+' || c == '-' {
            if let Some(s) = start {
                numbers.push(&body[s..i]);
            }
            start = Some(i);
        }
    }
    numbers.push(&body[start?..]);
    let lat: f64 = numbers.first()?.parse().ok()?;
    let lon: f64 = numbers.get(1)?.parse().ok()?;
    (lat.abs() <= 90.0 && lon.abs() <= 180.0).then_some((lat, lon))
}

/// The EXIF orientation Immich derives from a video stream's rotation.
pub fn orientation_from_rotation(rotation: i32) -> Option<u16> {
    match rotation.rem_euclid(360) {
        0 => Some(1),
        90 => Some(8),
        180 => Some(3),
        270 => Some(6),
        _ => None,
    }
}

/// A duration as Immich's API reports it: whole milliseconds.
pub fn duration_millis(seconds: f64) -> Option<i64> {
    (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotations() {
        assert_eq!(orientation_from_rotation(-90), Some(6));
        assert_eq!(orientation_from_rotation(0), Some(1));
        assert_eq!(orientation_from_rotation(90), Some(8));
        assert_eq!(orientation_from_rotation(180), Some(3));
        assert_eq!(orientation_from_rotation(-180), Some(3));
        assert_eq!(orientation_from_rotation(45), None);
    }

    #[test]
    fn iso6709_positions() {
        assert_eq!(parse_iso6709("+48.8584+002.2945/"), Some((48.8584, 2.2945)));
        assert_eq!(
            parse_iso6709("+35.6762+139.6503+040.000/"),
            Some((35.6762, 139.6503))
        );
        assert_eq!(
            parse_iso6709("-33.8688-070.6693/"),
            Some((-33.8688, -70.6693))
        );
        assert_eq!(parse_iso6709("garbage"), None);
        assert_eq!(parse_iso6709("+95.0+010.0/"), None);
    }

    #[test]
    fn epoch_dates_are_no_dates() {
        assert_eq!(parse_utc("1970-01-01T00:00:00.000000Z"), None);
        assert_eq!(parse_utc("1904-01-01T00:00:00.000000Z"), None);
        assert!(parse_utc("2021-06-01T12:00:00.000000Z").is_some());
    }

    #[test]
    fn durations() {
        assert_eq!(duration_millis(0.0), Some(0));
        assert_eq!(duration_millis(3.2), Some(3200));
        assert_eq!(duration_millis(3723.0456), Some(3_723_046));
        assert_eq!(duration_millis(-1.0), None);
        assert_eq!(duration_millis(f64::NAN), None);
    }
}
