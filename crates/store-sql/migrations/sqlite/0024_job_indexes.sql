-- The start-up repair looks for assets that never had a metadata job, by dedupe key and in
-- any status: without this index each asset lacking metadata (every asset of a large import
-- still queued) would read the whole jobs table.
CREATE INDEX jobs_dedupe_key ON jobs(dedupe_key);
-- Each process's heartbeat extends the leases of its running jobs: it reads only those.
CREATE INDEX jobs_active_worker ON jobs(worker) WHERE status = 'active';
