//! `/system-config/*` DTOs other than the configuration itself, whose typed
//! form lives in the domain crate (`shoebox_domain::system_config`).

use serde::{Deserialize, Serialize};

/// The tokens and presets Immich's storage template editor offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemConfigTemplateStorageOptionDto {
    pub day_options: Vec<String>,
    pub hour_options: Vec<String>,
    pub minute_options: Vec<String>,
    pub month_options: Vec<String>,
    pub preset_options: Vec<String>,
    pub second_options: Vec<String>,
    pub week_options: Vec<String>,
    pub year_options: Vec<String>,
}
