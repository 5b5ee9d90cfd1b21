//! Asset DTOs: the asset view, upload/duplicate checks, edits and stats.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{double_option, timestamp};
use crate::tags::TagResponseDto;
use crate::users::UserResponseDto;

string_enum! {
    pub enum AssetTypeEnum {
        Image = "IMAGE",
        Video = "VIDEO",
        Audio = "AUDIO",
        Other = "OTHER",
    }
}

string_enum! {
    pub enum AssetVisibility {
        Archive = "archive",
        Timeline = "timeline",
        Hidden = "hidden",
        Locked = "locked",
    }
}

string_enum! {
    pub enum AssetMediaStatus {
        Created = "created",
        Duplicate = "duplicate",
    }
}

string_enum! {
    pub enum AssetMediaSize {
        Original = "original",
        Fullsize = "fullsize",
        Preview = "preview",
        Thumbnail = "thumbnail",
    }
}

string_enum! {
    pub enum AssetUploadAction {
        Accept = "accept",
        Reject = "reject",
    }
}

string_enum! {
    pub enum AssetRejectReason {
        Duplicate = "duplicate",
        UnsupportedFormat = "unsupported-format",
    }
}

// Nullable fields are always emitted (as `null` when empty), the way Immich
// renders them; only non-nullable optional fields are skipped when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetResponseDto {
    pub id: String,
    pub owner_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserResponseDto>,
    #[serde(default)]
    pub library_id: Option<String>,
    /// Base64 of the SHA-1 of the original file.
    pub checksum: String,
    pub original_path: String,
    pub original_file_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_mime_type: Option<String>,
    #[serde(rename = "type")]
    pub asset_type: AssetTypeEnum,
    pub thumbhash: Option<String>,
    #[serde(with = "timestamp")]
    pub file_created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub file_modified_at: DateTime<Utc>,
    /// Wall-clock time where the photo was taken, written as if it were UTC
    /// (e.g. "2024-06-01T14:30:00.000Z"); it is not an instant.
    pub local_date_time: String,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
    pub is_favorite: bool,
    pub is_archived: bool,
    pub is_trashed: bool,
    pub is_offline: bool,
    pub is_edited: bool,
    pub has_metadata: bool,
    pub visibility: AssetVisibility,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Milliseconds; `None` for still images.
    pub duration: Option<i64>,
    #[serde(default)]
    pub live_photo_video_id: Option<String>,
    #[serde(default)]
    pub duplicate_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exif_info: Option<ExifResponseDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagResponseDto>>,
    /// Person objects (with faces); their DTO lives outside this crate's scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub stack: Option<AssetStackResponseDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resized: Option<bool>,
}

/// Every field is nullable and Immich always emits all of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExifResponseDto {
    pub make: Option<String>,
    pub model: Option<String>,
    pub exif_image_width: Option<i64>,
    pub exif_image_height: Option<i64>,
    pub file_size_in_byte: Option<i64>,
    pub orientation: Option<String>,
    #[serde(default, with = "timestamp::option")]
    pub date_time_original: Option<DateTime<Utc>>,
    #[serde(default, with = "timestamp::option")]
    pub modify_date: Option<DateTime<Utc>>,
    pub time_zone: Option<String>,
    pub lens_model: Option<String>,
    pub f_number: Option<f64>,
    /// Millimetres.
    pub focal_length: Option<f64>,
    pub iso: Option<i64>,
    /// E.g. "1/250".
    pub exposure_time: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub description: Option<String>,
    pub projection_type: Option<String>,
    /// 1–5 stars, or -1 for rejected.
    pub rating: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetStackResponseDto {
    pub id: String,
    pub primary_asset_id: String,
    pub asset_count: i64,
}

/// Upload result; `Duplicate` carries the id of the already-stored asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetMediaResponseDto {
    pub id: String,
    pub status: AssetMediaStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetBulkUploadCheckDto {
    pub assets: Vec<AssetBulkUploadCheckItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetBulkUploadCheckItem {
    /// Client-chosen key echoed back (often a file name), not an asset id.
    pub id: String,
    /// SHA-1 of the file, base64 or hex.
    pub checksum: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetBulkUploadCheckResponseDto {
    pub results: Vec<AssetBulkUploadCheckResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetBulkUploadCheckResult {
    pub id: String,
    pub action: AssetUploadAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<AssetRejectReason>,
    /// The existing asset, when rejected as a duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_trashed: Option<bool>,
}

impl AssetBulkUploadCheckResult {
    pub fn accept(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            action: AssetUploadAction::Accept,
            reason: None,
            asset_id: None,
            is_trashed: None,
        }
    }

    pub fn duplicate(id: impl Into<String>, asset_id: impl Into<String>, is_trashed: bool) -> Self {
        Self {
            id: id.into(),
            action: AssetUploadAction::Reject,
            reason: Some(AssetRejectReason::Duplicate),
            asset_id: Some(asset_id.into()),
            is_trashed: Some(is_trashed),
        }
    }

    pub fn unsupported_format(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            action: AssetUploadAction::Reject,
            reason: Some(AssetRejectReason::UnsupportedFormat),
            asset_id: None,
            is_trashed: None,
        }
    }
}

/// `PUT /assets/{id}`. Nullable fields use `Option<Option<_>>`:
/// absent = unchanged, `null` = clear.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAssetDto {
    /// ISO-8601 text; the offset it carries is meaningful, so it is kept raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time_original: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_favorite: Option<bool>,
    /// -90..=90.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// -180..=180.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub live_photo_video_id: Option<Option<Uuid>>,
    /// -1..=5; `null` = unrated.
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub rating: Option<Option<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<AssetVisibility>,
}

/// `PUT /assets`. Nullable fields use `Option<Option<_>>`:
/// absent = unchanged, `null` = clear.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetBulkUpdateDto {
    pub ids: Vec<Uuid>,
    /// ISO-8601 text; the offset it carries is meaningful, so it is kept raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time_original: Option<String>,
    /// Minutes to shift each asset's original date by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time_relative: Option<i64>,
    /// IANA zone name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub duplicate_id: Option<Option<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_favorite: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub rating: Option<Option<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<AssetVisibility>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetBulkDeleteDto {
    pub ids: Vec<Uuid>,
    /// Delete permanently instead of moving to the trash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetStatsResponseDto {
    pub images: i64,
    pub videos: i64,
    pub total: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetIdsDto {
    pub asset_ids: Vec<Uuid>,
}

string_enum! {
    pub enum AssetJobName {
        RefreshFaces = "refresh-faces",
        RefreshMetadata = "refresh-metadata",
        RegenerateThumbnail = "regenerate-thumbnail",
        TranscodeVideo = "transcode-video",
    }
}

/// `POST /assets/jobs`: run one kind of processing again for some assets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetJobsDto {
    pub asset_ids: Vec<Uuid>,
    pub name: AssetJobName,
}
