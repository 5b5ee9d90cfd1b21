use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::{JobRecord, QueueCounts};
use shoebox_store::{JobRepo, StoreError, StoreResult};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::codec::*;
use crate::{Backend, SqlStore};

fn job_from_row(row: &AnyRow) -> StoreResult<JobRecord> {
    let payload = get_str(row, "payload")?;
    Ok(JobRecord {
        id: get_uuid(row, "id")?,
        queue: get_str(row, "queue")?,
        name: get_str(row, "name")?,
        payload: serde_json::from_str(&payload).map_err(|e| StoreError::Backend(e.to_string()))?,
        dedupe_key: get_opt_str(row, "dedupe_key")?,
        status: get_str(row, "status")?,
        attempts: get_i64(row, "attempts")?,
        max_attempts: get_i64(row, "max_attempts")?,
        run_at: get_ts(row, "run_at")?,
        lease_until: get_opt_ts(row, "lease_until")?,
        worker: get_opt_str(row, "worker")?,
        last_error: get_opt_str(row, "last_error")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

#[async_trait]
impl JobRepo for SqlStore {
    async fn enqueue(&self, j: &JobRecord) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO jobs (id, queue, name, payload, dedupe_key, status, attempts, max_attempts, \
             run_at, lease_until, worker, last_error, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING",
        )
        .bind(j.id.to_string())
        .bind(&j.queue)
        .bind(&j.name)
        .bind(j.payload.to_string())
        .bind(j.dedupe_key.clone())
        .bind(&j.status)
        .bind(j.attempts)
        .bind(j.max_attempts)
        .bind(ts(j.run_at))
        .bind(j.lease_until.map(ts))
        .bind(j.worker.clone())
        .bind(j.last_error.clone())
        .bind(ts(j.created_at))
        .bind(ts(j.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn claim(
        &self,
        queue: &str,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<JobRecord>> {
        // SQLite has one writer, so the single statement is atomic; PostgreSQL
        // workers skip rows another transaction is claiming.
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET status = 'active', attempts = attempts + 1, worker = $2, \
             lease_until = $4, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE queue = $1 AND \
               ((status = 'waiting' AND run_at <= $3) OR \
                (status = 'active' AND lease_until < $3 AND attempts < max_attempts)) \
               ORDER BY run_at, created_at LIMIT 1{lock}) \
             RETURNING *"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(queue.to_string())
            .bind(worker.to_string())
            .bind(ts(now))
            .bind(ts(lease_until))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(job_from_row)
            .transpose()
    }

    async fn fail_abandoned(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let failed = sqlx::query(
            "UPDATE jobs SET status = 'failed', lease_until = NULL, updated_at = $1, \
             last_error = COALESCE(last_error, 'the worker stopped while running this job') \
             WHERE status = 'active' AND lease_until < $1 AND attempts >= max_attempts",
        )
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(failed.rows_affected())
    }

    async fn extend_leases(&self, worker_prefix: &str, until: DateTime<Utc>) -> StoreResult<()> {
        // A prefix match without LIKE, whose `_` and `%` a host name may contain.
        sqlx::query(
            "UPDATE jobs SET lease_until = $2 WHERE status = 'active' \
             AND substr(worker, 1, length($1)) = $1",
        )
        .bind(worker_prefix.to_string())
        .bind(ts(until))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn complete(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET status = 'completed', lease_until = NULL, updated_at = $2 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn fail(
        &self,
        id: Uuid,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (status, run_at) = match retry_at {
            Some(t) => ("waiting", Some(ts(t))),
            None => ("failed", None),
        };
        sqlx::query(
            "UPDATE jobs SET status = $2, run_at = COALESCE($3, run_at), last_error = $4, \
             lease_until = NULL, updated_at = $5 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(status)
        .bind(run_at)
        .bind(error.to_string())
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get(&self, id: Uuid) -> StoreResult<Option<JobRecord>> {
        sqlx::query("SELECT * FROM jobs WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(job_from_row)
            .transpose()
    }

    async fn list(
        &self,
        queue: &str,
        statuses: &[String],
        now: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<JobRecord>> {
        let sql = format!(
            "SELECT * FROM jobs WHERE queue = $1 AND \
             (CASE WHEN status = 'waiting' AND run_at > $2 THEN 'delayed' ELSE status END) IN ({}) \
             ORDER BY created_at LIMIT ${}",
            crate::id_lists::placeholders(3, statuses.len()),
            statuses.len() + 3
        );
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(queue.to_string())
            .bind(ts(now));
        for status in statuses {
            q = q.bind(status.clone());
        }
        q.bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(job_from_row)
            .collect()
    }

    async fn counts(&self, queue: &str, now: DateTime<Utc>) -> StoreResult<QueueCounts> {
        let rows = sqlx::query(
            "SELECT CASE WHEN status = 'waiting' AND run_at > $2 THEN 'delayed' ELSE status END AS state, \
             CAST(COUNT(*) AS BIGINT) AS n FROM jobs WHERE queue = $1 GROUP BY 1",
        )
        .bind(queue.to_string())
        .bind(ts(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut counts = QueueCounts::default();
        for row in &rows {
            let n = get_i64(row, "n")?;
            match get_str(row, "state")?.as_str() {
                "active" => counts.active = n,
                "completed" => counts.completed = n,
                "failed" => counts.failed = n,
                "delayed" => counts.delayed = n,
                "waiting" => counts.waiting = n,
                _ => {}
            }
        }
        Ok(counts)
    }

    async fn set_paused(&self, queue: &str, paused: bool) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO job_queues (queue, paused) VALUES ($1, $2) \
             ON CONFLICT (queue) DO UPDATE SET paused = excluded.paused",
        )
        .bind(queue.to_string())
        .bind(paused)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn paused_queues(&self) -> StoreResult<Vec<String>> {
        sqlx::query("SELECT queue FROM job_queues WHERE paused = $1")
            .bind(true)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| get_str(r, "queue"))
            .collect()
    }

    async fn empty(&self, queue: &str) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM jobs WHERE queue = $1 AND status = 'waiting'")
            .bind(queue.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn clear_failed(&self, queue: &str) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM jobs WHERE queue = $1 AND status = 'failed'")
            .bind(queue.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn prune_completed(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM jobs WHERE status = 'completed' AND updated_at < $1")
            .bind(ts(before))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
