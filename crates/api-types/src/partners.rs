//! Partner sharing DTOs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::users::UserResponseDto;

string_enum! {
    /// `shared-by`: partners the caller shares with; `shared-with`: partners sharing with them.
    pub enum PartnerDirection {
        SharedBy = "shared-by",
        SharedWith = "shared-with",
    }
}

/// The other user of a partnership: the user as everywhere else, and the timeline choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerResponseDto {
    #[serde(flatten)]
    pub user: UserResponseDto,
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
