//! Durable background jobs. Jobs live in the database (see the store's
//! `JobRepo`), so they survive restarts and can be run by workers in other
//! processes; a worker leases a job while running it, and a lease that runs out
//! hands the job to another worker.

mod cpu;
mod queue;
mod wake;
mod worker;

pub use cpu::{BACKGROUND_NICE, CpuTaskPanicked, run_cpu};

pub use queue::{Queue, enqueue};
pub use wake::JobWake;
pub use worker::{ConcurrencyLimits, JobError, JobHandler, WorkerPool, Workers};
