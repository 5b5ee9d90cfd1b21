use async_trait::async_trait;
use shoebox_store::{StoreError, StoreResult, SystemRepo};
use sqlx::Row;

use crate::SqlStore;
use crate::codec::db_err;

#[async_trait]
impl SystemRepo for SqlStore {
    fn backend(&self) -> &'static str {
        self.backend.name()
    }

    async fn get_metadata(&self, key: &str) -> StoreResult<Option<serde_json::Value>> {
        let row = sqlx::query("SELECT value FROM system_metadata WHERE key = $1")
            .bind(key.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| {
            let text: String = r.try_get("value").map_err(db_err)?;
            serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))
        })
        .transpose()
    }

    async fn set_metadata(&self, key: &str, value: &serde_json::Value) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO system_metadata (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key.to_string())
        .bind(value.to_string())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}
