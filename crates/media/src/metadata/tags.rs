//! The raw values read from a file, named after the exiftool tags Immich reads, before any
//! precedence is applied. Readers fill a [`Tags`]; [`Tags::merge_sidecar`] overlays a sidecar
//! the way Immich spreads sidecar tags over media tags.

use crate::metadata::DateSource;
use crate::metadata::resolve::first_date;

/// Raw tag values, one field per exiftool tag name that Immich's metadata service looks at.
///
/// Dates are kept as strings in exiftool's syntax (`YYYY:MM:DD HH:MM:SS[.sss][±HH:MM]`), the
/// composite ones (`SubSec…`, `GPSDateTime`, `DateTimeCreated`) built as exiftool builds them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    // Image structure.
    /// `ImageWidth`: from the image data (JPEG SOF, PNG IHDR, HEIF `ispe`, …), IFD0 for TIFF,
    /// `tiff:ImageWidth` in a sidecar.
    pub image_width: Option<u32>,
    pub image_height: Option<u32>,
    /// `ExifImageWidth` / `ExifImageHeight` (PixelXDimension / PixelYDimension).
    pub exif_image_width: Option<u32>,
    pub exif_image_height: Option<u32>,
    pub orientation: Option<u16>,
    pub bits_per_sample: Option<u32>,

    // Camera.
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens_model: Option<String>,
    /// Seconds.
    pub exposure_time: Option<f64>,
    pub f_number: Option<f64>,
    pub iso: Option<u32>,
    /// Millimetres.
    pub focal_length: Option<f64>,

    // Dates, in Immich's order of precedence.
    pub sub_sec_date_time_original: Option<String>,
    pub sub_sec_create_date: Option<String>,
    pub date_time_original: Option<String>,
    pub creation_date: Option<String>,
    pub create_date: Option<String>,
    pub date_time_created: Option<String>,
    pub gps_date_time: Option<String>,
    pub date_time_utc: Option<String>,
    pub source_image_create_time: Option<String>,
    /// XMP `photoshop:DateCreated`, which Immich's MWG reading treats as the original date.
    pub date_created: Option<String>,

    // Time zone hints.
    /// Maker-note `TimeZone` (Canon, Nikon), minutes east of UTC.
    pub time_zone_minutes: Option<i32>,
    /// Nikon `DaylightSavings`.
    pub daylight_savings: Option<bool>,
    pub offset_time: Option<String>,
    pub offset_time_original: Option<String>,
    pub offset_time_digitized: Option<String>,
    /// EXIF `TimeZoneOffset` (hours).
    pub time_zone_offset: Option<i32>,
    /// IPTC `TimeCreated` (`HH:MM:SS±HH:MM`).
    pub time_created: Option<String>,

    // Location.
    pub gps_latitude: Option<f64>,
    pub gps_longitude: Option<f64>,

    // Descriptive.
    pub rating: Option<f64>,
    pub image_description: Option<String>,
    /// XMP `dc:description`.
    pub description: Option<String>,
    /// IPTC `Caption-Abstract`.
    pub caption_abstract: Option<String>,
    /// XMP `dc:title`.
    pub title: Option<String>,
    /// IPTC `ObjectName`.
    pub object_name: Option<String>,
    /// IPTC `Keywords`.
    pub keywords: Option<Vec<String>>,
    /// XMP `dc:subject`.
    pub subject: Option<Vec<String>>,
    /// XMP `lr:hierarchicalSubject`.
    pub hierarchical_subject: Option<Vec<String>>,
    /// XMP `digiKam:TagsList`.
    pub tags_list: Option<Vec<String>>,
    /// XMP `GPano:ProjectionType`.
    pub projection_type: Option<String>,

    // Grouping.
    /// Apple maker note 0x0011 (`ContentIdentifier`, called `MediaGroupUUID` by older exiftool).
    pub content_identifier: Option<String>,
    /// Apple maker note `BurstUUID`.
    pub burst_uuid: Option<String>,

    // Motion photos.
    pub motion_photo: Option<bool>,
    pub micro_video: Option<bool>,
    pub micro_video_offset: Option<u64>,
    /// Length and padding of the `MotionPhoto` item in an XMP container directory.
    pub motion_photo_item: Option<(u64, u64)>,
    /// Offset and length of an embedded video stream (Samsung HEIF `mpvd` box).
    pub motion_photo_video: Option<(u64, u64)>,

    /// `FileSize`, to locate a motion photo's trailing video.
    pub file_size: Option<u64>,

    /// XMP `mwg-rs:Regions` (exiftool's `RegionInfo`): named faces.
    pub regions: Option<crate::metadata::regions::RegionInfo>,
}

macro_rules! overlay {
    ($dst:ident, $src:ident, $($field:ident),+ $(,)?) => {
        $( if $src.$field.is_some() { $dst.$field = $src.$field; } )+
    };
}

/// Copies every field that `src` has over `dst`.
fn overlay_all(dst: &mut Tags, src: Tags) {
    overlay!(
        dst,
        src,
        image_width,
        image_height,
        exif_image_width,
        exif_image_height,
        orientation,
        bits_per_sample,
        make,
        model,
        lens_model,
        exposure_time,
        f_number,
        iso,
        focal_length,
        sub_sec_date_time_original,
        sub_sec_create_date,
        date_time_original,
        creation_date,
        create_date,
        date_time_created,
        gps_date_time,
        date_time_utc,
        source_image_create_time,
        date_created,
        time_zone_minutes,
        daylight_savings,
        offset_time,
        offset_time_original,
        offset_time_digitized,
        time_zone_offset,
        time_created,
        gps_latitude,
        gps_longitude,
        rating,
        image_description,
        description,
        caption_abstract,
        title,
        object_name,
        keywords,
        subject,
        hierarchical_subject,
        tags_list,
        projection_type,
        content_identifier,
        burst_uuid,
        motion_photo,
        micro_video,
        micro_video_offset,
        motion_photo_item,
        motion_photo_video,
        file_size,
        regions,
    );
}

impl Tags {
    /// The date fields in Immich's precedence (its `EXIF_DATE_TAGS`, with MWG's fallback of
    /// `DateTimeOriginal` to XMP `photoshop:DateCreated`), each with the tag it stands for.
    pub(crate) fn date_candidates(&self) -> [(DateSource, Option<&str>); 10] {
        [
            (
                DateSource::SubSecDateTimeOriginal,
                self.sub_sec_date_time_original.as_deref(),
            ),
            (
                DateSource::SubSecCreateDate,
                self.sub_sec_create_date.as_deref(),
            ),
            (
                DateSource::DateTimeOriginal,
                self.date_time_original.as_deref(),
            ),
            (DateSource::DateCreated, self.date_created.as_deref()),
            (DateSource::CreationDate, self.creation_date.as_deref()),
            (DateSource::CreateDate, self.create_date.as_deref()),
            (
                DateSource::DateTimeCreated,
                self.date_time_created.as_deref(),
            ),
            (DateSource::GpsDateTime, self.gps_date_time.as_deref()),
            (DateSource::DateTimeUtc, self.date_time_utc.as_deref()),
            (
                DateSource::SourceImageCreateTime,
                self.source_image_create_time.as_deref(),
            ),
        ]
    }

    fn clear_dates(&mut self) {
        self.sub_sec_date_time_original = None;
        self.sub_sec_create_date = None;
        self.date_time_original = None;
        self.date_created = None;
        self.creation_date = None;
        self.create_date = None;
        self.date_time_created = None;
        self.gps_date_time = None;
        self.date_time_utc = None;
        self.source_image_create_time = None;
    }

    /// Overlays a sidecar's tags, as Immich does: every tag the sidecar has replaces the
    /// media's, and when the sidecar has any usable date, none of the media's dates survive.
    pub fn merge_sidecar(&mut self, sidecar: &Tags) {
        if first_date(sidecar).is_some() {
            self.clear_dates();
        }
        overlay_all(self, sidecar.clone());
    }

    /// Copies every field `later` has over this one: what exiftool does when the same tag
    /// appears twice with equal priority (the file's XMP is read after its EXIF).
    pub(crate) fn overlay(&mut self, later: Tags) {
        overlay_all(self, later);
    }
}
