//! `/assets/metadata` and `/assets/{id}/metadata`: key/value data clients keep on assets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetMetadataBulkUpsertItemDto {
    pub asset_id: String,
    pub key: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AssetMetadataBulkUpsertDto {
    pub items: Vec<AssetMetadataBulkUpsertItemDto>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetMetadataBulkDeleteItemDto {
    pub asset_id: String,
    pub key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AssetMetadataBulkDeleteDto {
    pub items: Vec<AssetMetadataBulkDeleteItemDto>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AssetMetadataUpsertItemDto {
    pub key: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AssetMetadataUpsertDto {
    pub items: Vec<AssetMetadataUpsertItemDto>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetMetadataResponseDto {
    pub key: String,
    pub value: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetMetadataBulkResponseDto {
    pub asset_id: String,
    pub key: String,
    pub value: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}
