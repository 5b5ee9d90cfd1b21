//! The duplicateDetection queue, after smartSearch as in Immich: an asset whose CLIP
//! embedding lies within `machineLearning.duplicateDetection.maxDistance` of others of its
//! owner (same type, not trashed, hidden, locked or stacked) joins their group; groups it
//! touches merge into one; an asset with no near duplicates leaves its group.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use shoebox_jobs::{JobError, JobHandler, Queue};
use shoebox_store::records::JobRecord;
use uuid::Uuid;

use super::{START_PAGE, asset_id_of, store_err};
use crate::{Domain, DomainResult};

pub const DETECT_JOB: &str = "AssetDetectDuplicates";

/// Candidates examined per asset.
const CANDIDATES: usize = 64;
impl Domain {
    /// The distance within which assets are duplicates, or `None` when duplicate detection
    /// is off (it needs smart search's embeddings).
    pub async fn duplicate_max_distance(&self) -> DomainResult<Option<f32>> {
        let config = self.system_config().await?.machine_learning;
        if !config.duplicate_detection.enabled || self.clip_model().await?.is_none() {
            return Ok(None);
        }
        Ok(Some(config.duplicate_detection.max_distance as f32))
    }

    pub async fn queue_duplicate_detection(&self, ids: &[Uuid]) -> DomainResult<()> {
        self.queue_asset_jobs(Queue::DuplicateDetection, DETECT_JOB, "duplicates", ids)
            .await
    }

    /// `start` on duplicateDetection: every asset with an embedding (`force`), or those
    /// never checked.
    pub async fn start_duplicate_detection(&self, force: bool) -> DomainResult<()> {
        if self.duplicate_max_distance().await?.is_none() {
            tracing::info!("duplicate detection is off: nothing to check");
            return Ok(());
        }
        let mut after = None;
        loop {
            let ids = self
                .store
                .duplicates
                .assets_to_check(after, START_PAGE, !force)
                .await?;
            let Some(last) = ids.last().copied() else {
                return Ok(());
            };
            self.queue_duplicate_detection(&ids).await?;
            after = Some(last);
        }
    }
}

pub struct DetectDuplicates {
    pub domain: Domain,
}

#[async_trait]
impl JobHandler for DetectDuplicates {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        let id = asset_id_of(job)?;
        let domain = &self.domain;
        let store = &domain.store;
        let Some(max_distance) = domain.duplicate_max_distance().await.map_err(store_err)? else {
            return Ok(());
        };
        let Some(asset) = store.assets.get(id).await.map_err(store_err)? else {
            return Ok(());
        };
        if asset.deleted_at.is_some()
            || matches!(asset.visibility.as_str(), "hidden" | "locked")
            || store
                .stacks
                .of_asset(id)
                .await
                .map_err(store_err)?
                .is_some()
        {
            return Ok(());
        }
        let Some(embedding) = store.smart_search.get(id).await.map_err(store_err)? else {
            return Err(JobError::permanent("asset has no CLIP embedding"));
        };
        let matches = store
            .smart_search
            .near_duplicates(
                id,
                asset.owner_id,
                asset.kind.as_str(),
                &embedding,
                max_distance,
                CANDIDATES,
            )
            .await
            .map_err(store_err)?;
        let mut checked = vec![id];
        if matches.is_empty() {
            if asset.duplicate_id.is_some() {
                store
                    .duplicates
                    .set_group(&[id], None)
                    .await
                    .map_err(store_err)?;
            }
        } else {
            // Keep the asset's own group, else the first group a match is in, else a new
            // one; every other group touched merges into it.
            let mut groups: BTreeSet<Uuid> =
                matches.iter().filter_map(|m| m.duplicate_id).collect();
            let target = asset
                .duplicate_id
                .or_else(|| matches.iter().find_map(|m| m.duplicate_id))
                .unwrap_or_else(Uuid::new_v4);
            groups.remove(&target);
            let mut moved: Vec<Uuid> = matches
                .iter()
                .filter(|m| m.duplicate_id != Some(target))
                .map(|m| m.asset_id)
                .collect();
            moved.push(id);
            let merged: Vec<Uuid> = groups.into_iter().collect();
            store
                .duplicates
                .merge(target, &moved, &merged)
                .await
                .map_err(store_err)?;
            checked = moved;
        }
        store
            .duplicates
            .mark_checked(&checked, Utc::now())
            .await
            .map_err(store_err)?;
        Ok(())
    }
}

pub fn handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(DetectDuplicates {
        domain: domain.clone(),
    })
}
