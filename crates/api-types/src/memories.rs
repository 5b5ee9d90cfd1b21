//! Memory DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::assets::AssetResponseDto;
use crate::common::timestamp;

string_enum! {
    pub enum MemoryType {
        OnThisDay = "on_this_day",
    }
}

string_enum! {
    pub enum MemorySearchOrder {
        Asc = "asc",
        Desc = "desc",
        Random = "random",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryResponseDto {
    pub id: String,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "timestamp::option"
    )]
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(with = "timestamp")]
    pub memory_at: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "timestamp::option"
    )]
    pub seen_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "timestamp::option"
    )]
    pub show_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "timestamp::option"
    )]
    pub hide_at: Option<DateTime<Utc>>,
    pub owner_id: String,
    #[serde(rename = "type")]
    pub memory_type: MemoryType,
    pub data: serde_json::Value,
    pub is_saved: bool,
    pub assets: Vec<AssetResponseDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnThisDayDto {
    pub year: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryCreateDto {
    #[serde(rename = "type")]
    pub memory_type: MemoryType,
    pub data: OnThisDayDto,
    #[serde(with = "timestamp")]
    pub memory_at: DateTime<Utc>,
    #[serde(default)]
    pub asset_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub is_saved: Option<bool>,
    #[serde(default, with = "timestamp::option")]
    pub seen_at: Option<DateTime<Utc>>,
    #[serde(default, with = "timestamp::option")]
    pub show_at: Option<DateTime<Utc>>,
    #[serde(default, with = "timestamp::option")]
    pub hide_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryUpdateDto {
    #[serde(default)]
    pub is_saved: Option<bool>,
    #[serde(default, with = "timestamp::option")]
    pub memory_at: Option<DateTime<Utc>>,
    #[serde(default, with = "timestamp::option")]
    pub seen_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryStatisticsResponseDto {
    pub total: i64,
}
