//! Tags and their links to assets.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::TagRecord;
use shoebox_store::{StoreResult, TagRepo};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;
use crate::id_lists::{execute_for_ids, fetch_for_ids};

const COLUMNS: &str = "id, user_id, value, parent_id, color, created_at, updated_at";

/// The assets carrying the tag bound to `?`, or any tag below it, for an
/// `a.id IN (…)` filter. Walks `parent_id` down from the tag (migration 0006).
pub(crate) const ASSETS_UNDER_TAG: &str = "SELECT ta.asset_id FROM tag_assets ta WHERE ta.tag_id IN (\
     WITH RECURSIVE subtree(id) AS (SELECT CAST(? AS TEXT) \
     UNION ALL SELECT t.id FROM tags t JOIN subtree s ON t.parent_id = s.id) \
     SELECT id FROM subtree)";

fn tag_from_row(row: &AnyRow) -> StoreResult<TagRecord> {
    Ok(TagRecord {
        id: get_uuid(row, "id")?,
        user_id: get_uuid(row, "user_id")?,
        value: get_str(row, "value")?,
        parent_id: get_opt_uuid(row, "parent_id")?,
        color: get_opt_str(row, "color")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

fn tags_from_rows(rows: &[AnyRow]) -> StoreResult<Vec<TagRecord>> {
    rows.iter().map(tag_from_row).collect()
}

#[async_trait]
impl TagRepo for SqlStore {
    async fn get(&self, id: Uuid) -> StoreResult<Option<TagRecord>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM tags WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(tag_from_row)
        .transpose()
    }

    async fn get_by_value(&self, user_id: Uuid, value: &str) -> StoreResult<Option<TagRecord>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM tags WHERE user_id = $1 AND value = $2"
        )))
        .bind(user_id.to_string())
        .bind(value.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(tag_from_row)
        .transpose()
    }

    async fn list_for_user(&self, user_id: Uuid) -> StoreResult<Vec<TagRecord>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM tags WHERE user_id = $1 ORDER BY value"
        )))
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        tags_from_rows(&rows)
    }

    async fn create(&self, t: &TagRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO tags (id, user_id, value, parent_id, color, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(t.id.to_string())
        .bind(t.user_id.to_string())
        .bind(t.value.clone())
        .bind(t.parent_id.map(|p| p.to_string()))
        .bind(t.color.clone())
        .bind(ts(t.created_at))
        .bind(ts(t.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn upsert_value(
        &self,
        user_id: Uuid,
        value: &str,
        parent_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> StoreResult<TagRecord> {
        // One statement, so that two jobs upserting the same path agree on one row.
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO tags (id, user_id, value, parent_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (user_id, value) DO UPDATE SET parent_id = excluded.parent_id \
             RETURNING {COLUMNS}"
        )))
        .bind(Uuid::new_v4().to_string())
        .bind(user_id.to_string())
        .bind(value.to_string())
        .bind(parent_id.map(|p| p.to_string()))
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        tag_from_row(&row)
    }

    async fn set_color(
        &self,
        id: Uuid,
        color: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<TagRecord>> {
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE tags SET color = $2, updated_at = $3 WHERE id = $1 RETURNING {COLUMNS}"
        )))
        .bind(id.to_string())
        .bind(color.map(str::to_string))
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(tag_from_row)
        .transpose()
    }

    async fn delete(&self, id: Uuid) -> StoreResult<()> {
        // The foreign keys cascade to the tags below and to every link.
        sqlx::query("DELETE FROM tags WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn owned_ids(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[user_id.to_string()], ids, |list| {
            format!("SELECT id FROM tags WHERE user_id = $1 AND id IN ({list})")
        })
        .await?;
        rows.iter().map(|r| get_uuid(r, "id")).collect()
    }

    async fn tagged_asset_ids(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[tag_id.to_string()], asset_ids, |list| {
            format!("SELECT asset_id FROM tag_assets WHERE tag_id = $1 AND asset_id IN ({list})")
        })
        .await?;
        rows.iter().map(|r| get_uuid(r, "asset_id")).collect()
    }

    async fn add_assets(&self, links: &[(Uuid, Uuid)]) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let mut added = 0;
        for (tag_id, asset_id) in links {
            added += sqlx::query(
                "INSERT INTO tag_assets (tag_id, asset_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(tag_id.to_string())
            .bind(asset_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        }
        tx.commit().await.map_err(db_err)?;
        Ok(added)
    }

    async fn remove_assets(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        execute_for_ids(&mut tx, &[tag_id.to_string()], asset_ids, |list| {
            format!("DELETE FROM tag_assets WHERE tag_id = $1 AND asset_id IN ({list})")
        })
        .await?;
        tx.commit().await.map_err(db_err)
    }

    async fn replace_asset_tags(&self, asset_id: Uuid, tag_ids: &[Uuid]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query("DELETE FROM tag_assets WHERE asset_id = $1")
            .bind(asset_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for tag_id in tag_ids {
            sqlx::query(
                "INSERT INTO tag_assets (tag_id, asset_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(tag_id.to_string())
            .bind(asset_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn tags_of_asset(&self, asset_id: Uuid) -> StoreResult<Vec<TagRecord>> {
        let rows = sqlx::query(
            "SELECT t.id, t.user_id, t.value, t.parent_id, t.color, t.created_at, t.updated_at \
             FROM tags t JOIN tag_assets ta ON ta.tag_id = t.id WHERE ta.asset_id = $1 \
             ORDER BY t.value",
        )
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        tags_from_rows(&rows)
    }
}
