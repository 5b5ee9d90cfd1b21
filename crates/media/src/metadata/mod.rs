//! In-process metadata extraction for still images, following what Immich's metadata service
//! takes from exiftool: dimensions, date taken with its time zone, GPS, camera and exposure,
//! orientation, rating, description/title, keywords, projection type, Apple content
//! identifiers, motion-photo hints, and XMP sidecars overlaid the way Immich overlays them.
//!
//! Pure library code: no database, no HTTP, no external tools. Videos are described from what
//! ffprobe reported ([`video_metadata`]); this module does not run it.
//!
//! Reading never panics on bad input: a file whose container cannot be walked at all gives an
//! error, a file that is damaged further in gives what could be read plus `warnings`.

mod container;
mod ifd;
mod iptc;
mod makernote;
pub mod parse;
pub mod regions;
mod resolve;
mod tags;
mod video;
mod xmp;
mod xmp_write;

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};

pub use tags::Tags;
pub use video::{duration_millis, orientation_from_rotation, video_metadata};
pub use xmp_write::{SidecarEdits, SidecarWriteError, write_sidecar};

/// Why metadata could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes are not a still-image container this module reads.
    #[error("unsupported format: {0}")]
    Unsupported(String),
    /// The container is recognised but broken before any metadata could be found.
    #[error("corrupt file: {0}")]
    Corrupt(String),
}

/// The container a file was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Tiff,
    /// HEIF family: HEIC, HEIF, AVIF.
    Heif,
    Png,
    WebP,
    Jxl,
    /// A bare XMP document (a sidecar read on its own).
    Xmp,
    /// A video, described from its ffprobe report.
    Video,
}

/// The tag a date taken was read from (Immich's `EXIF_DATE_TAGS`, in order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    SubSecDateTimeOriginal,
    SubSecCreateDate,
    DateTimeOriginal,
    /// XMP `photoshop:DateCreated` (part of MWG's `DateTimeOriginal`).
    DateCreated,
    CreationDate,
    CreateDate,
    /// IPTC `DateCreated` + `TimeCreated`.
    DateTimeCreated,
    GpsDateTime,
    DateTimeUtc,
    SourceImageCreateTime,
}

impl DateSource {
    /// The exiftool tag name.
    pub fn tag_name(self) -> &'static str {
        match self {
            Self::SubSecDateTimeOriginal => "SubSecDateTimeOriginal",
            Self::SubSecCreateDate => "SubSecCreateDate",
            Self::DateTimeOriginal => "DateTimeOriginal",
            Self::DateCreated => "DateCreated",
            Self::CreationDate => "CreationDate",
            Self::CreateDate => "CreateDate",
            Self::DateTimeCreated => "DateTimeCreated",
            Self::GpsDateTime => "GPSDateTime",
            Self::DateTimeUtc => "DateTimeUTC",
            Self::SourceImageCreateTime => "SourceImageCreateTime",
        }
    }
}

/// Where a time zone came from, in the order they are tried (exiftool-vendored's, as Immich
/// configures it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneSource {
    /// Maker-note `TimeZone` (Canon, Nikon; Nikon's adjusted for daylight saving).
    TimeZone,
    OffsetTimeOriginal,
    OffsetTimeDigitized,
    TimeZoneOffset,
    /// The zone at the GPS position, from a [`ZoneLookup`].
    Location,
    /// A non-UTC offset written in one of the creation date tags.
    Datestamp,
    /// The difference between the local capture time and the GPS (UTC) time.
    GpsTimeDifference,
    /// The chosen date says `+00:00` explicitly (Immich's `UTC+0`).
    ExplicitUtc,
}

/// A time zone as a fixed offset for the moment the photo was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZoneInfo {
    /// Seconds east of UTC.
    pub offset_seconds: i32,
    pub source: ZoneSource,
}

impl TimeZoneInfo {
    /// Immich's spelling: `UTC+2`, `UTC-5:30`, `UTC+0`.
    pub fn immich_name(&self) -> String {
        let sign = if self.offset_seconds < 0 { '-' } else { '+' };
        let abs = self.offset_seconds.unsigned_abs();
        let (h, m) = (abs / 3600, (abs % 3600) / 60);
        if m == 0 {
            format!("UTC{sign}{h}")
        } else {
            format!("UTC{sign}{h}:{m:02}")
        }
    }
}

/// When the photo was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTaken {
    /// Wall-clock time where it was taken, with sub-seconds when the file has them.
    pub local: NaiveDateTime,
    /// UTC offset in seconds: the date's own when its tag carries one, else the file's time zone.
    pub offset_seconds: Option<i32>,
    /// The tag the date was read from.
    pub source: DateSource,
}

impl DateTaken {
    /// The instant, when the offset is known.
    pub fn with_offset(&self) -> Option<DateTime<FixedOffset>> {
        let offset = FixedOffset::east_opt(self.offset_seconds?)?;
        self.local.and_local_timezone(offset).single()
    }

    /// The instant as Immich stores `dateTimeOriginal`: with the offset when known, otherwise
    /// the wall-clock time read as UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        let seconds = self.offset_seconds.unwrap_or(0);
        (self.local - TimeDelta::seconds(i64::from(seconds))).and_utc()
    }

    /// Immich's `localDateTime`: the wall-clock time labelled UTC.
    pub fn local_as_utc(&self) -> DateTime<Utc> {
        self.local.and_utc()
    }
}

/// An Android/Samsung motion photo: a still image with a video inside the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MotionPhoto {
    /// Where the video is, in bytes from the start of the file, when it can be located.
    pub video_offset: Option<u64>,
    pub video_length: Option<u64>,
}

/// What Immich would store for a still image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageMetadata {
    pub format: ImageFormat,
    /// Dimensions as stored (before orientation is applied).
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// EXIF orientation, 1–8.
    pub orientation: Option<u16>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens_model: Option<String>,
    /// As exiftool prints it and Immich shows it: `1/250`, `0.5`, `2`.
    pub exposure_time: Option<String>,
    pub f_number: Option<f64>,
    pub iso: Option<u32>,
    /// Millimetres.
    pub focal_length: Option<f64>,
    pub date_taken: Option<DateTaken>,
    /// The file's time zone (Immich's `timeZone`), independent of the date's own offset.
    pub time_zone: Option<TimeZoneInfo>,
    /// Decimal degrees; `None` when missing, out of range, or exactly 0,0.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// −1 (rejected) to 5.
    pub rating: Option<i32>,
    pub description: Option<String>,
    pub title: Option<String>,
    /// Plain keywords (XMP `dc:subject`, else IPTC `Keywords`).
    pub keywords: Vec<String>,
    /// XMP `lr:hierarchicalSubject`, as written (`a|b|c`).
    pub hierarchical_subjects: Vec<String>,
    /// The tag values Immich creates: digiKam `TagsList`, else hierarchical subjects with `|`
    /// turned into `/`, else keywords.
    pub tags: Vec<String>,
    /// Upper-case, e.g. `EQUIRECTANGULAR`.
    pub projection_type: Option<String>,
    /// Apple live-photo pairing key, shared by the photo and its video.
    pub content_identifier: Option<String>,
    /// Burst identifier (Immich's `autoStackId`).
    pub auto_stack_id: Option<String>,
    pub bits_per_sample: Option<u32>,
    pub motion_photo: Option<MotionPhoto>,
    /// The raw tag values everything above was resolved from.
    pub raw: Tags,
    /// Problems met while reading; the fields above hold what could be read.
    pub warnings: Vec<String>,
}

/// Finds a time zone for a position: the hook for "zone from location" (Immich uses geo-tz).
pub trait ZoneLookup: Send + Sync {
    /// The UTC offset in seconds at `latitude`, `longitude` for the given wall-clock time.
    fn offset_seconds(&self, latitude: f64, longitude: f64, local: NaiveDateTime) -> Option<i32>;
}

/// Options for reading.
#[derive(Clone, Copy, Default)]
pub struct ReadOptions<'a> {
    /// Used for files whose time zone is known only from their GPS position.
    pub zone_lookup: Option<&'a dyn ZoneLookup>,
}

impl std::fmt::Debug for ReadOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("zone_lookup", &self.zone_lookup.is_some())
            .finish()
    }
}

/// Reads a still image's metadata.
pub fn read_metadata(path: &Path) -> Result<ImageMetadata, MetadataError> {
    read_metadata_with(path, &ReadOptions::default())
}

/// Reads a still image's metadata with options.
pub fn read_metadata_with(
    path: &Path,
    options: &ReadOptions<'_>,
) -> Result<ImageMetadata, MetadataError> {
    let file = File::open(path)?;
    read_metadata_from(BufReader::new(file), options)
}

/// Reads a still image's metadata from any seekable source (an upload being written, a
/// buffer). Only the parts of the file that hold metadata are read.
pub fn read_metadata_from<R: Read + Seek>(
    reader: R,
    options: &ReadOptions<'_>,
) -> Result<ImageMetadata, MetadataError> {
    let (format, tags, warnings) = read_tags(reader)?;
    Ok(resolve::resolve(format, tags, warnings, options))
}

/// Reads the raw tags of a still image, without resolving them.
pub fn read_tags<R: Read + Seek>(
    reader: R,
) -> Result<(ImageFormat, Tags, Vec<String>), MetadataError> {
    // A panic in a parser is a bug, but one bad upload must not take a worker down with it.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| container::read(reader))) {
        Ok(result) => result,
        Err(_) => Err(MetadataError::Corrupt("metadata parser panicked".into())),
    }
}

/// Overlays an XMP sidecar (from `file.ext.xmp`, `file.xmp` or an upload's `sidecarData`) on
/// metadata read from the media file. Sidecar values win; when the sidecar has a date, none
/// of the media's dates are used. A sidecar that is not valid XMP leaves `base` unchanged
/// apart from a warning.
pub fn merge_sidecar(base: ImageMetadata, xmp: &[u8]) -> ImageMetadata {
    merge_sidecar_with(base, xmp, &ReadOptions::default())
}

/// [`merge_sidecar`] with options.
pub fn merge_sidecar_with(
    base: ImageMetadata,
    xmp: &[u8],
    options: &ReadOptions<'_>,
) -> ImageMetadata {
    let ImageMetadata {
        format,
        raw,
        mut warnings,
        time_zone,
        ..
    } = base;
    let sidecar = match xmp::parse_sidecar(xmp) {
        Ok(tags) => tags,
        Err(e) => {
            warnings.push(format!("sidecar ignored: {e}"));
            Tags::default()
        }
    };
    resolve::resolve_merged(format, raw, time_zone, &sidecar, warnings, options)
}

/// Reads an XMP document on its own (a sidecar without its media file).
pub fn read_sidecar(xmp: &[u8]) -> Result<ImageMetadata, MetadataError> {
    let tags = xmp::parse_sidecar(xmp).map_err(MetadataError::Corrupt)?;
    Ok(resolve::resolve(
        ImageFormat::Xmp,
        tags,
        Vec::new(),
        &ReadOptions::default(),
    ))
}

/// Where Immich looks for a sidecar, in order: `photo.jpg.xmp`, then `photo.xmp`.
pub fn sidecar_candidates(path: &Path) -> [PathBuf; 2] {
    let mut with_ext = path.as_os_str().to_owned();
    with_ext.push(".xmp");
    [PathBuf::from(with_ext), path.with_extension("xmp")]
}

/// Reads a still image and overlays the first sidecar found next to it.
pub fn read_metadata_with_sidecar(
    path: &Path,
    options: &ReadOptions<'_>,
) -> Result<ImageMetadata, MetadataError> {
    let base = read_metadata_with(path, options)?;
    Ok(overlay_sidecar(path, base, options))
}

/// Describes a video from its probe and overlays the first sidecar found next to it.
pub fn video_metadata_with_sidecar(
    path: &Path,
    info: &crate::video::VideoInfo,
    options: &ReadOptions<'_>,
) -> ImageMetadata {
    let base = video_metadata(info, options);
    overlay_sidecar(path, base, options)
}

fn overlay_sidecar(path: &Path, base: ImageMetadata, options: &ReadOptions<'_>) -> ImageMetadata {
    for candidate in sidecar_candidates(path) {
        if candidate == path || !candidate.is_file() {
            continue;
        }
        return overlay_sidecar_file(base, &candidate, options);
    }
    base
}

/// Overlays the sidecar at `sidecar` (one a library recorded, rather than one looked for);
/// when the file is gone, `base` stands as it is.
pub fn overlay_sidecar_file(
    base: ImageMetadata,
    sidecar: &Path,
    options: &ReadOptions<'_>,
) -> ImageMetadata {
    match read_limited(sidecar, xmp::MAX_XMP_BYTES) {
        Ok(bytes) => merge_sidecar_with(base, &bytes, options),
        Err(e) => {
            let mut base = base;
            if e.kind() != std::io::ErrorKind::NotFound {
                base.warnings
                    .push(format!("sidecar {} unreadable: {e}", sidecar.display()));
            }
            base
        }
    }
}

fn read_limited(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(limit as u64)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The parsers below the container walk, reached directly by the fuzz targets (`fuzz/`),
/// so that mutations are spent on the structure under test instead of on finding it.
/// Built only by `cargo fuzz` (`--cfg fuzzing`).
#[cfg(fuzzing)]
pub mod fuzzing {
    use super::*;

    /// An EXIF block (TIFF structure, with or without `Exif\0\0`), resolved as an upload's.
    pub fn exif(blob: &[u8]) -> ImageMetadata {
        let (mut tags, mut warnings) = (Tags::default(), Vec::new());
        ifd::read(blob.to_vec(), ImageFormat::Jpeg, &mut tags, &mut warnings);
        resolve::resolve(ImageFormat::Jpeg, tags, warnings, &ReadOptions::default())
    }

    /// A maker note at `offset` of the EXIF block `tiff`, for a camera of `make`.
    pub fn maker_note(make: &str, tiff: &[u8], offset: usize, le: bool) -> Tags {
        let mut tags = Tags::default();
        let note = tiff.get(offset..).unwrap_or_default();
        makernote::read(Some(make), note, offset, tiff, le, &mut tags);
        tags
    }

    /// Photoshop image resources holding IPTC, and bare IPTC records.
    pub fn iptc(bytes: &[u8]) -> (Option<Tags>, Tags) {
        let from_resources = iptc::iptc_from_photoshop(bytes).map(|iim| iptc::read(&iim));
        (from_resources, iptc::read(bytes))
    }
}
