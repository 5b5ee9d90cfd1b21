//! From raw [`Tags`] to [`ImageMetadata`]: Immich's precedence lists and validation, and the
//! time-zone inference exiftool-vendored performs for Immich.

use super::parse::{ParsedDateTime, format_exposure_time, likely_offset_minutes, parse_date_time};
use super::parse::{is_valid_offset, parse_offset};
use super::{
    DateSource, DateTaken, ImageFormat, ImageMetadata, MotionPhoto, ReadOptions, Tags,
    TimeZoneInfo, ZoneSource,
};

/// The first date in Immich's precedence that parses as a full date and time.
pub(crate) fn first_date(tags: &Tags) -> Option<(DateSource, ParsedDateTime, &str)> {
    tags.date_candidates()
        .into_iter()
        .find_map(|(source, raw)| Some((source, parse_date_time(raw?)?, raw?)))
}

fn zone(offset_seconds: i32, source: ZoneSource) -> Option<TimeZoneInfo> {
    Some(TimeZoneInfo {
        offset_seconds,
        source,
    })
}

/// The file's time zone, tried in exiftool-vendored's order: explicit zone tags, the GPS
/// position, offsets written in creation dates, then the gap between local and GPS time.
pub(crate) fn infer_zone(tags: &Tags, options: &ReadOptions<'_>) -> Option<TimeZoneInfo> {
    if let Some(minutes) = tags.time_zone_minutes {
        let nikon_dst = tags.daylight_savings == Some(true)
            && tags
                .make
                .as_deref()
                .is_some_and(|m| m.to_ascii_lowercase().contains("nikon"));
        let seconds = (minutes + if nikon_dst { 60 } else { 0 }) * 60;
        if seconds.abs() <= 14 * 3600 {
            return zone(seconds, ZoneSource::TimeZone);
        }
    }
    if let Some(o) = tags.offset_time_original.as_deref().and_then(parse_offset) {
        return zone(o, ZoneSource::OffsetTimeOriginal);
    }
    if let Some(o) = tags.offset_time_digitized.as_deref().and_then(parse_offset) {
        return zone(o, ZoneSource::OffsetTimeDigitized);
    }
    if let Some(hours) = tags.time_zone_offset
        && hours.abs() <= 14
    {
        return zone(hours * 3600, ZoneSource::TimeZoneOffset);
    }
    if let (Some(lookup), Some((lat, lon))) = (options.zone_lookup, gps(tags))
        && let Some((_, date, _)) = first_date(tags)
        && let Some(o) = lookup.offset_seconds(lat, lon, date.local)
    {
        return zone(o, ZoneSource::Location);
    }
    // Offsets written into creation dates; UTC ones are too often spurious to trust.
    let datestamps = [
        tags.sub_sec_create_date.as_deref(),
        tags.create_date.as_deref(),
        tags.sub_sec_date_time_original.as_deref(),
        tags.date_time_original.as_deref(),
        tags.date_created.as_deref(),
        tags.creation_date.as_deref(),
        tags.date_time_created.as_deref(),
    ];
    for raw in datestamps.into_iter().flatten() {
        if let Some(o) = parse_date_time(raw).and_then(|d| d.offset_seconds)
            && o != 0
        {
            return zone(o, ZoneSource::Datestamp);
        }
    }
    if let Some(o) = tags
        .time_created
        .as_deref()
        .and_then(|t| t.get(8..))
        .and_then(parse_offset)
        && o != 0
    {
        return zone(o, ZoneSource::Datestamp);
    }
    gps_time_difference(tags).and_then(|o| zone(o, ZoneSource::GpsTimeDifference))
}

/// The offset between a zoneless capture time and the GPS (UTC) time, rounded to a real zone.
fn gps_time_difference(tags: &Tags) -> Option<i32> {
    let utc = [tags.gps_date_time.as_deref(), tags.date_time_utc.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(parse_date_time)
        .find(|d| d.offset_seconds.is_none_or(|o| o == 0))?;
    let captured = [
        tags.sub_sec_date_time_original.as_deref(),
        tags.sub_sec_create_date.as_deref(),
        tags.date_time_original.as_deref(),
        tags.date_created.as_deref(),
        tags.create_date.as_deref(),
        tags.creation_date.as_deref(),
        tags.date_time_created.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter_map(parse_date_time)
    .find(|d| d.offset_seconds.is_none())?;
    let diff = captured.local.and_utc().timestamp() - utc.local.and_utc().timestamp();
    let minutes = likely_offset_minutes(diff as f64 / 60.0)?;
    let seconds = minutes * 60;
    is_valid_offset(seconds).then_some(seconds)
}

fn gps(tags: &Tags) -> Option<(f64, f64)> {
    let (lat, lon) = (tags.gps_latitude?, tags.gps_longitude?);
    let valid = lat.is_finite()
        && lon.is_finite()
        && lat.abs() <= 90.0
        && lon.abs() <= 180.0
        && !(lat == 0.0 && lon == 0.0);
    valid.then_some((lat, lon))
}

fn non_blank(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

/// Immich's tag list: digiKam `TagsList`, else hierarchical subjects (`a|b` becomes `a/b`, a
/// `/` inside a level becomes `|`), else keywords.
fn tag_list(tags: &Tags, keywords: &[String]) -> Vec<String> {
    if let Some(list) = &tags.tags_list {
        return list.clone();
    }
    if let Some(list) = &tags.hierarchical_subject {
        return list
            .iter()
            .map(|t| {
                t.split('|')
                    .map(|level| level.replace('/', "|"))
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
    }
    keywords.to_vec()
}

fn date_taken(tags: &Tags, zone: Option<TimeZoneInfo>) -> Option<DateTaken> {
    let (source, parsed, _) = first_date(tags)?;
    Some(DateTaken {
        local: parsed.local,
        offset_seconds: parsed.offset_seconds.or(zone.map(|z| z.offset_seconds)),
        source,
    })
}

/// Immich records `UTC+0` when no zone was found but the chosen date says `+00:00`.
fn zone_or_explicit_utc(tags: &Tags, zone: Option<TimeZoneInfo>) -> Option<TimeZoneInfo> {
    zone.or_else(|| {
        let (_, _, raw) = first_date(tags)?;
        raw.trim_end_matches(['\0', ' '])
            .ends_with("+00:00")
            .then_some(TimeZoneInfo {
                offset_seconds: 0,
                source: ZoneSource::ExplicitUtc,
            })
    })
}

fn motion_photo(tags: &Tags) -> Option<MotionPhoto> {
    if let Some((offset, length)) = tags.motion_photo_video {
        return Some(MotionPhoto {
            video_offset: Some(offset),
            video_length: Some(length),
        });
    }
    let flagged = tags.motion_photo == Some(true) || tags.micro_video == Some(true);
    if !flagged {
        return None;
    }
    let (length, padding) = match (tags.micro_video, tags.micro_video_offset) {
        (Some(true), Some(len)) => (len, 0),
        _ => tags.motion_photo_item.unwrap_or((0, 0)),
    };
    let offset = tags
        .file_size
        .filter(|_| length > 0)
        .and_then(|size| size.checked_sub(length)?.checked_sub(padding));
    Some(MotionPhoto {
        video_offset: offset,
        video_length: (length > 0 && offset.is_some()).then_some(length),
    })
}

fn build(
    format: ImageFormat,
    tags: Tags,
    zone: Option<TimeZoneInfo>,
    warnings: Vec<String>,
) -> ImageMetadata {
    let (width, height) = match (tags.image_width, tags.image_height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (Some(w), Some(h)),
        _ => (tags.exif_image_width, tags.exif_image_height),
    };
    let (latitude, longitude) = gps(&tags).unzip();
    let lens_model =
        non_blank(&tags.lens_model).filter(|l| l != "----" && !l.starts_with("Unknown"));
    let description = non_blank(&tags.image_description)
        .or_else(|| non_blank(&tags.description))
        .or_else(|| non_blank(&tags.caption_abstract));
    let keywords: Vec<String> = tags
        .subject
        .clone()
        .or_else(|| tags.keywords.clone())
        .unwrap_or_default();
    let time_zone = zone_or_explicit_utc(&tags, zone);
    ImageMetadata {
        format,
        width,
        height,
        orientation: tags.orientation.filter(|o| (1..=8).contains(o)),
        make: non_blank(&tags.make),
        model: non_blank(&tags.model),
        lens_model,
        exposure_time: finite(tags.exposure_time).and_then(format_exposure_time),
        f_number: finite(tags.f_number),
        iso: tags.iso,
        focal_length: finite(tags.focal_length),
        date_taken: date_taken(&tags, zone),
        time_zone,
        latitude,
        longitude,
        rating: finite(tags.rating)
            .filter(|r| (-1.0..=5.0).contains(r))
            .map(|r| r.round() as i32),
        description,
        title: non_blank(&tags.title).or_else(|| non_blank(&tags.object_name)),
        tags: tag_list(&tags, &keywords),
        keywords,
        hierarchical_subjects: tags.hierarchical_subject.clone().unwrap_or_default(),
        projection_type: non_blank(&tags.projection_type).map(|p| p.to_uppercase()),
        content_identifier: non_blank(&tags.content_identifier),
        auto_stack_id: non_blank(&tags.burst_uuid),
        bits_per_sample: tags.bits_per_sample,
        motion_photo: motion_photo(&tags),
        raw: tags,
        warnings,
    }
}

pub(crate) fn resolve(
    format: ImageFormat,
    tags: Tags,
    warnings: Vec<String>,
    options: &ReadOptions<'_>,
) -> ImageMetadata {
    let zone = infer_zone(&tags, options);
    build(format, tags, zone, warnings)
}

/// Overlays a sidecar. Like Immich, which resolves each file's zone on its own and lets the
/// sidecar's replace the media's, the media's zone still applies to a sidecar date without one.
pub(crate) fn resolve_merged(
    format: ImageFormat,
    media: Tags,
    media_zone: Option<TimeZoneInfo>,
    sidecar: &Tags,
    warnings: Vec<String>,
    options: &ReadOptions<'_>,
) -> ImageMetadata {
    let media_zone = media_zone.filter(|z| z.source != ZoneSource::ExplicitUtc);
    let zone = infer_zone(sidecar, options).or(media_zone);
    let mut merged = media;
    merged.merge_sidecar(sidecar);
    build(format, merged, zone, warnings)
}
