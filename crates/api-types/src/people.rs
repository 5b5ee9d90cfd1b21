//! People and face DTOs: who appears in which asset, and where.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{double_option, timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonResponseDto {
    pub id: String,
    pub name: String,
    /// `YYYY-MM-DD`, or null.
    pub birth_date: Option<NaiveDate>,
    pub thumbnail_path: String,
    pub is_hidden: bool,
    pub is_favorite: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
}

/// `GET /people`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeopleResponseDto {
    pub total: i64,
    pub hidden: i64,
    pub people: Vec<PersonResponseDto>,
    pub has_next_page: bool,
}

/// `GET /search/person` query.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPeopleDto {
    pub name: String,
    #[serde(default)]
    pub with_hidden: Option<bool>,
}

/// `GET /people` query.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeopleQuery {
    #[serde(default)]
    pub with_hidden: Option<bool>,
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub size: Option<u32>,
    #[serde(default)]
    pub closest_person_id: Option<Uuid>,
    #[serde(default)]
    pub closest_asset_id: Option<Uuid>,
}

/// `POST /people`, `PUT /people/{id}` and the items of `PUT /people`: a missing field is
/// left alone, a `null` birth date or colour clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonUpdateDto {
    /// Only in the items of `PUT /people`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub birth_date: Option<Option<NaiveDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hidden: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_favorite: Option<bool>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub color: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_face_asset_id: Option<Uuid>,
}

/// `PUT /people`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeopleUpdateDto {
    pub people: Vec<PersonUpdateDto>,
}

/// `POST /people/{id}/merge`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergePersonDto {
    pub ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetFaceUpdateItem {
    pub asset_id: Uuid,
    pub person_id: Uuid,
}

/// `PUT /people/{id}/reassign`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetFaceUpdateDto {
    pub data: Vec<AssetFaceUpdateItem>,
}

/// `GET /people/{id}/statistics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonStatisticsResponseDto {
    pub assets: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetFaceResponseDto {
    pub id: String,
    pub image_width: i32,
    pub image_height: i32,
    #[serde(rename = "boundingBoxX1")]
    pub bounding_box_x1: i32,
    #[serde(rename = "boundingBoxY1")]
    pub bounding_box_y1: i32,
    #[serde(rename = "boundingBoxX2")]
    pub bounding_box_x2: i32,
    #[serde(rename = "boundingBoxY2")]
    pub bounding_box_y2: i32,
    pub person: Option<PersonResponseDto>,
    /// `machine-learning`, `exif` or `manual`.
    pub source_type: String,
}

/// `GET /faces?id=<asset id>`.
#[derive(Debug, Clone, Deserialize)]
pub struct FacesQuery {
    pub id: Uuid,
}

/// `POST /faces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetFaceCreateDto {
    pub asset_id: Uuid,
    pub person_id: Uuid,
    pub image_width: i32,
    pub image_height: i32,
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

/// `PUT /faces/{id}`: the person the face moves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceDto {
    pub id: Uuid,
}

/// `DELETE /faces/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetFaceDeleteDto {
    pub force: bool,
}
