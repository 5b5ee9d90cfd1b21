//! Rows as the domain sees them. Times are UTC; ids are UUIDs.

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub avatar_color: Option<String>,
    pub storage_label: Option<String>,
    pub quota_size_bytes: Option<i64>,
    pub should_change_password: bool,
    pub status: String,
    pub profile_image_path: String,
    pub profile_changed_at: DateTime<Utc>,
    /// The user's preferences as JSON; `None` means "all defaults".
    pub preferences: Option<serde_json::Value>,
    /// The account's subject at the OpenID Connect provider; empty when not linked.
    pub oauth_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password_hash: Option<String>,
    pub is_admin: Option<bool>,
    pub avatar_color: Option<Option<String>>,
    pub storage_label: Option<Option<String>>,
    pub quota_size_bytes: Option<Option<i64>>,
    pub should_change_password: Option<bool>,
    pub status: Option<String>,
    pub preferences: Option<serde_json::Value>,
    pub deleted_at: Option<Option<DateTime<Utc>>>,
    /// Relative to the originals root; empty for none. Setting it also stamps
    /// `profile_changed_at`.
    pub profile_image_path: Option<String>,
    /// Empty unlinks.
    pub oauth_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub token_hash: String,
    pub device_type: String,
    pub device_os: String,
    pub app_version: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The session's sync must start over (its next stream answers only `SyncResetV1`).
    pub is_pending_sync_reset: bool,
}

#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub key_hash: String,
    pub permissions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    Image,
    Video,
}

impl AssetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Image => "IMAGE",
            AssetKind::Video => "VIDEO",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "IMAGE" => Some(AssetKind::Image),
            "VIDEO" => Some(AssetKind::Video),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AssetRecord {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub device_asset_id: String,
    pub device_id: String,
    pub kind: AssetKind,
    /// Path relative to the originals root.
    pub original_path: String,
    pub original_file_name: String,
    pub checksum: Vec<u8>,
    pub file_size: i64,
    pub file_created_at: DateTime<Utc>,
    pub file_modified_at: DateTime<Utc>,
    pub local_date_time: NaiveDateTime,
    pub is_favorite: bool,
    /// `timeline`, `archive`, `hidden` or `locked`.
    pub visibility: String,
    pub duration: Option<String>,
    pub sidecar_path: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Display dimensions (orientation applied), once metadata is extracted.
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumbhash: Option<Vec<u8>>,
    pub metadata_extracted_at: Option<DateTime<Utc>>,
    pub live_photo_video_id: Option<Uuid>,
    /// The near-duplicate group the asset is in.
    pub duplicate_id: Option<Uuid>,
    /// The stack the asset is a member of.
    pub stack_id: Option<Uuid>,
    pub exif: ExifRecord,
    /// The EXIF fields the user edited; metadata extraction leaves them as they are.
    pub locked_properties: LockedProperties,
}

/// A set of the user-editable metadata fields, as Immich's `lockedProperties` names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LockedProperties(i64);

impl LockedProperties {
    pub const NONE: Self = Self(0);
    pub const DESCRIPTION: Self = Self(1);
    pub const DATE_TIME_ORIGINAL: Self = Self(2);
    pub const LATITUDE: Self = Self(4);
    pub const LONGITUDE: Self = Self(8);
    pub const RATING: Self = Self(16);
    pub const TIME_ZONE: Self = Self(32);

    /// The stored form: a bit per field (the store tests and sets bits in SQL).
    pub fn bits(self) -> i64 {
        self.0
    }

    pub fn from_bits(bits: i64) -> Self {
        Self(bits)
    }

    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for LockedProperties {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

impl std::ops::BitOrAssign for LockedProperties {
    fn bitor_assign(&mut self, other: Self) {
        self.0 |= other.0;
    }
}

/// Extracted and user-edited metadata of one asset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifRecord {
    pub description: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub date_time_original: Option<DateTime<Utc>>,
    pub time_zone: Option<String>,
    pub rating: Option<i64>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens_model: Option<String>,
    pub exif_image_width: Option<i64>,
    pub exif_image_height: Option<i64>,
    /// "1" to "8", as Immich reports it.
    pub orientation: Option<String>,
    pub f_number: Option<f64>,
    pub focal_length: Option<f64>,
    pub iso: Option<i64>,
    /// As photographers write it, e.g. "1/250".
    pub exposure_time: Option<String>,
    pub modify_date: Option<DateTime<Utc>>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub projection_type: Option<String>,
}

/// What metadata extraction writes back to an asset.
#[derive(Debug, Clone)]
pub struct MetadataUpdate {
    pub exif: ExifRecord,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// When the photo was taken, as an instant; the asset's `file_created_at`.
    pub taken_at: DateTime<Utc>,
    /// The same moment as wall-clock time where it was taken.
    pub local_date_time: NaiveDateTime,
    pub duration: Option<String>,
    /// Apple's content identifier pairing a live photo's still and video.
    pub live_photo_cid: Option<String>,
    pub extracted_at: DateTime<Utc>,
}

/// A file generated from an asset, relative to the generated-files root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetFileRecord {
    /// `thumbnail`, `preview`, `fullsize` or `encoded_video`.
    pub kind: String,
    pub path: String,
    pub updated_at: DateTime<Utc>,
}

/// Which assets a walk over the library visits; the default is every asset.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssetIdsFilter<'a> {
    /// Only assets whose metadata was never extracted.
    pub missing_metadata: bool,
    /// Only assets lacking this kind of generated file.
    pub missing_file: Option<&'a str>,
    /// Only assets with no sidecar recorded.
    pub missing_sidecar: bool,
    /// Only assets of this type.
    pub only: Option<AssetKind>,
    /// Only assets no job was ever queued for under `<this key>:<asset id>`.
    pub without_job: Option<&'a str>,
}

/// Which assets a timeline shows.
#[derive(Debug, Clone, Default)]
pub struct TimelineFilter {
    /// Owners whose assets show; empty means no owner restriction (an album's timeline).
    pub owner_ids: Vec<Uuid>,
    pub album_id: Option<Uuid>,
    /// Assets carrying this tag or one below it.
    pub tag_id: Option<Uuid>,
    /// Assets showing this person.
    pub person_id: Option<Uuid>,
    pub is_favorite: Option<bool>,
    pub is_trashed: bool,
    /// `None` means timeline and archive, as in Immich.
    pub visibility: Option<String>,
    pub ascending: bool,
    /// Show a stack as its primary asset alone.
    pub with_stacked: bool,
}

/// One asset as a timeline bucket lists it.
#[derive(Debug, Clone)]
pub struct TimelineAsset {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub kind: AssetKind,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub is_favorite: bool,
    pub visibility: String,
    pub deleted_at: Option<DateTime<Utc>>,
    pub thumbhash: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub file_created_at: DateTime<Utc>,
    pub local_date_time: NaiveDateTime,
    pub duration: Option<String>,
    pub projection_type: Option<String>,
    pub live_photo_video_id: Option<Uuid>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The stack this asset fronts and how many of its assets are on the timeline.
    pub stack: Option<(Uuid, i64)>,
}

/// Fields a bulk or single asset update may change.
#[derive(Debug, Clone, Default)]
pub struct AssetPatch {
    pub is_favorite: Option<bool>,
    pub visibility: Option<String>,
    pub description: Option<String>,
    pub date_time_original: Option<DateTime<Utc>>,
    pub local_date_time: Option<NaiveDateTime>,
    pub time_zone: Option<Option<String>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub rating: Option<Option<i64>>,
}

impl AssetPatch {
    /// The metadata fields this patch edits, which the update locks: a date brings its zone.
    pub fn locks(&self) -> LockedProperties {
        let mut locks = LockedProperties::NONE;
        let edited = [
            (self.description.is_some(), LockedProperties::DESCRIPTION),
            (
                self.date_time_original.is_some(),
                LockedProperties::DATE_TIME_ORIGINAL,
            ),
            (self.time_zone.is_some(), LockedProperties::TIME_ZONE),
            (self.latitude.is_some(), LockedProperties::LATITUDE),
            (self.longitude.is_some(), LockedProperties::LONGITUDE),
            (self.rating.is_some(), LockedProperties::RATING),
        ];
        for (is_edited, property) in edited {
            if is_edited {
                locks |= property;
            }
        }
        locks
    }

    pub fn is_empty(&self) -> bool {
        self.is_favorite.is_none()
            && self.visibility.is_none()
            && self.description.is_none()
            && self.date_time_original.is_none()
            && self.latitude.is_none()
            && self.longitude.is_none()
            && self.rating.is_none()
    }
}

#[derive(Debug, Clone, Default)]
pub struct AssetStats {
    pub images: i64,
    pub videos: i64,
}

#[derive(Debug, Clone, Default)]
pub struct AssetStatsFilter {
    pub visibility: Option<String>,
    pub is_favorite: Option<bool>,
    pub is_trashed: Option<bool>,
}

/// Usage of one user, for server statistics.
#[derive(Debug, Clone)]
pub struct UserUsage {
    pub user_id: Uuid,
    pub user_name: String,
    pub quota_size_bytes: Option<i64>,
    pub photos: i64,
    pub videos: i64,
    pub usage: i64,
    pub usage_photos: i64,
    pub usage_videos: i64,
}

/// A checksum that already has an asset of the same owner.
#[derive(Debug, Clone)]
pub struct ChecksumMatch {
    pub checksum: Vec<u8>,
    pub asset_id: Uuid,
    pub is_trashed: bool,
}

#[derive(Debug, Clone)]
pub struct AlbumRecord {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub album_name: String,
    pub description: String,
    pub thumbnail_asset_id: Option<Uuid>,
    pub is_activity_enabled: bool,
    /// `asc` or `desc`.
    pub order: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct AlbumPatch {
    pub album_name: Option<String>,
    pub description: Option<String>,
    pub thumbnail_asset_id: Option<Option<Uuid>>,
    pub is_activity_enabled: Option<bool>,
    pub order: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AlbumUserRecord {
    pub user_id: Uuid,
    /// `editor` or `viewer`.
    pub role: String,
}

/// Derived facts about an album's assets, for album listings.
#[derive(Debug, Clone, Default)]
pub struct AlbumAssetSummary {
    pub asset_count: i64,
    pub start_date: Option<NaiveDateTime>,
    pub end_date: Option<NaiveDateTime>,
    pub last_modified_asset_timestamp: Option<DateTime<Utc>>,
}

/// A user's tag. `value` is its full path ("Places/France/Paris"), unique per
/// user; `parent_id` is the tag one level up, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub value: String,
    pub parent_id: Option<Uuid>,
    pub color: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A metadata search over the caller's assets (and their partners'); `None` fields do not
/// filter. For the EXIF text fields and the rating, `Some(None)` asks for assets without a
/// value.
#[derive(Debug, Clone, Default)]
pub struct AssetSearch {
    pub owner_id: Uuid,
    /// Partners whose libraries are searched too; only what they keep on their timeline.
    pub partner_ids: Vec<Uuid>,
    pub id: Option<Uuid>,
    /// Assets in every one of these albums.
    pub album_ids: Vec<Uuid>,
    pub not_in_album: bool,
    /// Assets carrying each of these tags (or one below it); `Some(empty)`
    /// means assets without any tag.
    pub tag_ids: Option<Vec<Uuid>>,
    /// Assets showing every one of these people.
    pub person_ids: Vec<Uuid>,
    pub checksum: Option<Vec<u8>>,
    /// Case-insensitive substring.
    pub original_file_name: Option<String>,
    /// Case-insensitive substring.
    pub original_path: Option<String>,
    /// Case-insensitive substring.
    pub description: Option<String>,
    /// Words the asset shows (text recognition).
    pub ocr: Option<String>,
    pub device_id: Option<String>,
    /// Immich's type name: `IMAGE`, `VIDEO`, `AUDIO` or `OTHER`.
    pub asset_type: Option<String>,
    pub is_favorite: Option<bool>,
    /// Whether a transcoded video exists.
    pub is_encoded: Option<bool>,
    /// Whether the asset is a live or motion photo (has a paired video).
    pub is_motion: Option<bool>,
    pub is_offline: Option<bool>,
    pub library_id: Option<Uuid>,
    /// A generated file of this kind (`preview`, `thumbnail`, `encoded_video`) at exactly this
    /// path, relative to the generated-files root.
    pub generated_file: Option<(String, String)>,
    pub exif: ExifSearch,
    /// Exact visibility; `None` means any but locked.
    pub visibility: Option<String>,
    /// `Some(false)`: only assets in no stack.
    pub with_stacked: Option<bool>,
    pub with_deleted: bool,
    pub trashed_after: Option<DateTime<Utc>>,
    pub trashed_before: Option<DateTime<Utc>>,
    pub taken_after: Option<DateTime<Utc>>,
    pub taken_before: Option<DateTime<Utc>>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    /// Only files larger than this many bytes.
    pub min_file_size: Option<i64>,
    pub order: SearchOrder,
    pub offset: i64,
    pub limit: i64,
}

/// Exact matches on extracted metadata; `Some(None)` matches a missing value.
#[derive(Debug, Clone, Default)]
pub struct ExifSearch {
    pub city: Option<Option<String>>,
    pub state: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub make: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub lens_model: Option<Option<String>>,
    pub rating: Option<Option<i64>>,
}

/// A text field of extracted metadata that suggestions list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExifField {
    Country,
    State,
    City,
    Make,
    Model,
    LensModel,
}

impl ExifField {
    pub fn column(self) -> &'static str {
        match self {
            Self::Country => "country",
            Self::State => "state",
            Self::City => "city",
            Self::Make => "make",
            Self::Model => "model",
            Self::LensModel => "lens_model",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchOrder {
    /// Newest taken first.
    #[default]
    TakenDesc,
    TakenAsc,
    Random,
    /// Largest file first.
    FileSizeDesc,
}

/// A unit of background work as stored.
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: Uuid,
    pub queue: String,
    pub name: String,
    pub payload: serde_json::Value,
    pub dedupe_key: Option<String>,
    /// `waiting`, `active`, `completed` or `failed`.
    pub status: String,
    /// Runs so far, including the current one once claimed.
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub worker: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Jobs of one queue by state; `delayed` are waiting for a retry time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub active: i64,
    pub completed: i64,
    pub failed: i64,
    pub delayed: i64,
    pub waiting: i64,
}

/// One direction of partner sharing: `shared_by_id` lets `shared_with_id` see their library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRecord {
    pub shared_by_id: Uuid,
    pub shared_with_id: Uuid,
    /// Whether the partner's assets also show in `shared_with_id`'s own timeline.
    pub in_timeline: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Assets shown as one; `asset_ids` are its members, the primary among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackRecord {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub primary_asset_id: Uuid,
    pub asset_ids: Vec<Uuid>,
}

/// A link that lets anyone holding its key (or slug) read an album or chosen assets.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedLinkRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The secret, base64url as clients send it.
    pub key: String,
    /// `ALBUM` or `INDIVIDUAL`.
    pub link_type: String,
    pub album_id: Option<Uuid>,
    pub description: Option<String>,
    pub password: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub allow_upload: bool,
    pub allow_download: bool,
    pub show_metadata: bool,
    pub slug: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Fields a link update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SharedLinkPatch {
    pub description: Option<Option<String>>,
    pub password: Option<Option<String>>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub allow_upload: Option<bool>,
    pub allow_download: Option<bool>,
    pub show_metadata: Option<bool>,
    pub slug: Option<Option<String>>,
}

/// Which geotagged assets a map shows.
#[derive(Debug, Clone, Default)]
pub struct MapMarkerFilter {
    /// Assets of these owners show...
    pub owner_ids: Vec<Uuid>,
    /// ...and those in albums this user owns or is a member of.
    pub albums_of: Option<Uuid>,
    /// ...or, instead of both, only those of this album.
    pub album_id: Option<Uuid>,
    /// Archived assets show too (timeline ones always do).
    pub with_archived: bool,
    pub is_favorite: Option<bool>,
    pub file_created_after: Option<DateTime<Utc>>,
    pub file_created_before: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapMarker {
    pub id: Uuid,
    pub latitude: f64,
    pub longitude: f64,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemoryRecord {
    pub id: Uuid,
    pub owner_id: Uuid,
    /// `on_this_day`.
    pub memory_type: String,
    pub data: serde_json::Value,
    pub is_saved: bool,
    pub memory_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
    pub show_at: Option<DateTime<Utc>>,
    pub hide_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Fields a memory update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MemoryPatch {
    pub is_saved: Option<bool>,
    pub memory_at: Option<DateTime<Utc>>,
    pub seen_at: Option<DateTime<Utc>>,
}

/// Which of a user's memories a listing shows.
#[derive(Debug, Clone, Default)]
pub struct MemorySearch {
    pub id: Option<Uuid>,
    /// Shown at this time: `show_at` (if any) not after it and `hide_at` (if any) not before.
    pub shown_at: Option<DateTime<Utc>>,
    /// Only memories whose `show_at` is after this time (true) or not (false).
    pub upcoming_after: Option<(bool, DateTime<Utc>)>,
    pub is_saved: Option<bool>,
    pub is_trashed: bool,
    pub memory_type: Option<String>,
    /// `asc`, `desc` or `random`; by `memory_at`.
    pub order: String,
    pub offset: i64,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `success`, `error`, `warning` or `info`.
    pub level: String,
    /// Immich's `NotificationType`, e.g. `Custom`.
    pub notification_type: String,
    pub title: String,
    pub description: Option<String>,
    pub data: Option<serde_json::Value>,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Which of a user's notifications a listing shows.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub id: Option<Uuid>,
    pub level: Option<String>,
    pub notification_type: Option<String>,
    /// Only unread (true) or only read (false) ones.
    pub unread: Option<bool>,
}
