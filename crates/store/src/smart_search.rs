//! CLIP embeddings of assets, the vector index smart search ranks them with, and the
//! near-duplicate groups found with them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::StoreResult;
use crate::records::{AssetRecord, AssetSearch};

/// An asset close to a searched embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorMatch {
    pub asset_id: Uuid,
    /// The asset's duplicate group, if it is in one.
    pub duplicate_id: Option<Uuid>,
    /// Cosine distance, 0 (same direction) to 2.
    pub distance: f32,
}

/// Embeddings and the nearest-neighbour search over them. One implementation keeps an
/// in-memory index beside the SQL table (SQLite, and PostgreSQL without pgvector); another
/// lets pgvector rank inside PostgreSQL.
#[async_trait]
pub trait SmartSearchRepo: Send + Sync {
    /// Which index answers searches (`memory`, `pgvector`), for logs and benchmarks.
    fn index_kind(&self) -> &'static str;

    /// Stores (replaces) an asset's embedding.
    async fn upsert(&self, asset_id: Uuid, embedding: &[f32]) -> StoreResult<()>;

    async fn get(&self, asset_id: Uuid) -> StoreResult<Option<Vec<f32>>>;

    /// Forgets every embedding (the CLIP model changed; each must be made again).
    async fn clear(&self) -> StoreResult<()>;

    /// A page of assets after `after` in id order that have a preview, are not trashed and
    /// not hidden; only those without an embedding when `missing`.
    async fn assets_to_encode(
        &self,
        after: Option<Uuid>,
        limit: i64,
        missing: bool,
    ) -> StoreResult<Vec<Uuid>>;

    /// The assets `search` finds (its scope and filters), nearest to `embedding` first; its
    /// `offset` and `limit` give the page.
    async fn search(
        &self,
        search: &AssetSearch,
        embedding: &[f32],
    ) -> StoreResult<Vec<AssetRecord>>;

    /// Up to `limit` other assets of `owner_id` of the same type, neither trashed, hidden,
    /// locked nor stacked, within `max_distance` of `embedding`, nearest first.
    async fn near_duplicates(
        &self,
        asset_id: Uuid,
        owner_id: Uuid,
        asset_type: &str,
        embedding: &[f32],
        max_distance: f32,
        limit: usize,
    ) -> StoreResult<Vec<VectorMatch>>;
}

/// Near-duplicate groups: assets sharing a `duplicate_id`.
#[async_trait]
pub trait DuplicateRepo: Send + Sync {
    /// A page of assets with an embedding after `after` in id order; only those never
    /// checked when `missing`.
    async fn assets_to_check(
        &self,
        after: Option<Uuid>,
        limit: i64,
        missing: bool,
    ) -> StoreResult<Vec<Uuid>>;

    /// Puts `asset_ids`, and every asset of the groups `merged_groups`, into group `target`.
    async fn merge(
        &self,
        target: Uuid,
        asset_ids: &[Uuid],
        merged_groups: &[Uuid],
    ) -> StoreResult<()>;

    /// Sets (or clears) the group of these assets.
    async fn set_group(&self, asset_ids: &[Uuid], duplicate_id: Option<Uuid>) -> StoreResult<()>;

    /// Records that duplicate detection ran for these assets.
    async fn mark_checked(&self, asset_ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()>;

    /// The owner's groups of at least two assets not trashed, each with its assets; groups
    /// left with one such asset are dissolved first.
    async fn groups(&self, owner_id: Uuid) -> StoreResult<Vec<(Uuid, Vec<AssetRecord>)>>;

    /// The assets (not trashed) of one group of the owner; empty when there is no such group.
    async fn group(&self, owner_id: Uuid, duplicate_id: Uuid) -> StoreResult<Vec<AssetRecord>>;

    /// Takes the owner's assets out of these groups (they stay, no longer duplicates).
    async fn dismiss(&self, owner_id: Uuid, duplicate_ids: &[Uuid]) -> StoreResult<()>;
}
