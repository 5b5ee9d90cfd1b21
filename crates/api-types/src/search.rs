//! Search DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::albums::{AlbumResponseDto, AssetOrder};
use crate::assets::{AssetResponseDto, AssetTypeEnum, AssetVisibility};

/// `POST /search/metadata`: every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataSearchDto {
    #[serde(default)]
    pub album_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default)]
    pub created_after: Option<DateTime<Utc>>,
    #[serde(default)]
    pub created_before: Option<DateTime<Utc>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub device_id: Option<String>,
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub is_favorite: Option<bool>,
    #[serde(default)]
    pub is_not_in_album: Option<bool>,
    #[serde(default)]
    pub order: Option<AssetOrder>,
    #[serde(default)]
    pub original_file_name: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
    /// Assets showing every one of these people.
    #[serde(default)]
    pub person_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub size: Option<i64>,
    /// Every one must match (or a descendant); `null` asks for untagged assets.
    #[serde(
        default,
        deserialize_with = "crate::common::double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub tag_ids: Option<Option<Vec<Uuid>>>,
    #[serde(default)]
    pub taken_after: Option<DateTime<Utc>>,
    #[serde(default)]
    pub taken_before: Option<DateTime<Utc>>,
    #[serde(default)]
    pub trashed_after: Option<DateTime<Utc>>,
    #[serde(default)]
    pub trashed_before: Option<DateTime<Utc>>,
    #[serde(default, rename = "type")]
    pub asset_type: Option<AssetTypeEnum>,
    #[serde(default)]
    pub updated_after: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_before: Option<DateTime<Utc>>,
    #[serde(default)]
    pub visibility: Option<AssetVisibility>,
    #[serde(default)]
    pub with_deleted: Option<bool>,
    #[serde(default)]
    pub with_exif: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchFacetCountResponseDto {
    pub count: i64,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchFacetResponseDto {
    pub counts: Vec<SearchFacetCountResponseDto>,
    pub field_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchAlbumResponseDto {
    pub count: i64,
    pub facets: Vec<SearchFacetResponseDto>,
    pub items: Vec<AlbumResponseDto>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchAssetResponseDto {
    pub count: i64,
    pub facets: Vec<SearchFacetResponseDto>,
    pub items: Vec<AssetResponseDto>,
    pub next_cursor: Option<String>,
    pub next_page: Option<String>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponseDto {
    pub albums: SearchAlbumResponseDto,
    pub assets: SearchAssetResponseDto,
}
