//! Job queues as the admin sees them: status, pause/resume, emptying, starting
//! a queue's work for all or only the missing assets.

use chrono::Utc;
use shoebox_jobs::Queue;
use shoebox_store::records::{AssetIdsFilter, AssetKind, JobRecord, QueueCounts};

use crate::processing::START_PAGE;
use crate::processing::thumbnails::THUMBNAIL;
use crate::processing::video::ENCODED_VIDEO;
use crate::{Domain, DomainError, DomainResult};

pub struct QueueStatus {
    pub queue: Queue,
    pub paused: bool,
    pub counts: QueueCounts,
}

/// Admin commands of Immich's legacy `PUT /jobs/{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueCommand {
    /// Queue the work for every asset (`force`) or only those missing its output.
    Start {
        force: bool,
    },
    Pause,
    Resume,
    Empty,
    ClearFailed,
}

pub fn parse_queue(name: &str) -> DomainResult<Queue> {
    Queue::parse(name).ok_or_else(|| DomainError::BadRequest(format!("Invalid queue name: {name}")))
}

/// The most jobs one listing returns.
const JOB_LIST_LIMIT: i64 = 1000;

impl Domain {
    pub async fn queue_status(&self, queue: Queue) -> DomainResult<QueueStatus> {
        let paused = self.store.jobs.paused_queues().await?;
        Ok(QueueStatus {
            queue,
            paused: paused.iter().any(|q| q == queue.as_str()),
            counts: self.store.jobs.counts(queue.as_str(), Utc::now()).await?,
        })
    }

    pub async fn all_queue_status(&self) -> DomainResult<Vec<QueueStatus>> {
        let mut all = Vec::with_capacity(Queue::ALL.len());
        for queue in Queue::ALL {
            all.push(self.queue_status(*queue).await?);
        }
        Ok(all)
    }

    pub async fn set_queue_paused(&self, queue: Queue, paused: bool) -> DomainResult<QueueStatus> {
        // Background tasks keep the system tidy (trash, sessions); Immich refuses to pause them too.
        if paused && queue == Queue::BackgroundTask {
            return Err(DomainError::BadRequest(
                "The backgroundTask queue cannot be paused".into(),
            ));
        }
        self.store.jobs.set_paused(queue.as_str(), paused).await?;
        self.queue_status(queue).await
    }

    /// Drops waiting jobs, and with `failed` also the failed ones.
    pub async fn empty_queue(&self, queue: Queue, failed: bool) -> DomainResult<()> {
        self.store.jobs.empty(queue.as_str()).await?;
        if failed {
            self.store.jobs.clear_failed(queue.as_str()).await?;
        }
        Ok(())
    }

    pub async fn list_queue_jobs(
        &self,
        queue: Queue,
        statuses: &[String],
    ) -> DomainResult<Vec<JobRecord>> {
        const KNOWN: &[&str] = &[
            "active",
            "failed",
            "completed",
            "delayed",
            "waiting",
            "paused",
        ];
        if let Some(bad) = statuses.iter().find(|s| !KNOWN.contains(&s.as_str())) {
            return Err(DomainError::BadRequest(format!(
                "Invalid job status: {bad}"
            )));
        }
        let statuses: Vec<String> = if statuses.is_empty() {
            KNOWN.iter().map(|s| s.to_string()).collect()
        } else {
            statuses.to_vec()
        };
        Ok(self
            .store
            .jobs
            .list(queue.as_str(), &statuses, Utc::now(), JOB_LIST_LIMIT)
            .await?)
    }

    pub async fn queue_command(
        &self,
        queue: Queue,
        command: QueueCommand,
    ) -> DomainResult<QueueStatus> {
        match command {
            QueueCommand::Pause => return self.set_queue_paused(queue, true).await,
            QueueCommand::Resume => return self.set_queue_paused(queue, false).await,
            QueueCommand::Empty => self.empty_queue(queue, false).await?,
            QueueCommand::ClearFailed => {
                self.store.jobs.clear_failed(queue.as_str()).await?;
            }
            QueueCommand::Start { force } => {
                if self.queue_status(queue).await?.counts.active > 0 {
                    return Err(DomainError::BadRequest("Job is already running".into()));
                }
                self.start_queue(queue, force).await?;
            }
        }
        self.queue_status(queue).await
    }

    /// Queues a queue's work over the library: every asset with `force`,
    /// otherwise only those missing its output. Queues whose processing has
    /// not landed answer as Immich does for a queue that cannot be started.
    async fn start_queue(&self, queue: Queue, force: bool) -> DomainResult<()> {
        match queue {
            Queue::FaceDetection => return self.start_face_detection(force).await,
            Queue::FacialRecognition => return self.start_facial_recognition(force).await,
            Queue::Ocr => return self.start_ocr(force).await,
            Queue::SmartSearch => return self.start_smart_search(force).await,
            Queue::DuplicateDetection => return self.start_duplicate_detection(force).await,
            _ => {}
        }
        let missing = !force;
        let filter = match queue {
            Queue::MetadataExtraction => AssetIdsFilter {
                missing_metadata: missing,
                ..AssetIdsFilter::default()
            },
            Queue::ThumbnailGeneration => AssetIdsFilter {
                missing_file: missing.then_some(THUMBNAIL),
                ..AssetIdsFilter::default()
            },
            Queue::VideoConversion => AssetIdsFilter {
                missing_file: missing.then_some(ENCODED_VIDEO),
                only: Some(AssetKind::Video),
                ..AssetIdsFilter::default()
            },
            // "Missing" discovers sidecars of assets without one; "all" also notices sidecars
            // that went away or moved.
            Queue::Sidecar => AssetIdsFilter {
                missing_sidecar: missing,
                ..AssetIdsFilter::default()
            },
            _ => {
                return Err(DomainError::BadRequest(format!(
                    "Invalid job name: {}",
                    queue.as_str()
                )));
            }
        };
        let mut after = None;
        loop {
            let ids = self
                .store
                .assets
                .ids_page(after, START_PAGE, &filter)
                .await?;
            let Some(last) = ids.last().copied() else {
                return Ok(());
            };
            match queue {
                Queue::MetadataExtraction => self.queue_metadata_extraction(&ids).await?,
                Queue::ThumbnailGeneration => self.queue_thumbnail_generation(&ids).await?,
                Queue::Sidecar => self.queue_sidecar_check(&ids).await?,
                _ => self.queue_video_conversion(&ids).await?,
            }
            after = Some(last);
        }
    }
}
