//! Timeline DTOs: month buckets, and one bucket's assets as parallel arrays.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeBucketsResponseDto {
    /// First day of the month, "YYYY-MM-DD".
    pub time_bucket: String,
    pub count: i64,
}

/// One entry per asset at the same index of every array.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeBucketAssetResponseDto {
    pub id: Vec<String>,
    pub owner_id: Vec<String>,
    pub ratio: Vec<f64>,
    pub is_favorite: Vec<bool>,
    pub visibility: Vec<String>,
    pub is_trashed: Vec<bool>,
    pub is_image: Vec<bool>,
    pub thumbhash: Vec<Option<String>>,
    /// UTC without a zone suffix, as Immich writes it here.
    pub created_at: Vec<String>,
    pub file_created_at: Vec<String>,
    pub local_offset_hours: Vec<f64>,
    /// Milliseconds; null for still images.
    pub duration: Vec<Option<i64>>,
    pub projection_type: Vec<Option<String>>,
    pub live_photo_video_id: Vec<Option<String>>,
    pub city: Vec<Option<String>>,
    pub country: Vec<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<Vec<Option<f64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<Vec<Option<f64>>>,
    /// `[stack id, member count]` for a stack's primary; only with `withStacked=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<Vec<Option<[String; 2]>>>,
}
