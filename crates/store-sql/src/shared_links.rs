use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::{SharedLinkPatch, SharedLinkRecord};
use shoebox_store::{SharedLinkRepo, StoreResult};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;
use crate::id_lists::{execute_for_ids, fetch_for_ids, link_assets};

fn link_from_row(row: &AnyRow) -> StoreResult<SharedLinkRecord> {
    Ok(SharedLinkRecord {
        id: get_uuid(row, "id")?,
        user_id: get_uuid(row, "user_id")?,
        key: get_str(row, "link_key")?,
        link_type: get_str(row, "link_type")?,
        album_id: get_opt_uuid(row, "album_id")?,
        description: get_opt_str(row, "description")?,
        password: get_opt_str(row, "password")?,
        expires_at: get_opt_ts(row, "expires_at")?,
        allow_upload: get_bool(row, "allow_upload")?,
        allow_download: get_bool(row, "allow_download")?,
        show_metadata: get_bool(row, "show_metadata")?,
        slug: get_opt_str(row, "slug")?,
        created_at: get_ts(row, "created_at")?,
    })
}

impl SqlStore {
    async fn link_where(&self, column: &str, value: &str) -> StoreResult<Option<SharedLinkRecord>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT * FROM shared_links WHERE {column} = $1"
        )))
        .bind(value.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(link_from_row)
        .transpose()
    }
}

#[async_trait]
impl SharedLinkRepo for SqlStore {
    async fn create(&self, l: &SharedLinkRecord, asset_ids: &[Uuid]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO shared_links (id, user_id, link_key, link_type, album_id, description, \
             password, expires_at, allow_upload, allow_download, show_metadata, slug, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(l.id.to_string())
        .bind(l.user_id.to_string())
        .bind(l.key.clone())
        .bind(l.link_type.clone())
        .bind(l.album_id.map(|a| a.to_string()))
        .bind(l.description.clone())
        .bind(l.password.clone())
        .bind(l.expires_at.map(ts))
        .bind(l.allow_upload)
        .bind(l.allow_download)
        .bind(l.show_metadata)
        .bind(l.slug.clone())
        .bind(ts(l.created_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        link_assets(
            &mut tx,
            "shared_link_assets",
            "shared_link_id",
            l.id,
            asset_ids,
            &ts(l.created_at),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    async fn get(&self, id: Uuid) -> StoreResult<Option<SharedLinkRecord>> {
        self.link_where("id", &id.to_string()).await
    }

    async fn get_by_key(&self, key: &str) -> StoreResult<Option<SharedLinkRecord>> {
        self.link_where("link_key", key).await
    }

    async fn get_by_slug(&self, slug: &str) -> StoreResult<Option<SharedLinkRecord>> {
        self.link_where("slug", slug).await
    }

    async fn list_for_user(
        &self,
        user_id: Uuid,
        id: Option<Uuid>,
        album_id: Option<Uuid>,
    ) -> StoreResult<Vec<SharedLinkRecord>> {
        sqlx::query(
            "SELECT * FROM shared_links WHERE user_id = $1 \
             AND ($2 IS NULL OR id = $2) AND ($3 IS NULL OR album_id = $3) \
             ORDER BY created_at DESC",
        )
        .bind(user_id.to_string())
        .bind(id.map(|i| i.to_string()))
        .bind(album_id.map(|a| a.to_string()))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(link_from_row)
        .collect()
    }

    async fn update(&self, id: Uuid, p: &SharedLinkPatch) -> StoreResult<()> {
        // Each column keeps its value unless its flag parameter says to set it.
        sqlx::query(
            "UPDATE shared_links SET \
             description = CASE WHEN $2 THEN $3 ELSE description END, \
             password = CASE WHEN $4 THEN $5 ELSE password END, \
             expires_at = CASE WHEN $6 THEN $7 ELSE expires_at END, \
             allow_upload = COALESCE($8, allow_upload), \
             allow_download = COALESCE($9, allow_download), \
             show_metadata = COALESCE($10, show_metadata), \
             slug = CASE WHEN $11 THEN $12 ELSE slug END \
             WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(p.description.is_some())
        .bind(p.description.clone().flatten())
        .bind(p.password.is_some())
        .bind(p.password.clone().flatten())
        .bind(p.expires_at.is_some())
        .bind(p.expires_at.flatten().map(ts))
        .bind(p.allow_upload)
        .bind(p.allow_download)
        .bind(p.show_metadata)
        .bind(p.slug.is_some())
        .bind(p.slug.clone().flatten())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn delete(&self, id: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM shared_links WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn asset_ids(&self, id: Uuid) -> StoreResult<Vec<Uuid>> {
        sqlx::query(
            "SELECT a.id FROM shared_link_assets sa JOIN assets a ON a.id = sa.asset_id \
             AND a.deleted_at IS NULL WHERE sa.shared_link_id = $1 ORDER BY a.local_date_time",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| get_uuid(r, "id"))
        .collect()
    }

    async fn add_assets(
        &self,
        id: Uuid,
        asset_ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        link_assets(
            &mut tx,
            "shared_link_assets",
            "shared_link_id",
            id,
            asset_ids,
            &ts(now),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    async fn remove_assets(&self, id: Uuid, asset_ids: &[Uuid]) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        execute_for_ids(&mut conn, &[id.to_string()], asset_ids, |list| {
            format!(
                "DELETE FROM shared_link_assets WHERE shared_link_id = $1 AND asset_id IN ({list})"
            )
        })
        .await
    }

    async fn shared_album_ids(&self, album_ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[], album_ids, |list| {
            format!("SELECT DISTINCT album_id FROM shared_links WHERE album_id IN ({list})")
        })
        .await?;
        rows.iter().map(|r| get_uuid(r, "album_id")).collect()
    }

    async fn visible_asset_ids(&self, id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[id.to_string()], ids, |list| {
            format!(
                "WITH shown AS ( \
                   SELECT sa.asset_id AS id FROM shared_link_assets sa WHERE sa.shared_link_id = $1 \
                   UNION SELECT aa.asset_id FROM album_assets aa \
                     JOIN shared_links l ON l.album_id = aa.album_id WHERE l.id = $1 \
                 ) \
                 SELECT a.id FROM assets a WHERE a.id IN ({list}) AND a.deleted_at IS NULL AND ( \
                   a.id IN (SELECT id FROM shown) \
                   OR a.id IN (SELECT s.live_photo_video_id FROM assets s \
                               WHERE s.id IN (SELECT id FROM shown) AND s.live_photo_video_id IS NOT NULL))"
            )
        })
        .await?;
        rows.iter().map(|r| get_uuid(r, "id")).collect()
    }
}
