//! Receiving an upload: bytes go straight to a staging file while their SHA-1
//! is computed, so no upload is ever held in memory.

use std::path::PathBuf;

use sha1::{Digest, Sha1};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::storage::UploadPart;
use crate::{Domain, DomainError, DomainResult};

/// A staging file being written. Dropping it unfinished deletes the file.
pub struct UploadWriter {
    asset_id: Uuid,
    path: PathBuf,
    file: Option<tokio::fs::File>,
    hasher: Sha1,
    size: u64,
    max_size: u64,
    head: Vec<u8>,
}

/// A complete, durable staging file.
pub struct StagedUpload {
    pub asset_id: Uuid,
    pub path: PathBuf,
    pub sha1: [u8; 20],
    pub size: u64,
    /// The first bytes, for recognising the format.
    pub head: Vec<u8>,
    finished: bool,
}

const HEAD_LEN: usize = 64;

impl Domain {
    /// Refuses an upload the disk cannot hold; returns the free space.
    pub fn check_free_space(&self, expected_size: Option<u64>) -> DomainResult<u64> {
        let available = self.storage.disk_usage()?.available;
        if expected_size.is_some_and(|s| s > available) {
            return Err(DomainError::InsufficientStorage(
                "Not enough free disk space".into(),
            ));
        }
        Ok(available)
    }

    /// Starts a staging file for part of a new asset; refuses when the disk
    /// cannot hold `expected_size`.
    pub async fn begin_upload(
        &self,
        asset_id: Uuid,
        part: UploadPart,
        expected_size: Option<u64>,
    ) -> DomainResult<UploadWriter> {
        let available = self.check_free_space(expected_size)?;
        let path = self.storage.staging_path(asset_id, part);
        let file = tokio::fs::File::create(&path).await?;
        Ok(UploadWriter {
            asset_id,
            path,
            file: Some(file),
            hasher: Sha1::new(),
            size: 0,
            max_size: available,
            head: Vec::with_capacity(HEAD_LEN),
        })
    }
}

impl UploadWriter {
    pub async fn write(&mut self, chunk: &[u8]) -> DomainResult<()> {
        self.size += chunk.len() as u64;
        if self.size > self.max_size {
            return Err(DomainError::InsufficientStorage(
                "Not enough free disk space".into(),
            ));
        }
        if self.head.len() < HEAD_LEN {
            let take = (HEAD_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        let file = self.file.as_mut().expect("writer is open until finished");
        file.write_all(chunk).await?;
        Ok(())
    }

    /// Flushes and fsyncs the staging file.
    pub async fn finish(mut self) -> DomainResult<StagedUpload> {
        let mut file = self.file.take().expect("writer is open until finished");
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        Ok(StagedUpload {
            asset_id: self.asset_id,
            path: std::mem::take(&mut self.path),
            sha1: self.hasher.clone().finalize().into(),
            size: self.size,
            head: std::mem::take(&mut self.head),
            finished: false,
        })
    }
}

impl Drop for UploadWriter {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl StagedUpload {
    /// Marks the file as moved into place, so dropping no longer deletes it.
    pub(crate) fn committed(&mut self) {
        self.finished = true;
    }
}

impl Drop for StagedUpload {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
