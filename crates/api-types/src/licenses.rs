//! License DTOs (`/server/license`, `/users/me/license`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseKeyDto {
    pub activation_key: String,
    pub license_key: String,
}
