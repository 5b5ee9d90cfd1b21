//! Key/value data clients keep on an asset (the iOS app keeps its cloud ids under `mobile-app`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::StoreResult;

#[derive(Debug, Clone, PartialEq)]
pub struct AssetMetadataRecord {
    pub asset_id: Uuid,
    pub key: String,
    /// A JSON object.
    pub value: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
pub trait AssetMetadataRepo: Send + Sync {
    /// Inserts or replaces each (asset, key) in one transaction.
    async fn upsert(&self, items: &[AssetMetadataRecord]) -> StoreResult<()>;
    /// Removes each (asset, key); missing ones are no error.
    async fn delete(&self, items: &[(Uuid, String)]) -> StoreResult<()>;
    async fn list(&self, asset_id: Uuid) -> StoreResult<Vec<AssetMetadataRecord>>;
}
