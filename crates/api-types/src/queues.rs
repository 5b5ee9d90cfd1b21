//! Job queue DTOs: the `/queues` API and the legacy `/jobs` one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatisticsDto {
    pub active: i64,
    pub completed: i64,
    pub delayed: i64,
    pub failed: i64,
    pub paused: i64,
    pub waiting: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueResponseDto {
    pub is_paused: bool,
    pub name: String,
    pub statistics: QueueStatisticsDto,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueUpdateDto {
    #[serde(default)]
    pub is_paused: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueDeleteDto {
    #[serde(default)]
    pub failed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueJobResponseDto {
    pub data: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatusLegacyDto {
    pub is_active: bool,
    pub is_paused: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueResponseLegacyDto {
    pub job_counts: QueueStatisticsDto,
    pub queue_status: QueueStatusLegacyDto,
}

/// One entry per queue name.
pub type QueuesResponseLegacyDto = BTreeMap<String, QueueResponseLegacyDto>;

string_enum! {
    pub enum QueueCommand {
        Start = "start",
        Pause = "pause",
        Resume = "resume",
        Empty = "empty",
        ClearFailed = "clear-failed",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueCommandDto {
    pub command: QueueCommand,
    #[serde(default)]
    pub force: Option<bool>,
}

string_enum! {
    /// Jobs an admin can start by name (`POST /jobs`).
    pub enum ManualJobName {
        PersonCleanup = "person-cleanup",
        TagCleanup = "tag-cleanup",
        UserCleanup = "user-cleanup",
        MemoryCleanup = "memory-cleanup",
        MemoryCreate = "memory-create",
        BackupDatabase = "backup-database",
        IntegrityMissingFiles = "integrity-missing-files",
        IntegrityUntrackedFiles = "integrity-untracked-files",
        IntegrityChecksumMismatch = "integrity-checksum-mismatch",
        IntegrityMissingFilesRefresh = "integrity-missing-files-refresh",
        IntegrityUntrackedFilesRefresh = "integrity-untracked-files-refresh",
        IntegrityChecksumMismatchRefresh = "integrity-checksum-mismatch-refresh",
        IntegrityMissingFilesDeleteAll = "integrity-missing-files-delete-all",
        IntegrityUntrackedFilesDeleteAll = "integrity-untracked-files-delete-all",
        IntegrityChecksumMismatchDeleteAll = "integrity-checksum-mismatch-delete-all",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobCreateDto {
    pub name: ManualJobName,
}
