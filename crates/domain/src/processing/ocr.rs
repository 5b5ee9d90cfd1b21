//! The ocr queue: text read in each asset's preview, stored line by line with its box and
//! scores, and as the words the `ocr` search filter looks in. As in Immich it follows the
//! preview, `start` with `force` forgets every result first, and hidden assets (the video
//! half of a live photo) are skipped.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use shoebox_jobs::{JobError, JobHandler, Queue};
use shoebox_ml::OcrRequest;
use shoebox_store::ocr::{OcrRecord, search_tokens};
use shoebox_store::records::JobRecord;
use uuid::Uuid;

use super::{START_PAGE, asset_id_of, ml_job_error, read_preview, store_err};
use crate::auth::AuthContext;
use crate::{Domain, DomainResult};

/// Immich's job name.
pub const OCR_JOB: &str = "Ocr";

impl Domain {
    /// The OCR request in force, or `None` when OCR is off (disabled in the system
    /// configuration, or no runtime or model here).
    pub async fn ocr_request(&self) -> DomainResult<Option<OcrRequest>> {
        let config = self.system_config().await?.machine_learning;
        let ocr = &config.ocr;
        let on = config.enabled
            && ocr.enabled
            && self
                .ml
                .as_ref()
                .is_some_and(|ml| ml.ocr_ready(&ocr.model_name));
        Ok(on.then(|| {
            OcrRequest::for_model(
                &ocr.model_name,
                ocr.min_detection_score as f32,
                ocr.min_recognition_score as f32,
                ocr.max_resolution,
            )
        }))
    }

    /// Queues OCR for these assets (once each while pending).
    pub async fn queue_ocr(&self, ids: &[Uuid]) -> DomainResult<()> {
        self.queue_asset_jobs(Queue::Ocr, OCR_JOB, "ocr", ids).await
    }

    /// `start` on ocr: every asset with a preview (`force`, after forgetting what was read),
    /// or those never read. Nothing is queued while OCR is off.
    pub async fn start_ocr(&self, force: bool) -> DomainResult<()> {
        if self.ocr_request().await?.is_none() {
            tracing::info!("OCR is off: nothing to read");
            return Ok(());
        }
        if force {
            self.store.ocr.delete_all().await?;
        }
        let mut after = None;
        loop {
            let ids = self
                .store
                .ocr
                .assets_to_read(after, START_PAGE, !force)
                .await?;
            let Some(last) = ids.last().copied() else {
                return Ok(());
            };
            self.queue_ocr(&ids).await?;
            after = Some(last);
        }
    }

    /// `GET /assets/{id}/ocr`: the lines read in an asset the caller may see.
    pub async fn asset_ocr(&self, auth: &AuthContext, id: Uuid) -> DomainResult<Vec<OcrRecord>> {
        self.get_asset(auth, id, "asset.read").await?;
        Ok(self.store.ocr.of_asset(id).await?)
    }
}

pub struct ReadText {
    pub domain: Domain,
}

#[async_trait]
impl JobHandler for ReadText {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        let id = asset_id_of(job)?;
        let domain = &self.domain;
        let (Some(request), Some(ml)) = (
            domain.ocr_request().await.map_err(store_err)?,
            domain.ml.clone(),
        ) else {
            return Ok(());
        };
        let Some(asset) = domain.store.assets.get(id).await.map_err(store_err)? else {
            return Ok(());
        };
        if asset.visibility == "hidden" {
            return Ok(());
        }
        let bytes = read_preview(domain, id, "read text in").await?;
        let analysis = ml
            .ocr(bytes, &request)
            .await
            .map_err(|e| ml_job_error("OCR", e))?;
        let mut words = Vec::new();
        let lines: Vec<OcrRecord> = analysis
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                words.extend(search_tokens(&line.text));
                let [[x1, y1], [x2, y2], [x3, y3], [x4, y4]] =
                    line.corners.map(|p| p.map(f64::from));
                OcrRecord {
                    id: Uuid::new_v4(),
                    asset_id: id,
                    line: i as i64,
                    x1,
                    y1,
                    x2,
                    y2,
                    x3,
                    y3,
                    x4,
                    y4,
                    box_score: f64::from(line.box_score),
                    text_score: f64::from(line.text_score),
                    text: line.text.clone(),
                }
            })
            .collect();
        domain
            .store
            .ocr
            .replace(id, &lines, &words.join(" "), Utc::now())
            .await
            .map_err(store_err)?;
        Ok(())
    }
}

pub fn handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(ReadText {
        domain: domain.clone(),
    })
}
