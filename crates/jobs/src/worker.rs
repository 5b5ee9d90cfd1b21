//! Workers: claim due jobs from the database, run them, record the outcome.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use shoebox_store::Store;
use shoebox_store::records::JobRecord;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::Queue;

/// Why a job did not finish.
#[derive(Debug, Clone)]
pub struct JobError {
    pub message: String,
    /// Whether running it again may help (a timeout may; a corrupt file will not).
    pub retryable: bool,
}

impl JobError {
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
        }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: true,
        }
    }
}

#[async_trait]
pub trait JobHandler: Send + Sync {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError>;
}

/// Which queues this process works on, with what, and how many at once.
#[derive(Default)]
pub struct Workers {
    handlers: HashMap<Queue, (Arc<dyn JobHandler>, usize)>,
    lease: Option<Duration>,
    idle_poll: Option<Duration>,
}

const DEFAULT_LEASE: Duration = Duration::from_secs(600);
const DEFAULT_IDLE_POLL: Duration = Duration::from_secs(1);

/// Retry delay after the `attempt`-th failure: 5 s, 10 s, 20 s … at most 10 minutes.
fn backoff(attempt: i64) -> Duration {
    let exponent = attempt.clamp(1, 8) as u32 - 1;
    Duration::from_secs(5 * 2u64.pow(exponent)).min(Duration::from_secs(600))
}

impl Workers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `queue`'s jobs with `handler`, `concurrency` at a time.
    pub fn handle(
        mut self,
        queue: Queue,
        handler: Arc<dyn JobHandler>,
        concurrency: usize,
    ) -> Self {
        self.handlers.insert(queue, (handler, concurrency.max(1)));
        self
    }

    /// How long a job may run before another worker may take it over.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    /// How long an idle worker waits before looking for jobs again, unless woken.
    pub fn idle_poll(mut self, every: Duration) -> Self {
        self.idle_poll = Some(every);
        self
    }

    /// Starts the workers; `wake` lets enqueuers in this process skip the idle wait.
    pub fn start(self, store: Store, worker_id: String, wake: Arc<Notify>) -> WorkerPool {
        let (stop_tx, stop_rx) = watch::channel(false);
        let lease = self.lease.unwrap_or(DEFAULT_LEASE);
        let idle = self.idle_poll.unwrap_or(DEFAULT_IDLE_POLL);
        let mut tasks = Vec::new();
        for (queue, (handler, concurrency)) in self.handlers {
            for slot in 0..concurrency {
                let slot = Slot {
                    store: store.clone(),
                    queue,
                    handler: handler.clone(),
                    worker: format!("{worker_id}/{}/{slot}", queue.as_str()),
                    lease,
                    idle,
                    wake: wake.clone(),
                    stop: stop_rx.clone(),
                };
                tasks.push(tokio::spawn(slot.run()));
            }
        }
        WorkerPool {
            stop: stop_tx,
            tasks,
        }
    }
}

/// Running workers; `shutdown` lets current jobs finish.
pub struct WorkerPool {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// One worker loop on one queue.
struct Slot {
    store: Store,
    queue: Queue,
    handler: Arc<dyn JobHandler>,
    worker: String,
    lease: Duration,
    idle: Duration,
    wake: Arc<Notify>,
    stop: watch::Receiver<bool>,
}

impl Slot {
    async fn run(mut self) {
        while !*self.stop.borrow() {
            let worked = match self.step().await {
                Ok(worked) => worked,
                Err(e) => {
                    tracing::warn!(queue = self.queue.as_str(), error = %e, "job queue unavailable");
                    false
                }
            };
            if !worked {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.idle) => {}
                    _ = self.stop.changed() => {}
                }
            }
        }
    }

    /// Runs at most one job; returns whether there was one.
    async fn step(&self) -> Result<bool, shoebox_store::StoreError> {
        let jobs = &self.store.jobs;
        if jobs
            .paused_queues()
            .await?
            .iter()
            .any(|q| q == self.queue.as_str())
        {
            return Ok(false);
        }
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(self.lease).expect("lease fits");
        let Some(job) = jobs
            .claim(self.queue.as_str(), &self.worker, now, lease_until)
            .await?
        else {
            return Ok(false);
        };
        let outcome = match tokio::time::timeout(self.lease, self.handler.run(&job)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(JobError::transient(format!(
                "timed out after {:?}",
                self.lease
            ))),
        };
        let now = Utc::now();
        match outcome {
            Ok(()) => jobs.complete(job.id, now).await?,
            Err(e) => {
                let retry_at = (e.retryable && job.attempts < job.max_attempts).then(|| {
                    now + chrono::Duration::from_std(backoff(job.attempts)).expect("backoff fits")
                });
                tracing::warn!(
                    queue = self.queue.as_str(),
                    job = %job.id,
                    name = job.name,
                    attempt = job.attempts,
                    retry = retry_at.is_some(),
                    "job failed: {}", e.message
                );
                jobs.fail(job.id, &e.message, retry_at, now).await?;
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_ten_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(10));
        assert_eq!(backoff(3), Duration::from_secs(20));
        assert_eq!(backoff(50), Duration::from_secs(600));
    }
}
