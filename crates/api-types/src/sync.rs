//! The mobile app's sync stream: requests, acknowledgements and the `Sync*V*` rows of each
//! line. Every field of a row is required by the app (nullable ones are sent as `null`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::albums::{AlbumUserRole, AssetOrder};
use crate::assets::{AssetTypeEnum, AssetVisibility};
use crate::memories::MemoryType;
use crate::users::UserAvatarColor;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStreamDto {
    #[serde(default)]
    pub reset: Option<bool>,
    pub types: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SyncAckSetDto {
    pub acks: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SyncAckDeleteDto {
    #[serde(default)]
    pub types: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncAckDto {
    pub ack: String,
    #[serde(rename = "type")]
    pub entity_type: String,
}

/// One line of the stream.
#[derive(Debug, Serialize)]
pub struct SyncLineDto<'a, T: Serialize> {
    #[serde(rename = "type")]
    pub entity_type: &'a str,
    pub data: T,
    pub ack: &'a str,
}

/// The data of `SyncAckV1`, `SyncResetV1` and `SyncCompleteV1`.
#[derive(Debug, Serialize)]
pub struct EmptyDto {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncUserV1 {
    pub id: String,
    pub name: String,
    pub email: String,
    pub avatar_color: Option<UserAvatarColor>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub has_profile_image: bool,
    pub profile_changed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAuthUserV1 {
    pub id: String,
    pub name: String,
    pub email: String,
    pub avatar_color: Option<UserAvatarColor>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub has_profile_image: bool,
    pub profile_changed_at: DateTime<Utc>,
    pub is_admin: bool,
    pub oauth_id: String,
    pub pin_code: Option<String>,
    pub quota_size_in_bytes: Option<i64>,
    pub quota_usage_in_bytes: i64,
    pub storage_label: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncUserDeleteV1 {
    pub user_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPartnerV1 {
    pub shared_by_id: String,
    pub shared_with_id: String,
    pub in_timeline: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPartnerDeleteV1 {
    pub shared_by_id: String,
    pub shared_with_id: String,
}

/// `SyncAssetV2` (and V1, whose duration is text).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAssetV2<D: Serialize> {
    pub id: String,
    pub owner_id: String,
    pub original_file_name: String,
    pub thumbhash: Option<String>,
    pub checksum: String,
    pub file_created_at: Option<DateTime<Utc>>,
    pub file_modified_at: Option<DateTime<Utc>>,
    pub local_date_time: Option<String>,
    pub duration: Option<D>,
    #[serde(rename = "type")]
    pub asset_type: AssetTypeEnum,
    pub deleted_at: Option<DateTime<Utc>>,
    pub is_favorite: bool,
    pub visibility: AssetVisibility,
    pub live_photo_video_id: Option<String>,
    pub stack_id: Option<String>,
    pub library_id: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub is_edited: bool,
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAssetDeleteV1 {
    pub asset_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAssetExifV1 {
    pub asset_id: String,
    pub description: Option<String>,
    pub exif_image_width: Option<i64>,
    pub exif_image_height: Option<i64>,
    pub file_size_in_byte: Option<i64>,
    pub orientation: Option<String>,
    pub date_time_original: Option<DateTime<Utc>>,
    pub modify_date: Option<DateTime<Utc>>,
    pub time_zone: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub projection_type: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens_model: Option<String>,
    pub f_number: Option<f64>,
    pub focal_length: Option<f64>,
    pub iso: Option<i64>,
    pub exposure_time: Option<String>,
    pub profile_description: Option<String>,
    pub rating: Option<i64>,
    pub fps: Option<f64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAlbumV1 {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub thumbnail_asset_id: Option<String>,
    pub is_activity_enabled: bool,
    pub order: AssetOrder,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAlbumV2 {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub thumbnail_asset_id: Option<String>,
    pub is_activity_enabled: bool,
    pub order: AssetOrder,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAlbumDeleteV1 {
    pub album_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAlbumUserV1 {
    pub album_id: String,
    pub user_id: String,
    pub role: AlbumUserRole,
}

/// `SyncAlbumUserDeleteV1` and `SyncAlbumToAssetV1`/`DeleteV1` share the album id.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAlbumUserDeleteV1 {
    pub album_id: String,
    pub user_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAlbumToAssetV1 {
    pub album_id: String,
    pub asset_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStackV1 {
    pub id: String,
    pub owner_id: String,
    pub primary_asset_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStackDeleteV1 {
    pub stack_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncMemoryV1 {
    pub id: String,
    pub owner_id: String,
    #[serde(rename = "type")]
    pub memory_type: MemoryType,
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncMemoryDeleteV1 {
    pub memory_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncMemoryAssetV1 {
    pub memory_id: String,
    pub asset_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPersonV1 {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    pub birth_date: Option<String>,
    pub color: Option<String>,
    pub face_asset_id: Option<String>,
    pub is_favorite: bool,
    pub is_hidden: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPersonDeleteV1 {
    pub person_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAssetFaceV2 {
    pub id: String,
    pub asset_id: String,
    pub person_id: Option<String>,
    pub image_width: i32,
    pub image_height: i32,
    pub bounding_box_x1: i32,
    pub bounding_box_y1: i32,
    pub bounding_box_x2: i32,
    pub bounding_box_y2: i32,
    pub source_type: String,
    pub deleted_at: Option<DateTime<Utc>>,
    pub is_visible: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAssetFaceDeleteV1 {
    pub asset_face_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAssetOcrV1 {
    pub id: String,
    pub asset_id: String,
    pub text: String,
    pub box_score: f64,
    pub text_score: f64,
    pub is_visible: bool,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    pub x3: f64,
    pub y3: f64,
    pub x4: f64,
    pub y4: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAssetOcrDeleteV1 {
    pub id: String,
    pub asset_id: String,
    pub deleted_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncUserMetadataV1 {
    pub user_id: String,
    pub key: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAssetMetadataV1 {
    pub asset_id: String,
    pub key: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAssetMetadataDeleteV1 {
    pub asset_id: String,
    pub key: String,
}
