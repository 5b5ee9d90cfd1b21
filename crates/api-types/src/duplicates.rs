//! Duplicates DTOs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::assets::AssetResponseDto;

/// One near-duplicate group, `GET /duplicates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateResponseDto {
    pub assets: Vec<AssetResponseDto>,
    pub duplicate_id: String,
    pub suggested_keep_asset_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateResolveGroupDto {
    pub duplicate_id: Uuid,
    pub keep_asset_ids: Vec<Uuid>,
    pub trash_asset_ids: Vec<Uuid>,
}

/// `POST /duplicates/resolve`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateResolveDto {
    pub groups: Vec<DuplicateResolveGroupDto>,
}
