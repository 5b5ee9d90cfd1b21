use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::ApiKeyRecord;
use shoebox_store::{ApiKeyRepo, StoreError, StoreResult};
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;

fn api_key_from_row(row: &AnyRow) -> StoreResult<ApiKeyRecord> {
    let permissions = get_str(row, "permissions")?;
    Ok(ApiKeyRecord {
        id: get_uuid(row, "id")?,
        user_id: get_uuid(row, "user_id")?,
        name: get_str(row, "name")?,
        key_hash: get_str(row, "key_hash")?,
        permissions: serde_json::from_str(&permissions)
            .map_err(|e| StoreError::Backend(e.to_string()))?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

fn permissions_json(permissions: &[String]) -> String {
    serde_json::Value::from(permissions.to_vec()).to_string()
}

#[async_trait]
impl ApiKeyRepo for SqlStore {
    async fn create(&self, k: &ApiKeyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, user_id, name, key_hash, permissions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(k.id.to_string())
        .bind(k.user_id.to_string())
        .bind(&k.name)
        .bind(&k.key_hash)
        .bind(permissions_json(&k.permissions))
        .bind(ts(k.created_at))
        .bind(ts(k.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        sqlx::query("SELECT * FROM api_keys WHERE key_hash = $1")
            .bind(key_hash.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(api_key_from_row)
            .transpose()
    }

    async fn get(&self, id: Uuid, user_id: Uuid) -> StoreResult<Option<ApiKeyRecord>> {
        sqlx::query("SELECT * FROM api_keys WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(api_key_from_row)
            .transpose()
    }

    async fn list_for_user(&self, user_id: Uuid) -> StoreResult<Vec<ApiKeyRecord>> {
        sqlx::query("SELECT * FROM api_keys WHERE user_id = $1 ORDER BY created_at")
            .bind(user_id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(api_key_from_row)
            .collect()
    }

    async fn update(
        &self,
        id: Uuid,
        user_id: Uuid,
        name: Option<&str>,
        permissions: Option<&[String]>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ApiKeyRecord>> {
        sqlx::query(
            "UPDATE api_keys SET name = COALESCE($3, name), permissions = COALESCE($4, permissions), \
             updated_at = $5 WHERE id = $1 AND user_id = $2",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .bind(name.map(str::to_string))
        .bind(permissions.map(permissions_json))
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        ApiKeyRepo::get(self, id, user_id).await
    }

    async fn delete(&self, id: Uuid, user_id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM api_keys WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user_id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }
}
