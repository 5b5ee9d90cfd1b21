//! Shoebox's services: what the API does, independent of HTTP and SQL.

pub mod albums;
pub mod api_keys;
pub mod asset_metadata;
pub mod assets;
pub mod auth;
pub mod downloads;
pub mod duplicates;
mod error;
pub mod events;
pub mod map;
pub mod memories;
pub mod nightly;
pub mod notifications;
pub mod oauth;
pub mod partners;
pub mod people;
pub mod processing;
pub mod profile_images;
pub mod queues;
pub mod search;
mod secrets;
pub mod server_info;
pub mod sessions;
pub mod shared_links;
pub mod smart_search;
pub mod stacks;
pub mod storage;
pub mod sync;
pub mod system_config;
pub mod tags;
pub mod timeline;
pub mod uploads;
pub mod users;

use std::sync::Arc;

pub use error::{DomainError, DomainResult};
use shoebox_jobs::JobWake;
use shoebox_store::Store;
pub use storage::{MediaPaths, Storage, UploadPart};

/// ffmpeg/ffprobe processes at once; the video queues' own concurrency is the usual bound,
/// this only keeps a misconfiguration from starting dozens of encoders.
const MAX_VIDEO_TOOLS: usize = 4;

/// Everything a request handler needs: the store, the file storage and settings.
#[derive(Clone)]
pub struct Domain {
    pub store: Store,
    pub storage: Arc<Storage>,
    /// Wakes this process's idle workers when a job is queued here.
    pub job_wake: Arc<JobWake>,
    /// The one way ffmpeg and ffprobe are run in this process.
    pub video_tools: shoebox_media::video::ToolRunner,
    /// The system configuration once loaded; an update replaces it.
    system_config_cache: Arc<system_config::SystemConfigCache>,
    /// Machine learning, in this process or over HTTP; `None` when it is off.
    pub ml: Option<Arc<dyn shoebox_ml::MachineLearning>>,
    /// Recent smart-search text embeddings.
    embedding_cache: Arc<smart_search::EmbeddingCache>,
    /// Where live events go: to this process's socket.io clients, and with a shared
    /// database to the other processes' too.
    pub events: Arc<dyn events::EventBus>,
}

impl Domain {
    pub fn new(store: Store, storage: Storage) -> Self {
        Self {
            store,
            storage: Arc::new(storage),
            job_wake: Arc::new(JobWake::default()),
            video_tools: shoebox_media::video::ToolRunner::new(MAX_VIDEO_TOOLS)
                .with_nice(shoebox_jobs::BACKGROUND_NICE),
            system_config_cache: Arc::default(),
            ml: None,
            embedding_cache: Arc::default(),
            events: Arc::new(events::LocalEventBus::default()),
        }
    }

    /// The same domain publishing its events on `events` (the database's channel when
    /// other processes share it).
    pub fn with_events(mut self, events: Arc<dyn events::EventBus>) -> Self {
        self.events = events;
        self
    }

    /// The same domain with machine learning (faces, and later CLIP and OCR) from `ml`.
    pub fn with_ml(mut self, ml: Option<Arc<dyn shoebox_ml::MachineLearning>>) -> Self {
        self.ml = ml;
        self
    }
}
