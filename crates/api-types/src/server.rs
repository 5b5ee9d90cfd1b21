//! Server info DTOs (`/server/*`) and the `/.well-known/immich` document.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerPingResponse {
    pub res: String,
}

impl ServerPingResponse {
    pub fn pong() -> Self {
        Self {
            res: "pong".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerVersionResponseDto {
    pub major: i64,
    pub minor: i64,
    pub patch: i64,
    /// Required but nullable in SDK 3.2.2; not in the 3.0.0 OpenAPI document.
    pub prerelease: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerFeaturesDto {
    pub config_file: bool,
    pub duplicate_detection: bool,
    pub email: bool,
    pub facial_recognition: bool,
    pub import_faces: bool,
    pub map: bool,
    pub oauth: bool,
    pub oauth_auto_launch: bool,
    pub ocr: bool,
    pub password_login: bool,
    /// SDK 3.2.2 only.
    pub realtime_transcoding: bool,
    pub reverse_geocoding: bool,
    pub search: bool,
    pub sidecar: bool,
    pub smart_search: bool,
    pub trash: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerConfigDto {
    pub external_domain: String,
    /// An admin account exists.
    pub is_initialized: bool,
    /// The admin finished the onboarding flow.
    pub is_onboarded: bool,
    pub login_page_message: String,
    pub maintenance_mode: bool,
    pub map_dark_style_url: String,
    pub map_light_style_url: String,
    /// SDK 3.2.2 only: server default for the people `minimumFaces` preference.
    pub min_faces: i64,
    /// SDK 3.2.2 only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_account_management_url: Option<String>,
    pub oauth_button_text: String,
    pub public_users: bool,
    /// Days before trashed assets are purged.
    pub trash_days: i64,
    /// Days before deleted users are purged.
    pub user_delete_delay: i64,
}

/// Accepted upload file extensions (with leading dot) per media kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerMediaTypesResponseDto {
    pub image: Vec<String>,
    pub sidecar: Vec<String>,
    pub video: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerStorageResponseDto {
    /// Human-readable, e.g. "12.3 GiB".
    pub disk_size: String,
    pub disk_use: String,
    pub disk_available: String,
    pub disk_size_raw: i64,
    pub disk_use_raw: i64,
    pub disk_available_raw: i64,
    /// 0–100.
    pub disk_usage_percentage: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerAboutResponseDto {
    pub version: String,
    pub version_url: String,
    pub licensed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodejs: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exiftool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ffmpeg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libvips: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imagemagick: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_source_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_bug_feature_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_documentation_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_support_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerStatsResponseDto {
    pub photos: i64,
    pub videos: i64,
    /// Bytes.
    pub usage: i64,
    pub usage_photos: i64,
    pub usage_videos: i64,
    pub usage_by_user: Vec<UsageByUserDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageByUserDto {
    pub user_id: String,
    pub user_name: String,
    pub photos: i64,
    pub videos: i64,
    /// Bytes.
    pub usage: i64,
    pub usage_photos: i64,
    pub usage_videos: i64,
    pub quota_size_in_bytes: Option<i64>,
}

/// Body of `GET /.well-known/immich`, which clients use to discover the API
/// base path from the server URL the user typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WellKnownImmichResponse {
    pub api: WellKnownApi,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WellKnownApi {
    pub endpoint: String,
}

impl Default for WellKnownImmichResponse {
    fn default() -> Self {
        Self {
            api: WellKnownApi {
                endpoint: "/api".to_owned(),
            },
        }
    }
}
