//! The smartSearch queue: a CLIP embedding of each asset's preview, queued after its
//! thumbnails as Immich does, stored for smart search; duplicate detection follows.

use std::sync::Arc;

use async_trait::async_trait;
use shoebox_jobs::{JobError, JobHandler, Queue};
use shoebox_store::records::JobRecord;
use uuid::Uuid;

use super::{START_PAGE, asset_id_of, ml_job_error, read_preview, store_err};
use crate::{Domain, DomainResult};

pub const ENCODE_JOB: &str = "SmartSearch";

impl Domain {
    /// The CLIP model in force, or `None` when smart search is off (disabled in the system
    /// configuration, or no runtime or model here).
    pub async fn clip_model(&self) -> DomainResult<Option<String>> {
        let config = self.system_config().await?.machine_learning;
        let clip = &config.clip;
        let on = config.enabled
            && clip.enabled
            && self
                .ml
                .as_ref()
                .is_some_and(|ml| ml.clip_ready(&clip.model_name));
        Ok(on.then(|| clip.model_name.clone()))
    }

    /// Queues CLIP encoding for these assets (once each while pending).
    pub async fn queue_smart_search(&self, ids: &[Uuid]) -> DomainResult<()> {
        self.queue_asset_jobs(Queue::SmartSearch, ENCODE_JOB, "clip", ids)
            .await
    }

    /// `start` on smartSearch: every asset with a preview (`force`), or those without an
    /// embedding. Nothing is queued while smart search is off.
    pub async fn start_smart_search(&self, force: bool) -> DomainResult<()> {
        if self.clip_model().await?.is_none() {
            tracing::info!("smart search is off: nothing to encode");
            return Ok(());
        }
        let mut after = None;
        loop {
            let ids = self
                .store
                .smart_search
                .assets_to_encode(after, START_PAGE, !force)
                .await?;
            let Some(last) = ids.last().copied() else {
                return Ok(());
            };
            self.queue_smart_search(&ids).await?;
            after = Some(last);
        }
    }
}

pub struct EncodeClip {
    pub domain: Domain,
}

#[async_trait]
impl JobHandler for EncodeClip {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        let id = asset_id_of(job)?;
        let domain = &self.domain;
        let (Some(model), Some(ml)) = (
            domain.clip_model().await.map_err(store_err)?,
            domain.ml.clone(),
        ) else {
            return Ok(());
        };
        let Some(asset) = domain.store.assets.get(id).await.map_err(store_err)? else {
            return Ok(());
        };
        // Immich leaves hidden assets (the video half of a live photo) out of search.
        if asset.visibility == "hidden" {
            return Ok(());
        }
        let bytes = read_preview(domain, id, "encode").await?;
        let embedding = ml
            .encode_image(bytes, &model)
            .await
            .map_err(|e| ml_job_error("CLIP encoding", e))?;
        domain
            .store
            .smart_search
            .upsert(id, &embedding)
            .await
            .map_err(store_err)?;
        if domain
            .duplicate_max_distance()
            .await
            .map_err(store_err)?
            .is_some()
        {
            domain
                .queue_duplicate_detection(&[id])
                .await
                .map_err(store_err)?;
        }
        Ok(())
    }
}

pub fn handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(EncodeClip {
        domain: domain.clone(),
    })
}
