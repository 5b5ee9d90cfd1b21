-- The durable job queue. A job is claimed by setting status 'active' with a
-- lease; a lease that runs out (its worker died) makes the job claimable again.

CREATE TABLE jobs (
    id            TEXT PRIMARY KEY NOT NULL,
    queue         TEXT NOT NULL,
    name          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    -- At most one waiting or active job per key, so "run missing" and repeated
    -- triggers do not pile up duplicates.
    dedupe_key    TEXT,
    status        TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    run_at        TEXT NOT NULL,
    lease_until   TEXT,
    worker        TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX jobs_claim ON jobs(queue, status, run_at);
CREATE UNIQUE INDEX jobs_pending_key ON jobs(dedupe_key) WHERE status IN ('waiting', 'active');

CREATE TABLE job_queues (
    queue   TEXT PRIMARY KEY NOT NULL,
    paused  BOOLEAN NOT NULL DEFAULT FALSE
);
