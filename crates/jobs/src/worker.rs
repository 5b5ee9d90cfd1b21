//! Workers: claim due jobs from the database, run them, record the outcome.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use shoebox_store::Store;
use shoebox_store::records::JobRecord;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::{JobWake, Queue};

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

/// How many jobs of a queue may run at once. Asked again before every claim,
/// so a changed setting reaches a running pool without a restart.
#[async_trait]
pub trait ConcurrencyLimits: Send + Sync {
    async fn concurrency(&self, queue: Queue) -> usize;
}

/// Which queues this process works on, with what, and how many at once.
#[derive(Default)]
pub struct Workers {
    handlers: HashMap<Queue, (Arc<dyn JobHandler>, usize)>,
    limits: Option<Arc<dyn ConcurrencyLimits>>,
    lease: Option<Duration>,
    deadline: Option<Duration>,
    idle_poll: Option<Duration>,
}

/// A running job's lease, which its process's heartbeat keeps moving ahead: a process that
/// dies stops beating, and its jobs are taken over this long after (BullMQ notices stalled
/// jobs within about 30 s too).
const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// How long one job may run: a video transcode can take hours; any other job that runs for
/// ten minutes is stuck.
fn default_deadline(queue: Queue) -> Duration {
    match queue {
        Queue::VideoConversion => Duration::from_secs(6 * 3600),
        _ => Duration::from_secs(600),
    }
}
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

    /// Runs `queue`'s jobs with `handler`, `concurrency` at a time unless
    /// [`Workers::limits`] gives a source that decides.
    pub fn handle(
        mut self,
        queue: Queue,
        handler: Arc<dyn JobHandler>,
        concurrency: usize,
    ) -> Self {
        self.handlers.insert(queue, (handler, concurrency.max(1)));
        self
    }

    /// Takes every queue's concurrency from `limits` instead of the fixed numbers.
    pub fn limits(mut self, limits: Arc<dyn ConcurrencyLimits>) -> Self {
        self.limits = Some(limits);
        self
    }

    /// How long a running job stays leased without a heartbeat of this process: after a
    /// crash, its jobs are taken over this long after the last beat.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    /// How long any one job may run before it fails (and is retried); by default ten
    /// minutes, six hours for video.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How long an idle worker waits before looking for jobs again, unless woken.
    pub fn idle_poll(mut self, every: Duration) -> Self {
        self.idle_poll = Some(every);
        self
    }

    /// Starts the workers; `wake` lets enqueuers in this process skip the idle wait,
    /// and lets a changed concurrency limit be seen at once. `worker_id` must be unique to
    /// this process instance: the heartbeat extends the leases of every job claimed under it.
    pub fn start(self, store: Store, worker_id: String, wake: Arc<JobWake>) -> WorkerPool {
        let (stop_tx, stop_rx) = watch::channel(false);
        let lease = self.lease.unwrap_or(DEFAULT_LEASE);
        let idle = self.idle_poll.unwrap_or(DEFAULT_IDLE_POLL);
        let mut tasks = Vec::new();
        let heartbeat = tokio::spawn(heartbeat(
            store.clone(),
            format!("{worker_id}/"),
            lease,
            stop_rx.clone(),
        ));
        for (queue, (handler, fixed)) in self.handlers {
            let dispatcher = Dispatcher {
                runner: Arc::new(Runner {
                    store: store.clone(),
                    queue,
                    handler,
                    lease,
                    deadline: self.deadline.unwrap_or_else(|| default_deadline(queue)),
                }),
                limit: match &self.limits {
                    Some(source) => Limit::From(source.clone()),
                    None => Limit::Fixed(fixed),
                },
                worker: format!("{worker_id}/{}", queue.as_str()),
                idle,
                wake: wake.clone(),
                stop: stop_rx.clone(),
            };
            tasks.push(tokio::spawn(dispatcher.run()));
        }
        WorkerPool {
            stop: stop_tx,
            tasks,
            heartbeat,
        }
    }
}

/// Keeps this process's running jobs leased: every third of a lease, their leases move a
/// whole lease ahead; and fails the jobs whose process died on every attempt. Beats until
/// the pool is gone, that is after a shutdown's jobs finished.
async fn heartbeat(store: Store, prefix: String, lease: Duration, mut stop: watch::Receiver<bool>) {
    let every = lease / 3;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            changed = stop.changed() => if changed.is_err() { break } else { continue },
        }
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(lease).expect("lease fits");
        if let Err(e) = store.jobs.extend_leases(&prefix, until).await {
            tracing::warn!(error = %e, "could not extend this process's job leases");
        }
        match store.jobs.fail_abandoned(now).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                jobs = n,
                "failed jobs whose worker stopped on every attempt"
            ),
            Err(e) => tracing::warn!(error = %e, "could not fail abandoned jobs"),
        }
    }
}

/// Running workers; `shutdown` lets current jobs finish.
pub struct WorkerPool {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    heartbeat: JoinHandle<()>,
}

impl WorkerPool {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        // The jobs have finished: the heartbeat may stop.
        drop(self.stop);
        let _ = self.heartbeat.await;
    }
}

enum Limit {
    Fixed(usize),
    From(Arc<dyn ConcurrencyLimits>),
}

/// One queue's claim loop: claims while fewer jobs run than the queue's limit
/// and runs each claimed job on a task of its own. A lowered limit lets
/// running jobs finish and claims nothing until they are below it.
struct Dispatcher {
    runner: Arc<Runner>,
    limit: Limit,
    /// Prefix of the name each job is claimed under; a slot number completes it.
    worker: String,
    idle: Duration,
    wake: Arc<JobWake>,
    stop: watch::Receiver<bool>,
}

impl Dispatcher {
    async fn limit(&self) -> usize {
        match &self.limit {
            Limit::Fixed(n) => *n,
            Limit::From(source) => source.concurrency(self.runner.queue).await.max(1),
        }
    }

    async fn run(mut self) {
        // Each running job holds a slot number, so the worker names a job was
        // claimed under stay `<id>/<queue>/<slot>` with slots reused.
        let mut running: JoinSet<usize> = JoinSet::new();
        let mut busy: Vec<bool> = Vec::new();
        while !*self.stop.borrow() {
            let mut claimed = false;
            if running.len() < self.limit().await {
                let slot = busy.iter().position(|b| !b).unwrap_or(busy.len());
                let worker = format!("{}/{slot}", self.worker);
                match self.runner.claim(&worker).await {
                    Ok(Some(job)) => {
                        if slot == busy.len() {
                            busy.push(true);
                        } else {
                            busy[slot] = true;
                        }
                        let runner = self.runner.clone();
                        running.spawn(async move {
                            runner.run(job).await;
                            slot
                        });
                        claimed = true;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(queue = self.runner.queue.as_str(), error = %e, "job queue unavailable");
                    }
                }
            }
            if claimed {
                continue;
            }
            tokio::select! {
                Some(done) = running.join_next(), if !running.is_empty() => {
                    Self::free(&mut busy, done);
                }
                _ = self.wake.notified(self.runner.queue) => {}
                _ = tokio::time::sleep(self.idle) => {}
                // A dropped pool stops its workers like a shutdown.
                changed = self.stop.changed() => if changed.is_err() { break },
            }
        }
        while let Some(done) = running.join_next().await {
            Self::free(&mut busy, done);
        }
    }

    /// A job task that panicked frees no slot number; its job stays leased
    /// until the lease runs out and another worker takes it over.
    fn free(busy: &mut [bool], done: Result<usize, tokio::task::JoinError>) {
        match done {
            Ok(slot) => busy[slot] = false,
            Err(e) => tracing::error!(error = %e, "job task ended abnormally"),
        }
    }
}

/// Claims and runs one queue's jobs and records their outcome.
struct Runner {
    store: Store,
    queue: Queue,
    handler: Arc<dyn JobHandler>,
    lease: Duration,
    deadline: Duration,
}

impl Runner {
    /// The next due job, unless the queue is paused.
    async fn claim(&self, worker: &str) -> Result<Option<JobRecord>, shoebox_store::StoreError> {
        let jobs = &self.store.jobs;
        if jobs
            .paused_queues()
            .await?
            .iter()
            .any(|q| q == self.queue.as_str())
        {
            return Ok(None);
        }
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(self.lease).expect("lease fits");
        jobs.claim(self.queue.as_str(), worker, now, lease_until)
            .await
    }

    async fn run(&self, job: JobRecord) {
        if let Err(e) = self.run_and_record(&job).await {
            // The job stays leased; once the lease runs out it is run again.
            tracing::warn!(queue = self.queue.as_str(), job = %job.id, error = %e, "job outcome not recorded");
        }
    }

    async fn run_and_record(&self, job: &JobRecord) -> Result<(), shoebox_store::StoreError> {
        let jobs = &self.store.jobs;
        let outcome = match tokio::time::timeout(self.deadline, self.handler.run(job)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(JobError::transient(format!(
                "timed out after {:?}",
                self.deadline
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
        Ok(())
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
