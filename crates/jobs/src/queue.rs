//! Immich's queue names, and how jobs are put on them.

use chrono::Utc;
use shoebox_store::records::JobRecord;
use shoebox_store::{Store, StoreResult};
use uuid::Uuid;

macro_rules! queues {
    ($($variant:ident = $name:literal, concurrency $c:literal;)*) => {
        /// A named queue, as Immich's API and configuration call it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Queue {
            $($variant,)*
        }

        impl Queue {
            pub const ALL: &'static [Queue] = &[$(Queue::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Queue::$variant => $name,)*
                }
            }

            /// Immich's default number of jobs run at once.
            pub fn default_concurrency(self) -> usize {
                match self {
                    $(Queue::$variant => $c,)*
                }
            }

            pub fn parse(name: &str) -> Option<Queue> {
                match name {
                    $($name => Some(Queue::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

queues! {
    ThumbnailGeneration = "thumbnailGeneration", concurrency 3;
    MetadataExtraction = "metadataExtraction", concurrency 5;
    VideoConversion = "videoConversion", concurrency 1;
    FaceDetection = "faceDetection", concurrency 2;
    FacialRecognition = "facialRecognition", concurrency 1;
    SmartSearch = "smartSearch", concurrency 2;
    DuplicateDetection = "duplicateDetection", concurrency 1;
    BackgroundTask = "backgroundTask", concurrency 5;
    StorageTemplateMigration = "storageTemplateMigration", concurrency 1;
    Migration = "migration", concurrency 5;
    Search = "search", concurrency 5;
    Sidecar = "sidecar", concurrency 5;
    Library = "library", concurrency 5;
    Notifications = "notifications", concurrency 5;
    BackupDatabase = "backupDatabase", concurrency 1;
    Ocr = "ocr", concurrency 1;
    Workflow = "workflow", concurrency 5;
    IntegrityCheck = "integrityCheck", concurrency 1;
    Editor = "editor", concurrency 2;
}

/// How many times a job runs before it fails for good.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 3;

/// Puts a job on `queue`. With a `dedupe_key`, nothing is added while a job
/// with the same key is waiting or running; returns whether it was added.
pub async fn enqueue(
    store: &Store,
    queue: Queue,
    name: &str,
    payload: serde_json::Value,
    dedupe_key: Option<String>,
) -> StoreResult<bool> {
    let now = Utc::now();
    store
        .jobs
        .enqueue(&JobRecord {
            id: Uuid::new_v4(),
            queue: queue.as_str().to_string(),
            name: name.to_string(),
            payload,
            dedupe_key,
            status: "waiting".into(),
            attempts: 0,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            run_at: now,
            lease_until: None,
            worker: None,
            last_error: None,
            created_at: now,
            updated_at: now,
        })
        .await
}
