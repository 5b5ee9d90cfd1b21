//! Download DTOs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadInfoDto {
    #[serde(default)]
    pub album_id: Option<Uuid>,
    #[serde(default)]
    pub archive_size: Option<i64>,
    #[serde(default)]
    pub asset_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub user_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadArchiveInfo {
    pub asset_ids: Vec<String>,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadResponseDto {
    pub archives: Vec<DownloadArchiveInfo>,
    pub total_size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadArchiveDto {
    pub asset_ids: Vec<Uuid>,
    /// Edited versions are not made by Shoebox; originals are sent either way.
    #[serde(default)]
    pub edited: Option<bool>,
}
