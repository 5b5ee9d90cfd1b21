//! Background processing of assets: what each queue does with a job.

use shoebox_jobs::Workers;

use crate::Domain;

/// Adds this build's job handlers to `workers`, each with its queue's default concurrency.
pub fn register(workers: Workers, _domain: &Domain) -> Workers {
    workers
}
