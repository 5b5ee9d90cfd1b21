//! Shared link DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::albums::AlbumResponseDto;
use crate::assets::AssetResponseDto;
use crate::common::{double_option, timestamp};

string_enum! {
    pub enum SharedLinkType {
        Album = "ALBUM",
        Individual = "INDIVIDUAL",
    }
}

string_enum! {
    pub enum AssetIdErrorReason {
        Duplicate = "duplicate",
        NoPermission = "no_permission",
        NotFound = "not_found",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedLinkResponseDto {
    pub id: String,
    pub description: Option<String>,
    /// The password itself, as Immich shows it to the link's owner.
    pub password: Option<String>,
    pub user_id: String,
    pub key: String,
    #[serde(rename = "type")]
    pub link_type: SharedLinkType,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp::option")]
    pub expires_at: Option<DateTime<Utc>>,
    pub assets: Vec<AssetResponseDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album: Option<AlbumResponseDto>,
    pub allow_upload: bool,
    pub allow_download: bool,
    pub show_metadata: bool,
    pub slug: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedLinkCreateDto {
    #[serde(rename = "type")]
    pub link_type: SharedLinkType,
    #[serde(default)]
    pub album_id: Option<Uuid>,
    #[serde(default)]
    pub asset_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default, with = "timestamp::option")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub allow_upload: Option<bool>,
    #[serde(default)]
    pub allow_download: Option<bool>,
    #[serde(default)]
    pub show_metadata: Option<bool>,
    #[serde(default)]
    pub slug: Option<String>,
}

/// Absent fields stay as they are; `null` clears the nullable ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedLinkEditDto {
    #[serde(default, deserialize_with = "double_option::deserialize")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option::deserialize")]
    pub password: Option<Option<String>>,
    /// RFC 3339; parsed by the route so a bad date is a 400 naming the field.
    #[serde(default, deserialize_with = "double_option::deserialize")]
    pub expires_at: Option<Option<String>>,
    #[serde(default)]
    pub allow_upload: Option<bool>,
    #[serde(default)]
    pub allow_download: Option<bool>,
    #[serde(default)]
    pub show_metadata: Option<bool>,
    /// Older clients' way of clearing the expiry without sending `null`.
    #[serde(default)]
    pub change_expiry_time: Option<bool>,
    #[serde(default, deserialize_with = "double_option::deserialize")]
    pub slug: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedLinkLoginDto {
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetIdsResponseDto {
    pub asset_id: String,
    pub success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<AssetIdErrorReason>,
}
