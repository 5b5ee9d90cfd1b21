//! Notification DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{double_option, timestamp};

string_enum! {
    pub enum NotificationLevel {
        Success = "success",
        Error = "error",
        Warning = "warning",
        Info = "info",
    }
}

string_enum! {
    pub enum NotificationType {
        JobFailed = "JobFailed",
        BackupFailed = "BackupFailed",
        SystemMessage = "SystemMessage",
        AlbumInvite = "AlbumInvite",
        AlbumUpdate = "AlbumUpdate",
        ClusterGroupRequest = "ClusterGroupRequest",
        Custom = "Custom",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDto {
    pub id: String,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    pub level: NotificationLevel,
    #[serde(rename = "type")]
    pub notification_type: NotificationType,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "timestamp::option"
    )]
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationCreateDto {
    pub user_id: Uuid,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub level: Option<NotificationLevel>,
    #[serde(default, rename = "type")]
    pub notification_type: Option<NotificationType>,
    #[serde(default)]
    pub data: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, with = "timestamp::option")]
    pub read_at: Option<DateTime<Utc>>,
}

/// `readAt`: absent leaves it, `null` marks unread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationUpdateDto {
    #[serde(default, deserialize_with = "double_option::deserialize")]
    pub read_at: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationUpdateAllDto {
    pub ids: Vec<Uuid>,
    #[serde(default, deserialize_with = "double_option::deserialize")]
    pub read_at: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDeleteAllDto {
    pub ids: Vec<Uuid>,
}
