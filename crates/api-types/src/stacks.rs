//! Stack DTOs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::assets::AssetResponseDto;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackCreateDto {
    /// The first becomes the primary.
    pub asset_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackUpdateDto {
    #[serde(default)]
    pub primary_asset_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackResponseDto {
    pub id: String,
    pub primary_asset_id: String,
    pub assets: Vec<AssetResponseDto>,
}
