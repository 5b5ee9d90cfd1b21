//! Background processing of assets: what each queue does with a job.

pub mod duplicates;
pub mod faces;
pub mod metadata;
mod motion_photo;
pub mod ocr;
pub mod sidecar;
pub mod smart_search;
mod tagged_faces;
pub mod thumbnails;
pub mod video;

use std::path::PathBuf;
use std::sync::Arc;

use shoebox_jobs::{JobError, Queue, Workers, enqueue};
use shoebox_ml::MlError;
use shoebox_store::records::JobRecord;
use uuid::Uuid;

use crate::system_config::ConfiguredConcurrency;
use crate::{Domain, DomainResult};

/// Adds this build's job handlers to `workers`. How many jobs of a queue run
/// at once follows the system configuration's `job.<queue>.concurrency`, so
/// an admin's change reaches the running workers.
pub fn register(workers: Workers, domain: &Domain) -> Workers {
    let metadata = Queue::MetadataExtraction;
    let thumbnails = Queue::ThumbnailGeneration;
    workers
        .handle(
            metadata,
            metadata::handler(domain),
            metadata.default_concurrency(),
        )
        .handle(
            thumbnails,
            thumbnails::handler(domain),
            thumbnails.default_concurrency(),
        )
        .handle(
            Queue::VideoConversion,
            video::handler(domain),
            Queue::VideoConversion.default_concurrency(),
        )
        .handle(
            Queue::Sidecar,
            sidecar::handler(domain),
            Queue::Sidecar.default_concurrency(),
        )
        .handle(
            Queue::BackgroundTask,
            crate::memories::handler(domain),
            Queue::BackgroundTask.default_concurrency(),
        )
        .handle(
            Queue::FaceDetection,
            faces::detect_handler(domain),
            Queue::FaceDetection.default_concurrency(),
        )
        .handle(
            Queue::FacialRecognition,
            faces::recognize_handler(domain),
            Queue::FacialRecognition.default_concurrency(),
        )
        .handle(
            Queue::Ocr,
            ocr::handler(domain),
            Queue::Ocr.default_concurrency(),
        )
        .handle(
            Queue::SmartSearch,
            smart_search::handler(domain),
            Queue::SmartSearch.default_concurrency(),
        )
        .handle(
            Queue::DuplicateDetection,
            duplicates::handler(domain),
            Queue::DuplicateDetection.default_concurrency(),
        )
        .limits(Arc::new(ConfiguredConcurrency(domain.clone())))
}

impl Domain {
    /// Queues one `name` job per asset on `queue`, at most one pending per
    /// asset (`<key>:<asset id>`), and wakes this process's idle workers.
    async fn queue_asset_jobs(
        &self,
        queue: Queue,
        name: &str,
        key: &str,
        ids: &[Uuid],
    ) -> DomainResult<()> {
        for id in ids {
            let payload = serde_json::json!({ "assetId": id });
            enqueue(
                &self.store,
                queue,
                name,
                payload,
                Some(format!("{key}:{id}")),
            )
            .await?;
        }
        self.job_wake.queue(queue);
        Ok(())
    }
}

/// Assets queued per round trip when a queue is started over the library.
pub(crate) const START_PAGE: i64 = 1000;

/// A failure of the store (or of anything else that may pass on a later try).
fn store_err(e: impl std::fmt::Display) -> JobError {
    JobError::transient(e.to_string())
}

/// A failure of the ML side: bad pictures, refused requests and bad model files fail for
/// good; anything else (a service down, a timeout) may pass. `what` names the task.
fn ml_job_error(what: &str, e: MlError) -> JobError {
    match e {
        MlError::Image(_) | MlError::BadRequest(_) | MlError::ModelLayout { .. } => {
            JobError::permanent(format!("{what} failed: {e}"))
        }
        _ => JobError::transient(format!("{what} failed: {e}")),
    }
}

/// The bytes of an asset's preview, which every ML job reads; `purpose` ends the message
/// when there is none ("asset has no preview to …").
async fn read_preview(domain: &Domain, asset_id: Uuid, purpose: &str) -> Result<Vec<u8>, JobError> {
    let path = domain
        .preview_path(asset_id)
        .await
        .map_err(store_err)?
        .ok_or_else(|| JobError::permanent(format!("asset has no preview to {purpose}")))?
        .map_err(|e| JobError::permanent(e.to_string()))?;
    tokio::fs::read(&path)
        .await
        .map_err(|e| JobError::permanent(format!("cannot read preview: {e}")))
}

impl Domain {
    /// Where an asset's preview is: `None` when it has none, an error inside when its stored
    /// path leads outside the generated files.
    pub(crate) async fn preview_path(
        &self,
        asset_id: Uuid,
    ) -> DomainResult<Option<std::io::Result<PathBuf>>> {
        let files = self.store.assets.files_of(asset_id).await?;
        Ok(files
            .iter()
            .find(|f| f.kind == thumbnails::PREVIEW)
            .map(|preview| self.storage.generated_abs(&preview.path)))
    }
}

/// The asset a job is about; a job without one can never succeed.
fn asset_id_of(job: &JobRecord) -> Result<Uuid, JobError> {
    job.payload["assetId"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| JobError::permanent(format!("job {} has no assetId", job.id)))
}
