//! API key DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::common::timestamp;
use crate::permission::Permission;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreateDto {
    /// Immich names unnamed keys "API Key".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyResponseDto {
    pub id: String,
    pub name: String,
    pub permissions: Vec<Permission>,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
}

/// SDK 3.2.2 expects the key's fields both nested under `apiKey` and at the
/// top level; build it with [`ApiKeyCreateResponseDto::new`] to keep the two
/// copies identical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreateResponseDto {
    pub secret: String,
    pub api_key: ApiKeyResponseDto,
    pub id: String,
    pub name: String,
    pub permissions: Vec<Permission>,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
}

impl ApiKeyCreateResponseDto {
    pub fn new(api_key: ApiKeyResponseDto, secret: impl Into<String>) -> Self {
        Self {
            secret: secret.into(),
            id: api_key.id.clone(),
            name: api_key.name.clone(),
            permissions: api_key.permissions.clone(),
            created_at: api_key.created_at,
            updated_at: api_key.updated_at,
            api_key,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyUpdateDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<Permission>>,
}
