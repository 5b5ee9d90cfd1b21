use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::SessionRecord;
use shoebox_store::{SessionRepo, StoreResult};
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;

fn session_from_row(row: &AnyRow) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        id: get_uuid(row, "id")?,
        user_id: get_uuid(row, "user_id")?,
        token_hash: get_str(row, "token_hash")?,
        device_type: get_str(row, "device_type")?,
        device_os: get_str(row, "device_os")?,
        app_version: get_opt_str(row, "app_version")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
        expires_at: get_opt_ts(row, "expires_at")?,
        is_pending_sync_reset: get_bool(row, "is_pending_sync_reset")?,
    })
}

#[async_trait]
impl SessionRepo for SqlStore {
    async fn create(&self, s: &SessionRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, token_hash, device_type, device_os, app_version, \
             created_at, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(s.id.to_string())
        .bind(s.user_id.to_string())
        .bind(&s.token_hash)
        .bind(&s.device_type)
        .bind(&s.device_os)
        .bind(s.app_version.clone())
        .bind(ts(s.created_at))
        .bind(ts(s.updated_at))
        .bind(s.expires_at.map(ts))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        sqlx::query("SELECT * FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(session_from_row)
            .transpose()
    }

    async fn list_for_user(&self, user_id: Uuid) -> StoreResult<Vec<SessionRecord>> {
        sqlx::query("SELECT * FROM sessions WHERE user_id = $1 ORDER BY updated_at DESC")
            .bind(user_id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(session_from_row)
            .collect()
    }

    async fn touch(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET updated_at = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(ts(now))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn delete(&self, id: Uuid, user_id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user_id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_all_for_user(&self, user_id: Uuid, except: Option<Uuid>) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id.to_string())
            .bind(except.map(|e| e.to_string()).unwrap_or_default())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
