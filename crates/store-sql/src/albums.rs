use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::*;
use shoebox_store::{AlbumRepo, StoreResult};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;
use crate::id_lists::{execute_for_ids, fetch_for_ids, link_assets};

pub(crate) fn album_from_row(row: &AnyRow) -> StoreResult<AlbumRecord> {
    Ok(AlbumRecord {
        id: get_uuid(row, "id")?,
        owner_id: get_uuid(row, "owner_id")?,
        album_name: get_str(row, "album_name")?,
        description: get_str(row, "description")?,
        thumbnail_asset_id: get_opt_uuid(row, "thumbnail_asset_id")?,
        is_activity_enabled: get_bool(row, "is_activity_enabled")?,
        order: get_str(row, "sort_order")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

#[async_trait]
impl AlbumRepo for SqlStore {
    async fn create(
        &self,
        a: &AlbumRecord,
        users: &[AlbumUserRecord],
        asset_ids: &[Uuid],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO albums (id, owner_id, album_name, description, thumbnail_asset_id, \
             is_activity_enabled, sort_order, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(a.id.to_string())
        .bind(a.owner_id.to_string())
        .bind(&a.album_name)
        .bind(&a.description)
        .bind(a.thumbnail_asset_id.map(|t| t.to_string()))
        .bind(a.is_activity_enabled)
        .bind(&a.order)
        .bind(ts(a.created_at))
        .bind(ts(a.updated_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        for u in users {
            sqlx::query("INSERT INTO album_users (album_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
                .bind(a.id.to_string())
                .bind(u.user_id.to_string())
                .bind(&u.role)
                .bind(ts(a.created_at))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        link_assets(
            &mut tx,
            "album_assets",
            "album_id",
            a.id,
            asset_ids,
            &ts(a.created_at),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    async fn get(&self, id: Uuid) -> StoreResult<Option<AlbumRecord>> {
        sqlx::query("SELECT * FROM albums WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(album_from_row)
            .transpose()
    }

    async fn list_for_user(
        &self,
        user_id: Uuid,
        shared: Option<bool>,
        containing_asset: Option<Uuid>,
    ) -> StoreResult<Vec<AlbumRecord>> {
        let mut sql = String::from("SELECT al.* FROM albums al WHERE ");
        match shared {
            // Shared: owned albums with members, and albums others shared with us.
            Some(true) => sql.push_str(
                "((al.owner_id = $1 AND EXISTS (SELECT 1 FROM album_users x WHERE x.album_id = al.id)) \
                 OR EXISTS (SELECT 1 FROM album_users x WHERE x.album_id = al.id AND x.user_id = $1))",
            ),
            Some(false) => sql.push_str(
                "al.owner_id = $1 AND NOT EXISTS (SELECT 1 FROM album_users x WHERE x.album_id = al.id)",
            ),
            None => sql.push_str(
                "(al.owner_id = $1 OR EXISTS (SELECT 1 FROM album_users x WHERE x.album_id = al.id AND x.user_id = $1))",
            ),
        }
        if containing_asset.is_some() {
            sql.push_str(" AND EXISTS (SELECT 1 FROM album_assets y WHERE y.album_id = al.id AND y.asset_id = $2)");
        }
        sql.push_str(" ORDER BY al.created_at DESC");
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(user_id.to_string());
        if let Some(asset) = containing_asset {
            q = q.bind(asset.to_string());
        }
        q.fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(album_from_row)
            .collect()
    }

    async fn users_of(
        &self,
        album_ids: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, Vec<AlbumUserRecord>>> {
        let rows = fetch_for_ids(&self.pool, &[], album_ids, |list| {
            format!(
                "SELECT album_id, user_id, role FROM album_users WHERE album_id IN ({list}) ORDER BY created_at"
            )
        })
        .await?;
        let mut out: HashMap<Uuid, Vec<AlbumUserRecord>> = HashMap::new();
        for row in &rows {
            out.entry(get_uuid(row, "album_id")?)
                .or_default()
                .push(AlbumUserRecord {
                    user_id: get_uuid(row, "user_id")?,
                    role: get_str(row, "role")?,
                });
        }
        Ok(out)
    }

    async fn summaries(&self, album_ids: &[Uuid]) -> StoreResult<HashMap<Uuid, AlbumAssetSummary>> {
        let rows = fetch_for_ids(&self.pool, &[], album_ids, |list| {
            format!(
                "SELECT aa.album_id, CAST(COUNT(a.id) AS BIGINT) AS n, MIN(a.local_date_time) AS start_date, \
                 MAX(a.local_date_time) AS end_date, MAX(a.updated_at) AS last_modified \
                 FROM album_assets aa JOIN assets a ON a.id = aa.asset_id AND a.deleted_at IS NULL \
                 WHERE aa.album_id IN ({list}) GROUP BY aa.album_id"
            )
        })
        .await?;
        rows.iter()
            .map(|row| {
                let summary = AlbumAssetSummary {
                    asset_count: get_i64(row, "n")?,
                    start_date: get_opt_local_ts(row, "start_date")?,
                    end_date: get_opt_local_ts(row, "end_date")?,
                    last_modified_asset_timestamp: get_opt_ts(row, "last_modified")?,
                };
                Ok((get_uuid(row, "album_id")?, summary))
            })
            .collect()
    }

    async fn asset_ids(&self, album_id: Uuid) -> StoreResult<Vec<Uuid>> {
        sqlx::query(
            "SELECT a.id FROM album_assets aa JOIN assets a ON a.id = aa.asset_id AND a.deleted_at IS NULL \
             WHERE aa.album_id = $1 ORDER BY a.local_date_time",
        )
        .bind(album_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| get_uuid(r, "id"))
        .collect()
    }

    async fn contained_asset_ids(&self, album_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[album_id.to_string()], ids, |list| {
            format!(
                "SELECT asset_id FROM album_assets WHERE album_id = $1 AND asset_id IN ({list})"
            )
        })
        .await?;
        rows.iter().map(|r| get_uuid(r, "asset_id")).collect()
    }

    async fn update(&self, id: Uuid, p: &AlbumPatch, now: DateTime<Utc>) -> StoreResult<()> {
        let (set_thumb, thumb) = match p.thumbnail_asset_id {
            Some(t) => (true, t.map(|t| t.to_string())),
            None => (false, None),
        };
        sqlx::query(
            "UPDATE albums SET album_name = COALESCE($2, album_name), description = COALESCE($3, description), \
             thumbnail_asset_id = CASE WHEN $4 THEN $5 ELSE thumbnail_asset_id END, \
             is_activity_enabled = COALESCE($6, is_activity_enabled), sort_order = COALESCE($7, sort_order), \
             updated_at = $8 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(p.album_name.clone())
        .bind(p.description.clone())
        .bind(set_thumb)
        .bind(thumb)
        .bind(p.is_activity_enabled)
        .bind(p.order.clone())
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn delete(&self, id: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM albums WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn add_assets(
        &self,
        album_id: Uuid,
        ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        link_assets(&mut tx, "album_assets", "album_id", album_id, ids, &ts(now)).await?;
        // The first asset added becomes the cover, as Immich does.
        sqlx::query(
            "UPDATE albums SET updated_at = $2, thumbnail_asset_id = COALESCE(thumbnail_asset_id, $3) WHERE id = $1",
        )
        .bind(album_id.to_string())
        .bind(ts(now))
        .bind(ids.first().map(|i| i.to_string()))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn remove_assets(
        &self,
        album_id: Uuid,
        ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        execute_for_ids(&mut tx, &[album_id.to_string()], ids, |list| {
            format!("DELETE FROM album_assets WHERE album_id = $1 AND asset_id IN ({list})")
        })
        .await?;
        // A cover that left the album is replaced by another of its assets (or none).
        sqlx::query(
            "UPDATE albums SET updated_at = $2, thumbnail_asset_id = CASE WHEN thumbnail_asset_id IN \
             (SELECT asset_id FROM album_assets WHERE album_id = $1) THEN thumbnail_asset_id ELSE \
             (SELECT MIN(asset_id) FROM album_assets WHERE album_id = $1) END WHERE id = $1",
        )
        .bind(album_id.to_string())
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn upsert_user(&self, album_id: Uuid, u: &AlbumUserRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO album_users (album_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (album_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(album_id.to_string())
        .bind(u.user_id.to_string())
        .bind(&u.role)
        .bind(ts(Utc::now()))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn remove_user(&self, album_id: Uuid, user_id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM album_users WHERE album_id = $1 AND user_id = $2")
            .bind(album_id.to_string())
            .bind(user_id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }
}
