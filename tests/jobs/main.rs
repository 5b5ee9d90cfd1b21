//! The durable job queue on both backends: claiming, leases, retries, workers.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::json;
use shoebox_jobs::JobWake;
use shoebox_jobs::{ConcurrencyLimits, JobError, JobHandler, Queue, Workers, enqueue};
use shoebox_store::Store;
use shoebox_store::records::JobRecord;
use shoebox_tests::db_stories;
use tokio::sync::Semaphore;

db_stories!(
    concurrent_claims_never_hand_out_a_job_twice,
    a_job_whose_lease_ran_out_is_claimed_again,
    a_job_that_kills_its_worker_every_time_fails_after_its_attempts,
    a_heartbeat_keeps_only_its_own_process_jobs_leased,
    a_job_running_past_its_lease_is_kept_while_its_process_beats,
    failed_job_waits_for_its_retry_time_then_fails_for_good,
    dedupe_key_keeps_one_pending_job_per_key,
    workers_run_every_job_to_completion,
    permanent_errors_fail_at_once_with_their_reason,
    paused_queue_is_not_worked_until_resumed,
    a_changed_concurrency_limit_applies_to_the_running_pool,
);

const Q: &str = "metadataExtraction";

async fn add(store: &Store, n: usize) {
    for i in 0..n {
        assert!(
            enqueue(
                store,
                Queue::MetadataExtraction,
                "test",
                json!({"i": i}),
                None
            )
            .await
            .unwrap()
        );
    }
}

/// Claims the next job of the test queue for `worker` at `at`, leased until `until`.
async fn claim(
    store: &Store,
    worker: &str,
    at: chrono::DateTime<Utc>,
    until: chrono::DateTime<Utc>,
) -> Option<JobRecord> {
    store.jobs.claim(Q, worker, at, until).await.unwrap()
}

fn secs(s: i64) -> chrono::Duration {
    chrono::Duration::seconds(s)
}

async fn concurrent_claims_never_hand_out_a_job_twice(store: &Store) {
    add(store, 40).await;
    let claimers = (0..6).map(|w| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(job) =
                claim(&store, &format!("w{w}"), Utc::now(), Utc::now() + secs(60)).await
            {
                got.push(job.id);
            }
            got
        })
    });
    let mut all = Vec::new();
    for c in claimers {
        all.extend(c.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 40, "every job claimed");
    assert_eq!(unique.len(), 40, "no job claimed twice");
    assert_eq!(store.jobs.counts(Q, Utc::now()).await.unwrap().active, 40);
}

async fn a_job_whose_lease_ran_out_is_claimed_again(store: &Store) {
    add(store, 1).await;
    let now = Utc::now();
    let first = claim(store, "dies", now, now + secs(30)).await.unwrap();
    assert!(
        claim(store, "other", now + secs(1), now + secs(60))
            .await
            .is_none()
    );
    // The first worker never reports back; after its lease another takes over.
    let later = now + secs(31);
    let again = claim(store, "other", later, later + secs(30))
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.attempts, 2);
    assert_eq!(again.worker.as_deref(), Some("other"));
}

async fn a_heartbeat_keeps_only_its_own_process_jobs_leased(store: &Store) {
    add(store, 2).await;
    let now = Utc::now();
    let mine = claim(store, "p1/q/0", now, now + secs(30)).await.unwrap();
    // A prefix that a host name's `_` could fake under LIKE.
    let theirs = claim(store, "p1_x/q/0", now, now + secs(30)).await.unwrap();
    store
        .jobs
        .extend_leases("p1/", now + secs(60))
        .await
        .unwrap();
    let later = now + secs(31);
    let taken = claim(store, "other", later, later + secs(30))
        .await
        .unwrap();
    assert_eq!(
        taken.id, theirs.id,
        "the job without a heartbeat is taken over"
    );
    assert!(
        claim(store, "other", later, later + secs(30))
            .await
            .is_none()
    );
    assert_eq!(store.jobs.get(mine.id).await.unwrap().unwrap().attempts, 1);
}

/// Runs for `hold` and counts its runs.
struct Slow {
    hold: Duration,
    runs: AtomicUsize,
}

#[async_trait]
impl JobHandler for Slow {
    async fn run(&self, _job: &JobRecord) -> Result<(), JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.hold).await;
        Ok(())
    }
}

async fn a_job_running_past_its_lease_is_kept_while_its_process_beats(store: &Store) {
    let slow = Arc::new(Slow {
        hold: Duration::from_secs(4),
        runs: AtomicUsize::new(0),
    });
    let pool = Workers::new()
        .handle(Queue::MetadataExtraction, slow.clone(), 1)
        .lease(Duration::from_secs(1))
        .idle_poll(Duration::from_millis(20))
        .start(
            store.clone(),
            "beating".into(),
            Arc::new(JobWake::default()),
        );
    add(store, 1).await;
    eventually(store, |c| c.active == 1).await;
    // Well past the 1 s lease, another process finds nothing to take over.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = Utc::now();
        assert!(claim(store, "other", now, now + secs(1)).await.is_none());
    }
    eventually(store, |c| c.completed == 1).await;
    pool.shutdown().await;
    assert_eq!(slow.runs.load(Ordering::SeqCst), 1);
}

async fn a_job_that_kills_its_worker_every_time_fails_after_its_attempts(store: &Store) {
    add(store, 1).await;
    let mut now = Utc::now();
    for _ in 0..3 {
        assert!(claim(store, "dies", now, now + secs(10)).await.is_some());
        now += secs(11);
    }
    assert!(claim(store, "next", now, now + secs(10)).await.is_none());
    // A heartbeat's sweep fails it, saying why.
    assert_eq!(store.jobs.fail_abandoned(now).await.unwrap(), 1);
    let counts = store.jobs.counts(Q, now).await.unwrap();
    assert_eq!((counts.failed, counts.active, counts.waiting), (1, 0, 0));
    let failed = store
        .jobs
        .list(Q, &["failed".into()], now, 10)
        .await
        .unwrap();
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("the worker stopped while running this job")
    );
}

async fn failed_job_waits_for_its_retry_time_then_fails_for_good(store: &Store) {
    add(store, 1).await;
    let now = Utc::now();
    let job = claim(store, "w", now, now + secs(60)).await.unwrap();
    store
        .jobs
        .fail(job.id, "flaky", Some(now + secs(20)), now)
        .await
        .unwrap();
    assert_eq!(store.jobs.counts(Q, now).await.unwrap().delayed, 1);
    assert!(
        claim(store, "w", now + secs(5), now + secs(60))
            .await
            .is_none()
    );
    let retry = claim(store, "w", now + secs(21), now + secs(80))
        .await
        .unwrap();
    assert_eq!(retry.attempts, 2);
    store
        .jobs
        .fail(retry.id, "still broken", None, now + secs(22))
        .await
        .unwrap();
    let stored = store.jobs.get(job.id).await.unwrap().unwrap();
    assert_eq!(stored.status, "failed");
    assert_eq!(stored.last_error.as_deref(), Some("still broken"));
    assert!(
        claim(store, "w", now + secs(3600), now + secs(4000))
            .await
            .is_none()
    );
    assert_eq!(store.jobs.clear_failed(Q).await.unwrap(), 1);
}

async fn dedupe_key_keeps_one_pending_job_per_key(store: &Store) {
    let key = Some("metadata:asset-1".to_string());
    let queue = Queue::MetadataExtraction;
    assert!(
        enqueue(store, queue, "m", json!({}), key.clone())
            .await
            .unwrap()
    );
    assert!(
        !enqueue(store, queue, "m", json!({}), key.clone())
            .await
            .unwrap()
    );
    let now = Utc::now();
    let job = claim(store, "w", now, now + secs(60)).await.unwrap();
    assert!(
        !enqueue(store, queue, "m", json!({}), key.clone())
            .await
            .unwrap(),
        "running counts as pending"
    );
    store.jobs.complete(job.id, now).await.unwrap();
    assert!(
        enqueue(store, queue, "m", json!({}), key).await.unwrap(),
        "a finished job frees its key"
    );
}

/// Records the payloads it ran; fails as told.
struct Recorder {
    ran: Mutex<Vec<serde_json::Value>>,
    fail_with: Option<JobError>,
}

#[async_trait]
impl JobHandler for Recorder {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        self.ran.lock().unwrap().push(job.payload.clone());
        match &self.fail_with {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

fn recorder(fail_with: Option<JobError>) -> Arc<Recorder> {
    Arc::new(Recorder {
        ran: Mutex::new(Vec::new()),
        fail_with,
    })
}

/// Waits until `done` holds, failing the story after 20 s.
async fn eventually(store: &Store, done: impl Fn(&shoebox_store::records::QueueCounts) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let counts = store.jobs.counts(Q, Utc::now()).await.unwrap();
        if done(&counts) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "queue never got there: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn workers_run_every_job_to_completion(store: &Store) {
    let handler = recorder(None);
    let wake = Arc::new(JobWake::default());
    let pool = Workers::new()
        .handle(Queue::MetadataExtraction, handler.clone(), 3)
        .start(store.clone(), "test".into(), wake.clone());
    add(store, 25).await;
    wake.queue(Queue::MetadataExtraction);
    eventually(store, |c| c.completed == 25).await;
    pool.shutdown().await;
    let mut seen: Vec<i64> = handler
        .ran
        .lock()
        .unwrap()
        .iter()
        .map(|p| p["i"].as_i64().unwrap())
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        (0..25).collect::<Vec<_>>(),
        "each job ran exactly once"
    );
}

async fn permanent_errors_fail_at_once_with_their_reason(store: &Store) {
    let handler = recorder(Some(JobError::permanent("not an image: corrupt header")));
    let pool = Workers::new()
        .handle(Queue::MetadataExtraction, handler.clone(), 1)
        .idle_poll(Duration::from_millis(20))
        .start(store.clone(), "test".into(), Arc::new(JobWake::default()));
    add(store, 1).await;
    eventually(store, |c| c.failed == 1).await;
    pool.shutdown().await;
    assert_eq!(
        handler.ran.lock().unwrap().len(),
        1,
        "no retry for a permanent error"
    );
}

async fn paused_queue_is_not_worked_until_resumed(store: &Store) {
    store.jobs.set_paused(Q, true).await.unwrap();
    let handler = recorder(None);
    let pool = Workers::new()
        .handle(Queue::MetadataExtraction, handler.clone(), 2)
        .idle_poll(Duration::from_millis(20))
        .start(store.clone(), "test".into(), Arc::new(JobWake::default()));
    add(store, 3).await;
    // An absence can only be observed over time: many idle polls pass.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        handler.ran.lock().unwrap().is_empty(),
        "a paused queue runs nothing"
    );
    assert_eq!(store.jobs.counts(Q, Utc::now()).await.unwrap().waiting, 3);
    store.jobs.set_paused(Q, false).await.unwrap();
    eventually(store, |c| c.completed == 3).await;
    pool.shutdown().await;
}

/// Holds every job until the story lets it go, counting how many run at once.
struct Gate {
    running: AtomicUsize,
    most: AtomicUsize,
    release: Semaphore,
}

#[async_trait]
impl JobHandler for Gate {
    async fn run(&self, _job: &JobRecord) -> Result<(), JobError> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        self.release.acquire().await.expect("gate open").forget();
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A limit the story turns while the pool runs, as an admin's PUT would.
struct Dial(AtomicUsize);

#[async_trait]
impl ConcurrencyLimits for Dial {
    async fn concurrency(&self, _queue: Queue) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Waits until `gate` has `n` jobs running, failing the story after 20 s.
async fn running(gate: &Gate, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while gate.running.load(Ordering::SeqCst) != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never {n} running, {} are",
            gate.running.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn a_changed_concurrency_limit_applies_to_the_running_pool(store: &Store) {
    let gate = Arc::new(Gate {
        running: AtomicUsize::new(0),
        most: AtomicUsize::new(0),
        release: Semaphore::new(0),
    });
    let dial = Arc::new(Dial(AtomicUsize::new(1)));
    let wake = Arc::new(JobWake::default());
    // The fixed 5 is what the dial overrides.
    let pool = Workers::new()
        .handle(Queue::MetadataExtraction, gate.clone(), 5)
        .limits(dial.clone())
        .idle_poll(Duration::from_millis(20))
        .start(store.clone(), "test".into(), wake.clone());
    add(store, 6).await;
    running(&gate, 1).await;
    // An absence can only be observed over time: many idle polls pass.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(gate.running.load(Ordering::SeqCst), 1, "limit 1 holds");

    dial.0.store(3, Ordering::SeqCst);
    wake.queue(Queue::MetadataExtraction);
    running(&gate, 3).await;

    // Lowered below what runs: those finish, and no more start until fewer run.
    dial.0.store(1, Ordering::SeqCst);
    gate.release.add_permits(1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        gate.running.load(Ordering::SeqCst),
        2,
        "nothing new while over the limit"
    );
    gate.release.add_permits(2);
    running(&gate, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        gate.running.load(Ordering::SeqCst),
        1,
        "back to one at a time"
    );
    assert_eq!(gate.most.load(Ordering::SeqCst), 3);

    gate.release.add_permits(3);
    eventually(store, |c| c.completed == 6).await;
    pool.shutdown().await;
}
