//! Near-duplicate groups: assets sharing `assets.duplicate_id`, and when duplicate detection
//! last looked at each asset (`asset_job_status.duplicates_detected_at`).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::StoreResult;
use shoebox_store::records::AssetRecord;
use shoebox_store::smart_search::DuplicateRepo;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::SqlStore;
use crate::assets::{asset_from_row, select_asset};
use crate::codec::*;
use crate::id_lists::execute_for_ids;

/// Group members as Immich lists them: not trashed, not stacked, on the timeline or archived.
const LISTED: &str =
    "a.deleted_at IS NULL AND a.stack_id IS NULL AND a.visibility IN ('timeline', 'archive')";

impl SqlStore {
    /// Clears the group of the owner's assets whose group has fewer than two assets that
    /// are not trashed, as Immich does before listing.
    async fn dissolve_singletons(&self, owner_id: Uuid) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE assets SET duplicate_id = NULL WHERE owner_id = $1 AND duplicate_id IS NOT NULL \
             AND duplicate_id IN (SELECT d.duplicate_id FROM assets d WHERE d.owner_id = $1 \
               AND d.duplicate_id IS NOT NULL GROUP BY d.duplicate_id \
               HAVING COUNT(CASE WHEN d.deleted_at IS NULL AND d.stack_id IS NULL THEN 1 END) < 2)",
        )
        .bind(owner_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }
}

#[async_trait]
impl DuplicateRepo for SqlStore {
    async fn assets_to_check(
        &self,
        after: Option<Uuid>,
        limit: i64,
        missing: bool,
    ) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id FROM assets a JOIN smart_search s ON s.asset_id = a.id \
             LEFT JOIN asset_job_status j ON j.asset_id = a.id \
             WHERE a.deleted_at IS NULL AND a.visibility NOT IN ('hidden', 'locked') \
             AND a.stack_id IS NULL AND a.id > $1{} ORDER BY a.id LIMIT $2",
            if missing {
                " AND j.duplicates_detected_at IS NULL"
            } else {
                ""
            }
        )))
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| get_uuid(r, "id")).collect()
    }

    async fn merge(
        &self,
        target: Uuid,
        asset_ids: &[Uuid],
        merged_groups: &[Uuid],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let leading = [target.to_string()];
        execute_for_ids(&mut tx, &leading, asset_ids, |list| {
            format!("UPDATE assets SET duplicate_id = $1 WHERE id IN ({list})")
        })
        .await?;
        execute_for_ids(&mut tx, &leading, merged_groups, |list| {
            format!("UPDATE assets SET duplicate_id = $1 WHERE duplicate_id IN ({list})")
        })
        .await?;
        tx.commit().await.map_err(db_err)
    }

    async fn set_group(&self, asset_ids: &[Uuid], duplicate_id: Option<Uuid>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        match duplicate_id {
            Some(group) => {
                execute_for_ids(&mut tx, &[group.to_string()], asset_ids, |list| {
                    format!("UPDATE assets SET duplicate_id = $1 WHERE id IN ({list})")
                })
                .await?
            }
            None => {
                execute_for_ids(&mut tx, &[], asset_ids, |list| {
                    format!("UPDATE assets SET duplicate_id = NULL WHERE id IN ({list})")
                })
                .await?
            }
        }
        tx.commit().await.map_err(db_err)
    }

    async fn mark_checked(&self, asset_ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for id in asset_ids {
            sqlx::query(
                "INSERT INTO asset_job_status (asset_id, duplicates_detected_at) VALUES ($1, $2) \
                 ON CONFLICT (asset_id) DO UPDATE SET \
                 duplicates_detected_at = excluded.duplicates_detected_at",
            )
            .bind(id.to_string())
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn groups(&self, owner_id: Uuid) -> StoreResult<Vec<(Uuid, Vec<AssetRecord>)>> {
        self.dissolve_singletons(owner_id).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{} WHERE a.owner_id = $1 AND a.duplicate_id IS NOT NULL AND {LISTED} \
             ORDER BY a.duplicate_id, a.local_date_time, a.id",
            select_asset()
        )))
        .bind(owner_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut groups: BTreeMap<Uuid, Vec<AssetRecord>> = BTreeMap::new();
        for row in &rows {
            let asset = asset_from_row(row)?;
            if let Some(group) = asset.duplicate_id {
                groups.entry(group).or_default().push(asset);
            }
        }
        Ok(groups.into_iter().filter(|(_, a)| a.len() > 1).collect())
    }

    async fn group(&self, owner_id: Uuid, duplicate_id: Uuid) -> StoreResult<Vec<AssetRecord>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{} WHERE a.owner_id = $1 AND a.duplicate_id = $2 AND {LISTED} \
             ORDER BY a.local_date_time, a.id",
            select_asset()
        )))
        .bind(owner_id.to_string())
        .bind(duplicate_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(asset_from_row).collect()
    }

    async fn dismiss(&self, owner_id: Uuid, duplicate_ids: &[Uuid]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        execute_for_ids(&mut tx, &[owner_id.to_string()], duplicate_ids, |list| {
            format!(
                "UPDATE assets SET duplicate_id = NULL WHERE owner_id = $1 AND duplicate_id IN ({list})"
            )
        })
        .await?;
        tx.commit().await.map_err(db_err)
    }
}
