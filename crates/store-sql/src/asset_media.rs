//! What processing writes to assets: extracted metadata, thumbhashes,
//! generated files, and walking the library for "run all / run missing".

use chrono::{DateTime, Utc};
use shoebox_store::StoreResult;
use shoebox_store::records::{
    AssetFileRecord, AssetIdsFilter, AssetKind, LockedProperties, MetadataUpdate,
};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;

impl SqlStore {
    pub(crate) async fn save_metadata_impl(&self, id: Uuid, u: &MetadataUpdate) -> StoreResult<()> {
        let e = &u.exif;
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // The EXIF row before the asset row, as `update` does: transactions that lock rows in
        // one order cannot deadlock each other. What the file (or its sidecar) says replaces
        // every field except those the user edited.
        let sql = format!(
            "UPDATE asset_exif SET {}, {}, {}, {}, {}, {}, \
             make = $8, model = $9, lens_model = $10, exif_image_width = $11, exif_image_height = $12, \
             orientation = $13, f_number = $14, focal_length = $15, iso = $16, exposure_time = $17, \
             modify_date = $18, city = $19, state = $20, country = $21, projection_type = $22, \
             live_photo_cid = $23 WHERE asset_id = $1 RETURNING locked_properties",
            unless_locked("description", LockedProperties::DESCRIPTION, 2),
            unless_locked("latitude", LockedProperties::LATITUDE, 3),
            unless_locked("longitude", LockedProperties::LONGITUDE, 4),
            unless_locked(
                "date_time_original",
                LockedProperties::DATE_TIME_ORIGINAL,
                5
            ),
            unless_locked("time_zone", LockedProperties::TIME_ZONE, 6),
            unless_locked("rating", LockedProperties::RATING, 7),
        );
        let locked = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .bind(e.description.clone())
            .bind(NullableF64(e.latitude))
            .bind(NullableF64(e.longitude))
            .bind(e.date_time_original.map(ts))
            .bind(e.time_zone.clone())
            .bind(e.rating)
            .bind(e.make.clone())
            .bind(e.model.clone())
            .bind(e.lens_model.clone())
            .bind(e.exif_image_width)
            .bind(e.exif_image_height)
            .bind(e.orientation.clone())
            .bind(NullableF64(e.f_number))
            .bind(NullableF64(e.focal_length))
            .bind(e.iso)
            .bind(e.exposure_time.clone())
            .bind(e.modify_date.map(ts))
            .bind(e.city.clone())
            .bind(e.state.clone())
            .bind(e.country.clone())
            .bind(e.projection_type.clone())
            .bind(u.live_photo_cid.clone())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .map(|row| get_i64(&row, "locked_properties"))
            .transpose()?
            .map_or(LockedProperties::NONE, LockedProperties::from_bits);
        // An edited date also placed the asset on the timeline; the file's date must not move it.
        let date_locked = locked.contains(LockedProperties::DATE_TIME_ORIGINAL);
        sqlx::query(
            "UPDATE assets SET width = $2, height = $3, file_created_at = COALESCE($4, file_created_at), \
             local_date_time = COALESCE($5, local_date_time), duration = COALESCE($6, duration), \
             metadata_extracted_at = $7, updated_at = $7 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(u.width)
        .bind(u.height)
        .bind((!date_locked).then(|| ts(u.taken_at)))
        .bind((!date_locked).then(|| local_ts(u.local_date_time)))
        .bind(u.duration.clone())
        .bind(ts(u.extracted_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    pub(crate) async fn link_live_photo_impl(&self, id: Uuid) -> StoreResult<Option<(Uuid, Uuid)>> {
        let mut tx = self.begin_write().await?;
        let partner = sqlx::query(
            "SELECT o.id, o.type FROM assets a \
             JOIN asset_exif ae ON ae.asset_id = a.id \
             JOIN asset_exif oe ON oe.live_photo_cid = ae.live_photo_cid \
             JOIN assets o ON o.id = oe.asset_id \
             WHERE a.id = $1 AND ae.live_photo_cid IS NOT NULL AND o.id <> a.id \
             AND o.owner_id = a.owner_id AND o.type <> a.type AND o.deleted_at IS NULL \
             ORDER BY o.created_at LIMIT 1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let Some(row) = partner else {
            return Ok(None);
        };
        let other = get_uuid(&row, "id")?;
        let other_is_video = get_str(&row, "type")? == AssetKind::Video.as_str();
        let (still, video) = if other_is_video {
            (id, other)
        } else {
            (other, id)
        };
        pair_motion(&mut tx, still, video).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some((still, video)))
    }

    pub(crate) async fn attach_motion_video_impl(
        &self,
        still: Uuid,
        video: Uuid,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        pair_motion(&mut tx, still, video).await?;
        tx.commit().await.map_err(db_err)
    }

    pub(crate) async fn set_thumbhash_impl(
        &self,
        id: Uuid,
        thumbhash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE assets SET thumbhash = $2, updated_at = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(thumbhash.to_vec())
            .bind(ts(now))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    pub(crate) async fn upsert_file_impl(&self, id: Uuid, f: &AssetFileRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO asset_files (asset_id, kind, path, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (asset_id, kind) DO UPDATE SET path = excluded.path, updated_at = excluded.updated_at",
        )
        .bind(id.to_string())
        .bind(f.kind.clone())
        .bind(f.path.clone())
        .bind(ts(f.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    pub(crate) async fn files_of_impl(&self, id: Uuid) -> StoreResult<Vec<AssetFileRecord>> {
        sqlx::query(
            "SELECT kind, path, updated_at FROM asset_files WHERE asset_id = $1 ORDER BY kind",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok(AssetFileRecord {
                kind: get_str(r, "kind")?,
                path: get_str(r, "path")?,
                updated_at: get_ts(r, "updated_at")?,
            })
        })
        .collect()
    }

    pub(crate) async fn set_sidecar_path_impl(
        &self,
        id: Uuid,
        path: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE assets SET sidecar_path = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(path.map(str::to_string))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    pub(crate) async fn ids_page_impl(
        &self,
        after: Option<Uuid>,
        limit: i64,
        filter: &AssetIdsFilter<'_>,
    ) -> StoreResult<Vec<Uuid>> {
        let mut sql =
            String::from("SELECT a.id FROM assets a WHERE a.id > $1 AND a.deleted_at IS NULL");
        if filter.missing_metadata {
            sql.push_str(" AND a.metadata_extracted_at IS NULL");
        }
        if filter.missing_sidecar {
            sql.push_str(" AND a.sidecar_path IS NULL");
        }
        // A fixed enum spelling, never user input.
        if let Some(kind) = filter.only {
            sql.push_str(&format!(" AND a.type = '{}'", kind.as_str()));
        }
        let mut texts = Vec::new();
        if let Some(kind) = filter.missing_file {
            texts.push(kind.to_string());
            sql.push_str(&format!(
                " AND NOT EXISTS (SELECT 1 FROM asset_files f WHERE f.asset_id = a.id AND f.kind = ${})",
                texts.len() + 2
            ));
        }
        if let Some(key) = filter.without_job {
            texts.push(format!("{key}:"));
            sql.push_str(&format!(
                " AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.dedupe_key = ${} || a.id)",
                texts.len() + 2
            ));
        }
        sql.push_str(" ORDER BY a.id LIMIT $2");
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(after.map(|a| a.to_string()).unwrap_or_default())
            .bind(limit);
        for text in texts {
            q = q.bind(text);
        }
        q.fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| get_uuid(r, "id"))
            .collect()
    }
}

/// The still points at its video; the video is hidden and leaves every album, so only the
/// still shows (as Immich shows a live or motion photo).
async fn pair_motion(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    still: Uuid,
    video: Uuid,
) -> StoreResult<()> {
    sqlx::query("UPDATE assets SET live_photo_video_id = $2 WHERE id = $1")
        .bind(still.to_string())
        .bind(video.to_string())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    sqlx::query("UPDATE assets SET visibility = 'hidden' WHERE id = $1")
        .bind(video.to_string())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    sqlx::query("DELETE FROM album_assets WHERE asset_id = $1")
        .bind(video.to_string())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// `column = $param`, unless the user locked the column by editing it.
fn unless_locked(column: &str, property: LockedProperties, param: usize) -> String {
    format!(
        "{column} = CASE WHEN (locked_properties & {}) <> 0 THEN {column} ELSE ${param} END",
        property.bits()
    )
}
