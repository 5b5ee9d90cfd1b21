//! Partner sharing DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::timestamp;
use crate::users::UserAvatarColor;

string_enum! {
    /// `shared-by`: partners the caller shares with; `shared-with`: partners sharing with them.
    pub enum PartnerDirection {
        SharedBy = "shared-by",
        SharedWith = "shared-with",
    }
}

/// The other user of a partnership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerResponseDto {
    pub id: String,
    pub name: String,
    pub email: String,
    pub profile_image_path: String,
    pub avatar_color: UserAvatarColor,
    #[serde(with = "timestamp")]
    pub profile_changed_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_timeline: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerCreateDto {
    pub shared_with_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerUpdateDto {
    pub in_timeline: bool,
}
