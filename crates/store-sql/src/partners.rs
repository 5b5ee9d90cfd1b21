use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::PartnerRecord;
use shoebox_store::{PartnerRepo, StoreResult};
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;

pub(crate) fn partner_from_row(row: &AnyRow) -> StoreResult<PartnerRecord> {
    Ok(PartnerRecord {
        shared_by_id: get_uuid(row, "shared_by_id")?,
        shared_with_id: get_uuid(row, "shared_with_id")?,
        in_timeline: get_bool(row, "in_timeline")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

#[async_trait]
impl PartnerRepo for SqlStore {
    async fn create(&self, p: &PartnerRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO partners (shared_by_id, shared_with_id, in_timeline, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(p.shared_by_id.to_string())
        .bind(p.shared_with_id.to_string())
        .bind(p.in_timeline)
        .bind(ts(p.created_at))
        .bind(ts(p.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get(&self, shared_by: Uuid, shared_with: Uuid) -> StoreResult<Option<PartnerRecord>> {
        sqlx::query("SELECT * FROM partners WHERE shared_by_id = $1 AND shared_with_id = $2")
            .bind(shared_by.to_string())
            .bind(shared_with.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(partner_from_row)
            .transpose()
    }

    async fn list_for_user(&self, user_id: Uuid) -> StoreResult<Vec<PartnerRecord>> {
        sqlx::query(
            "SELECT * FROM partners WHERE shared_by_id = $1 OR shared_with_id = $1 \
             ORDER BY created_at",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(partner_from_row)
        .collect()
    }

    async fn set_in_timeline(
        &self,
        shared_by: Uuid,
        shared_with: Uuid,
        in_timeline: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE partners SET in_timeline = $3, updated_at = $4 \
             WHERE shared_by_id = $1 AND shared_with_id = $2",
        )
        .bind(shared_by.to_string())
        .bind(shared_with.to_string())
        .bind(in_timeline)
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete(&self, shared_by: Uuid, shared_with: Uuid) -> StoreResult<bool> {
        let done =
            sqlx::query("DELETE FROM partners WHERE shared_by_id = $1 AND shared_with_id = $2")
                .bind(shared_by.to_string())
                .bind(shared_with.to_string())
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }
}
