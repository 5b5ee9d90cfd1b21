//! Search DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::albums::{AlbumResponseDto, AssetOrder};
use crate::assets::{AssetResponseDto, AssetTypeEnum, AssetVisibility};

/// The filters every asset search shares (metadata, random, statistics, large assets, smart).
/// Each field narrows the result; for the nullable metadata fields `null` asks for assets
/// without a value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchFilterDto {
    /// The asset is in every one of these albums.
    #[serde(default)]
    pub album_ids: Option<Vec<Uuid>>,
    #[serde(
        default,
        deserialize_with = "crate::common::double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub city: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::common::double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub country: Option<Option<String>>,
    #[serde(default)]
    pub created_after: Option<DateTime<Utc>>,
    #[serde(default)]
    pub created_before: Option<DateTime<Utc>>,
    #[serde(default)]
    pub is_encoded: Option<bool>,
    #[serde(default)]
    pub is_favorite: Option<bool>,
    #[serde(default)]
    pub is_motion: Option<bool>,
    #[serde(default)]
    pub is_not_in_album: Option<bool>,
    #[serde(default)]
    pub is_offline: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::common::double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub lens_model: Option<Option<String>>,
    #[serde(default)]
    pub library_id: Option<Uuid>,
    #[serde(
        default,
        deserialize_with = "crate::common::double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub make: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::common::double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub model: Option<Option<String>>,
    #[serde(default)]
    pub ocr: Option<String>,
    #[serde(default)]
    pub person_ids: Option<Vec<Uuid>>,
    /// 1–5, -1 for rejected, `null` for unrated.
    #[serde(
        default,
        deserialize_with = "crate::common::double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub rating: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "crate::common::double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<Option<String>>,
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
}

/// `POST /search/metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataSearchDto {
    #[serde(flatten)]
    pub filter: SearchFilterDto,
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub device_id: Option<String>,
    #[serde(default)]
    pub encoded_video_path: Option<String>,
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub order: Option<AssetOrder>,
    #[serde(default)]
    pub original_file_name: Option<String>,
    #[serde(default)]
    pub original_path: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub preview_path: Option<String>,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub thumbnail_path: Option<String>,
    #[serde(default)]
    pub with_deleted: Option<bool>,
    #[serde(default)]
    pub with_exif: Option<bool>,
    #[serde(default)]
    pub with_people: Option<bool>,
    #[serde(default)]
    pub with_stacked: Option<bool>,
}

/// `POST /search/random`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RandomSearchDto {
    #[serde(flatten)]
    pub filter: SearchFilterDto,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub with_deleted: Option<bool>,
    #[serde(default)]
    pub with_exif: Option<bool>,
    #[serde(default)]
    pub with_people: Option<bool>,
    #[serde(default)]
    pub with_stacked: Option<bool>,
}

/// `POST /search/statistics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsSearchDto {
    #[serde(flatten)]
    pub filter: SearchFilterDto,
    #[serde(default)]
    pub description: Option<String>,
}

/// `POST /search/large-assets`, whose filters come in the query string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LargeAssetSearchDto {
    #[serde(flatten)]
    pub filter: SearchFilterDto,
    #[serde(default)]
    pub min_file_size: Option<i64>,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub with_deleted: Option<bool>,
    #[serde(default)]
    pub with_exif: Option<bool>,
}

impl LargeAssetSearchDto {
    /// Query keys that carry several values (`albumIds=a&albumIds=b`).
    pub const LIST_KEYS: &[&str] = &["albumIds", "personIds", "tagIds"];
    /// Query keys whose values are numbers.
    pub const NUMBER_KEYS: &[&str] = &["minFileSize", "rating", "size"];
    /// Query keys whose values are `true`/`false`.
    pub const BOOL_KEYS: &[&str] = &[
        "isEncoded",
        "isFavorite",
        "isMotion",
        "isNotInAlbum",
        "isOffline",
        "withDeleted",
        "withExif",
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchStatisticsResponseDto {
    pub total: i64,
}

string_enum! {
    pub enum SearchSuggestionType {
        Country = "country",
        State = "state",
        City = "city",
        CameraMake = "camera-make",
        CameraModel = "camera-model",
        CameraLensModel = "camera-lens-model",
    }
}

/// `GET /search/suggestions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchSuggestionRequestDto {
    #[serde(rename = "type")]
    pub suggestion_type: SearchSuggestionType,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub make: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub lens_model: Option<String>,
    #[serde(default)]
    pub include_null: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchExploreItem {
    pub data: AssetResponseDto,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchExploreResponseDto {
    pub field_name: String,
    pub items: Vec<SearchExploreItem>,
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

/// `POST /search/smart`: a text (`query`) or an asset's picture (`queryAssetId`) to rank by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmartSearchDto {
    #[serde(flatten)]
    pub filter: SearchFilterDto,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub query_asset_id: Option<Uuid>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub with_deleted: Option<bool>,
    #[serde(default)]
    pub with_exif: Option<bool>,
}
