use async_trait::async_trait;
use shoebox_store::asset_metadata::{AssetMetadataRecord, AssetMetadataRepo};
use shoebox_store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;

#[async_trait]
impl AssetMetadataRepo for SqlStore {
    async fn upsert(&self, items: &[AssetMetadataRecord]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for item in items {
            sqlx::query(
                "INSERT INTO asset_metadata (asset_id, key, value, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (asset_id, key) DO UPDATE SET value = excluded.value, \
                 updated_at = excluded.updated_at",
            )
            .bind(item.asset_id.to_string())
            .bind(item.key.clone())
            .bind(item.value.to_string())
            .bind(ts(item.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn delete(&self, items: &[(Uuid, String)]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (asset_id, key) in items {
            sqlx::query("DELETE FROM asset_metadata WHERE asset_id = $1 AND key = $2")
                .bind(asset_id.to_string())
                .bind(key.clone())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn list(&self, asset_id: Uuid) -> StoreResult<Vec<AssetMetadataRecord>> {
        sqlx::query(
            "SELECT asset_id, key, value, updated_at FROM asset_metadata WHERE asset_id = $1 \
             ORDER BY key",
        )
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            let value = get_str(r, "value")?;
            Ok(AssetMetadataRecord {
                asset_id: get_uuid(r, "asset_id")?,
                key: get_str(r, "key")?,
                value: serde_json::from_str(&value)
                    .map_err(|e| StoreError::Backend(format!("asset metadata is not JSON: {e}")))?,
                updated_at: get_ts(r, "updated_at")?,
            })
        })
        .collect()
    }
}
