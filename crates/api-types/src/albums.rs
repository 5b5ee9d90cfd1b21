//! Album DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{BulkIdErrorReason, double_option, timestamp};
use crate::users::UserResponseDto;

string_enum! {
    pub enum AssetOrder {
        Asc = "asc",
        Desc = "desc",
    }
}

string_enum! {
    pub enum AlbumUserRole {
        Editor = "editor",
        Owner = "owner",
        Viewer = "viewer",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumResponseDto {
    pub id: String,
    pub album_name: String,
    pub description: String,
    pub album_thumbnail_asset_id: Option<String>,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
    /// Owner first, then the requesting user if different, then the rest by
    /// name.
    pub album_users: Vec<AlbumUserResponseDto>,
    pub asset_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contributor_counts: Option<Vec<ContributorCountResponseDto>>,
    /// Earliest asset (its local time, expressed as UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "timestamp::option"
    )]
    pub start_date: Option<DateTime<Utc>>,
    /// Latest asset (its local time, expressed as UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "timestamp::option"
    )]
    pub end_date: Option<DateTime<Utc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "timestamp::option"
    )]
    pub last_modified_asset_timestamp: Option<DateTime<Utc>>,
    pub has_shared_link: bool,
    pub is_activity_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<AssetOrder>,
    pub shared: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumUserResponseDto {
    pub user: UserResponseDto,
    pub role: AlbumUserRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContributorCountResponseDto {
    pub user_id: String,
    pub asset_count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAlbumDto {
    pub album_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_users: Option<Vec<AlbumUserCreateDto>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumUserCreateDto {
    pub user_id: Uuid,
    pub role: AlbumUserRole,
}

/// `description` uses `Option<Option<_>>`: absent = unchanged, `null` = clear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAlbumDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_thumbnail_asset_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_activity_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<AssetOrder>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddUsersDto {
    pub album_users: Vec<AlbumUserAddDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumUserAddDto {
    pub user_id: Uuid,
    /// Immich treats a missing role as editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<AlbumUserRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAlbumUserDto {
    pub role: AlbumUserRole,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumsAddAssetsDto {
    pub album_ids: Vec<Uuid>,
    pub asset_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumsAddAssetsResponseDto {
    pub success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<BulkIdErrorReason>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumStatisticsResponseDto {
    pub owned: i64,
    pub shared: i64,
    pub not_shared: i64,
}
