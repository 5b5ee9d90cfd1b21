//! Session (device login) DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::common::timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponseDto {
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
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether this is the session making the request.
    pub current: bool,
    #[serde(rename = "deviceOS")]
    pub device_os: String,
    pub device_type: String,
    pub app_version: Option<String>,
    pub is_pending_sync_reset: bool,
}

/// Creates a child session of the caller's (e.g. for casting).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCreateDto {
    #[serde(rename = "deviceOS", default, skip_serializing_if = "Option::is_none")]
    pub device_os: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    /// Lifetime in seconds, at least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCreateResponseDto {
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
    pub expires_at: Option<DateTime<Utc>>,
    pub current: bool,
    #[serde(rename = "deviceOS")]
    pub device_os: String,
    pub device_type: String,
    pub app_version: Option<String>,
    pub is_pending_sync_reset: bool,
    /// The new session's bearer token, shown only once.
    pub token: String,
}

impl SessionCreateResponseDto {
    pub fn new(session: SessionResponseDto, token: impl Into<String>) -> Self {
        Self {
            id: session.id,
            created_at: session.created_at,
            updated_at: session.updated_at,
            expires_at: session.expires_at,
            current: session.current,
            device_os: session.device_os,
            device_type: session.device_type,
            app_version: session.app_version,
            is_pending_sync_reset: session.is_pending_sync_reset,
            token: token.into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUpdateDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_pending_sync_reset: Option<bool>,
}
