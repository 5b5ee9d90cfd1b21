use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::*;
use shoebox_store::{AssetRepo, StoreError, StoreResult};
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;
use crate::id_lists::{CHUNK, execute_for_ids, fetch_for_ids, placeholders};

pub(crate) const EXIF_COLUMNS: &str = "e.description, e.latitude, e.longitude, e.date_time_original, e.time_zone, \
     e.rating, e.make, e.model, e.lens_model, e.exif_image_width, e.exif_image_height, e.orientation, \
     e.f_number, e.focal_length, e.iso, e.exposure_time, e.modify_date, e.city, e.state, e.country, \
     e.projection_type, e.locked_properties";

pub(crate) fn select_asset() -> String {
    format!("SELECT a.*, {EXIF_COLUMNS} FROM assets a LEFT JOIN asset_exif e ON e.asset_id = a.id")
}

fn exif_from_row(row: &AnyRow) -> StoreResult<ExifRecord> {
    Ok(ExifRecord {
        description: get_opt_str(row, "description")?.unwrap_or_default(),
        latitude: get_opt_f64(row, "latitude")?,
        longitude: get_opt_f64(row, "longitude")?,
        date_time_original: get_opt_ts(row, "date_time_original")?,
        time_zone: get_opt_str(row, "time_zone")?,
        rating: get_opt_i64(row, "rating")?,
        make: get_opt_str(row, "make")?,
        model: get_opt_str(row, "model")?,
        lens_model: get_opt_str(row, "lens_model")?,
        exif_image_width: get_opt_i64(row, "exif_image_width")?,
        exif_image_height: get_opt_i64(row, "exif_image_height")?,
        orientation: get_opt_str(row, "orientation")?,
        f_number: get_opt_f64(row, "f_number")?,
        focal_length: get_opt_f64(row, "focal_length")?,
        iso: get_opt_i64(row, "iso")?,
        exposure_time: get_opt_str(row, "exposure_time")?,
        modify_date: get_opt_ts(row, "modify_date")?,
        city: get_opt_str(row, "city")?,
        state: get_opt_str(row, "state")?,
        country: get_opt_str(row, "country")?,
        projection_type: get_opt_str(row, "projection_type")?,
    })
}

pub(crate) fn asset_from_row(row: &AnyRow) -> StoreResult<AssetRecord> {
    let kind = get_str(row, "type")?;
    Ok(AssetRecord {
        id: get_uuid(row, "id")?,
        owner_id: get_uuid(row, "owner_id")?,
        device_asset_id: get_str(row, "device_asset_id")?,
        device_id: get_str(row, "device_id")?,
        kind: AssetKind::parse(&kind)
            .ok_or_else(|| StoreError::Backend(format!("unknown asset type {kind}")))?,
        original_path: get_str(row, "original_path")?,
        original_file_name: get_str(row, "original_file_name")?,
        checksum: row.try_get("checksum").map_err(db_err)?,
        file_size: get_i64(row, "file_size")?,
        file_created_at: get_ts(row, "file_created_at")?,
        file_modified_at: get_ts(row, "file_modified_at")?,
        local_date_time: get_local_ts(row, "local_date_time")?,
        is_favorite: get_bool(row, "is_favorite")?,
        visibility: get_str(row, "visibility")?,
        duration: get_opt_str(row, "duration")?,
        sidecar_path: get_opt_str(row, "sidecar_path")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
        deleted_at: get_opt_ts(row, "deleted_at")?,
        width: get_opt_i64(row, "width")?,
        height: get_opt_i64(row, "height")?,
        thumbhash: row.try_get("thumbhash").map_err(db_err)?,
        metadata_extracted_at: get_opt_ts(row, "metadata_extracted_at")?,
        live_photo_video_id: get_opt_uuid(row, "live_photo_video_id")?,
        duplicate_id: get_opt_uuid(row, "duplicate_id")?,
        stack_id: get_opt_uuid(row, "stack_id")?,
        exif: exif_from_row(row)?,
        // An asset without an EXIF row has nothing locked.
        locked_properties: LockedProperties::from_bits(
            get_opt_i64(row, "locked_properties")?.unwrap_or(0),
        ),
    })
}

/// Executes `sql_for(list)` over `ids` in one transaction, with `now` as `$1`.
async fn update_ids(
    store: &SqlStore,
    ids: &[Uuid],
    now: Option<DateTime<Utc>>,
    sql_for: impl Fn(&str) -> String,
) -> StoreResult<()> {
    let leading: Vec<String> = now.map(ts).into_iter().collect();
    let mut tx = store.pool.begin().await.map_err(db_err)?;
    execute_for_ids(&mut tx, &leading, ids, sql_for).await?;
    tx.commit().await.map_err(db_err)
}

fn uuids(rows: &[AnyRow], column: &str) -> StoreResult<Vec<Uuid>> {
    rows.iter().map(|r| get_uuid(r, column)).collect()
}

#[async_trait]
impl AssetRepo for SqlStore {
    async fn create(&self, a: &AssetRecord) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO assets (id, owner_id, device_asset_id, device_id, type, original_path, \
             original_file_name, checksum, file_size, file_created_at, file_modified_at, local_date_time, \
             is_favorite, visibility, duration, sidecar_path, created_at, updated_at, deleted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        )
        .bind(a.id.to_string())
        .bind(a.owner_id.to_string())
        .bind(&a.device_asset_id)
        .bind(&a.device_id)
        .bind(a.kind.as_str())
        .bind(&a.original_path)
        .bind(&a.original_file_name)
        .bind(a.checksum.clone())
        .bind(a.file_size)
        .bind(ts(a.file_created_at))
        .bind(ts(a.file_modified_at))
        .bind(local_ts(a.local_date_time))
        .bind(a.is_favorite)
        .bind(&a.visibility)
        .bind(a.duration.clone())
        .bind(a.sidecar_path.clone())
        .bind(ts(a.created_at))
        .bind(ts(a.updated_at))
        .bind(a.deleted_at.map(ts))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO asset_exif (asset_id, description, latitude, longitude, date_time_original, \
             time_zone, rating) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(a.id.to_string())
        .bind(&a.exif.description)
        .bind(NullableF64(a.exif.latitude))
        .bind(NullableF64(a.exif.longitude))
        .bind(a.exif.date_time_original.map(ts))
        .bind(a.exif.time_zone.clone())
        .bind(a.exif.rating)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn get(&self, id: Uuid) -> StoreResult<Option<AssetRecord>> {
        let sql = format!("{} WHERE a.id = $1", select_asset());
        sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(asset_from_row)
            .transpose()
    }

    async fn get_many(&self, ids: &[Uuid]) -> StoreResult<Vec<AssetRecord>> {
        let rows = fetch_for_ids(&self.pool, &[], ids, |list| {
            format!(
                "{} WHERE a.id IN ({list}) ORDER BY a.local_date_time DESC",
                select_asset()
            )
        })
        .await?;
        rows.iter().map(asset_from_row).collect()
    }

    async fn find_by_checksums(
        &self,
        owner_id: Uuid,
        checksums: &[Vec<u8>],
    ) -> StoreResult<Vec<ChecksumMatch>> {
        let mut out = Vec::new();
        for chunk in checksums.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, checksum, deleted_at FROM assets WHERE owner_id = $1 AND checksum IN ({})",
                placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(owner_id.to_string());
            for c in chunk {
                q = q.bind(c.clone());
            }
            for row in q.fetch_all(&self.pool).await.map_err(db_err)? {
                out.push(ChecksumMatch {
                    checksum: row.try_get("checksum").map_err(db_err)?,
                    asset_id: get_uuid(&row, "id")?,
                    is_trashed: get_opt_str(&row, "deleted_at")?.is_some(),
                });
            }
        }
        Ok(out)
    }

    async fn owned_ids(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[user_id.to_string()], ids, |list| {
            format!("SELECT id FROM assets WHERE owner_id = $1 AND id IN ({list})")
        })
        .await?;
        uuids(&rows, "id")
    }

    async fn readable_ids(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[user_id.to_string()], ids, |list| {
            format!(
                "SELECT id FROM assets WHERE id IN ({list}) AND (owner_id = $1 OR id IN ( \
                   SELECT aa.asset_id FROM album_assets aa JOIN albums al ON al.id = aa.album_id \
                   LEFT JOIN album_users au ON au.album_id = al.id AND au.user_id = $1 \
                   WHERE al.owner_id = $1 OR au.user_id IS NOT NULL) \
                 OR (deleted_at IS NULL AND visibility IN ('timeline', 'hidden') AND owner_id IN ( \
                   SELECT shared_by_id FROM partners WHERE shared_with_id = $1)))"
            )
        })
        .await?;
        uuids(&rows, "id")
    }

    async fn update(&self, ids: &[Uuid], p: &AssetPatch, now: DateTime<Utc>) -> StoreResult<()> {
        // Sorted, and the EXIF row before the asset row, as metadata extraction does: two
        // transactions that lock rows in one order cannot deadlock each other.
        let mut ids = ids.to_vec();
        ids.sort();
        let (set_tz, tz) = match &p.time_zone {
            Some(tz) => (true, tz.clone()),
            None => (false, None),
        };
        let (set_rating, rating) = match p.rating {
            Some(r) => (true, r),
            None => (false, None),
        };
        // Only a patch that edits EXIF writes the EXIF row: each write moves the row's sync
        // position, and an unchanged row would be sent to every phone again.
        let edits_exif = !p.locks().is_empty();
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        for id in ids {
            let id = id.to_string();
            if edits_exif {
                sqlx::query(
                    "UPDATE asset_exif SET description = COALESCE($2, description), \
                 latitude = COALESCE($3, latitude), longitude = COALESCE($4, longitude), \
                 date_time_original = COALESCE($5, date_time_original), \
                 time_zone = CASE WHEN $6 THEN $7 ELSE time_zone END, \
                 rating = CASE WHEN $8 THEN $9 ELSE rating END, \
                 locked_properties = locked_properties | $10 WHERE asset_id = $1",
                )
                .bind(id.clone())
                .bind(p.description.clone())
                .bind(NullableF64(p.latitude))
                .bind(NullableF64(p.longitude))
                .bind(p.date_time_original.map(ts))
                .bind(set_tz)
                .bind(tz.clone())
                .bind(set_rating)
                .bind(rating)
                .bind(p.locks().bits())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            sqlx::query(
                "UPDATE assets SET is_favorite = COALESCE($2, is_favorite), \
                 visibility = COALESCE($3, visibility), \
                 local_date_time = COALESCE($4, local_date_time), \
                 file_created_at = COALESCE($6, file_created_at), updated_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(p.is_favorite)
            .bind(p.visibility.clone())
            .bind(p.local_date_time.map(local_ts))
            .bind(ts(now))
            // The date taken is also the instant the timeline sorts by, as extraction sets it.
            .bind(p.date_time_original.map(ts))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn trash(&self, ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()> {
        update_ids(self, ids, Some(now), |list| {
            format!("UPDATE assets SET deleted_at = $1, updated_at = $1 WHERE deleted_at IS NULL AND id IN ({list})")
        })
        .await
    }

    async fn restore(&self, ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()> {
        update_ids(self, ids, Some(now), |list| {
            format!("UPDATE assets SET deleted_at = NULL, updated_at = $1 WHERE id IN ({list})")
        })
        .await
    }

    async fn trashed_ids(&self, owner_id: Uuid) -> StoreResult<Vec<Uuid>> {
        sqlx::query("SELECT id FROM assets WHERE owner_id = $1 AND deleted_at IS NOT NULL")
            .bind(owner_id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| get_uuid(r, "id"))
            .collect()
    }

    async fn delete(&self, ids: &[Uuid]) -> StoreResult<()> {
        update_ids(self, ids, None, |list| {
            format!("DELETE FROM assets WHERE id IN ({list})")
        })
        .await
    }

    async fn file_paths_of_owner(&self, owner_id: Uuid) -> StoreResult<Vec<String>> {
        let rows =
            sqlx::query("SELECT original_path, sidecar_path FROM assets WHERE owner_id = $1")
                .bind(owner_id.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
        let mut paths = Vec::with_capacity(rows.len());
        for row in &rows {
            paths.push(get_str(row, "original_path")?);
            paths.extend(get_opt_str(row, "sidecar_path")?);
        }
        Ok(paths)
    }

    async fn search(&self, s: &AssetSearch) -> StoreResult<Vec<AssetRecord>> {
        self.search_impl(s).await
    }

    async fn search_count(&self, s: &AssetSearch) -> StoreResult<i64> {
        self.search_count_impl(s).await
    }

    async fn exif_values(
        &self,
        owner_id: Uuid,
        partner_ids: &[Uuid],
        field: ExifField,
        narrowed_by: &[(ExifField, String)],
    ) -> StoreResult<Vec<String>> {
        self.exif_values_impl(owner_id, partner_ids, field, narrowed_by)
            .await
    }

    async fn city_samples(
        &self,
        owner_id: Uuid,
        partner_ids: &[Uuid],
        min_assets: i64,
        max_cities: i64,
    ) -> StoreResult<Vec<(String, Uuid)>> {
        self.city_samples_impl(owner_id, partner_ids, min_assets, max_cities)
            .await
    }

    async fn save_metadata(&self, id: Uuid, update: &MetadataUpdate) -> StoreResult<()> {
        self.save_metadata_impl(id, update).await
    }

    async fn set_thumbhash(
        &self,
        id: Uuid,
        thumbhash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.set_thumbhash_impl(id, thumbhash, now).await
    }

    async fn upsert_file(&self, id: Uuid, file: &AssetFileRecord) -> StoreResult<()> {
        self.upsert_file_impl(id, file).await
    }

    async fn link_live_photo(&self, id: Uuid) -> StoreResult<Option<(Uuid, Uuid)>> {
        self.link_live_photo_impl(id).await
    }

    async fn attach_motion_video(&self, still: Uuid, video: Uuid) -> StoreResult<()> {
        self.attach_motion_video_impl(still, video).await
    }

    async fn files_of(&self, id: Uuid) -> StoreResult<Vec<AssetFileRecord>> {
        self.files_of_impl(id).await
    }

    async fn set_sidecar_path(&self, id: Uuid, path: Option<&str>) -> StoreResult<()> {
        self.set_sidecar_path_impl(id, path).await
    }

    async fn ids_page(
        &self,
        after: Option<Uuid>,
        limit: i64,
        filter: &AssetIdsFilter<'_>,
    ) -> StoreResult<Vec<Uuid>> {
        self.ids_page_impl(after, limit, filter).await
    }

    async fn time_buckets(&self, filter: &TimelineFilter) -> StoreResult<Vec<(String, i64)>> {
        self.time_buckets_impl(filter).await
    }

    async fn time_bucket(
        &self,
        filter: &TimelineFilter,
        month_start: &str,
    ) -> StoreResult<Vec<TimelineAsset>> {
        self.time_bucket_impl(filter, month_start).await
    }

    async fn stats(&self, owner_id: Uuid, f: &AssetStatsFilter) -> StoreResult<AssetStats> {
        // Without a visibility, count what the timeline and archive show, as
        // search does (and Immich): hidden and locked assets stay out.
        let mut sql = String::from(
            "SELECT type, COUNT(*) AS n FROM assets WHERE owner_id = $1 \
             AND (($2 IS NULL AND visibility IN ('timeline', 'archive')) OR visibility = $2) \
             AND ($3 IS NULL OR is_favorite = $3)",
        );
        match f.is_trashed {
            Some(true) => sql.push_str(" AND deleted_at IS NOT NULL"),
            Some(false) | None => sql.push_str(" AND deleted_at IS NULL"),
        }
        sql.push_str(" GROUP BY type");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(owner_id.to_string())
            .bind(f.visibility.clone())
            .bind(f.is_favorite)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let mut stats = AssetStats::default();
        for row in rows {
            let n = get_i64(&row, "n")?;
            match AssetKind::parse(&get_str(&row, "type")?) {
                Some(AssetKind::Image) => stats.images = n,
                Some(AssetKind::Video) => stats.videos = n,
                None => {}
            }
        }
        Ok(stats)
    }

    async fn usage_by_user(&self) -> StoreResult<Vec<UserUsage>> {
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.quota_size_bytes, \
               CAST(COALESCE(SUM(CASE WHEN a.type = 'IMAGE' THEN 1 ELSE 0 END), 0) AS BIGINT) AS photos, \
               CAST(COALESCE(SUM(CASE WHEN a.type = 'VIDEO' THEN 1 ELSE 0 END), 0) AS BIGINT) AS videos, \
               CAST(COALESCE(SUM(a.file_size), 0) AS BIGINT) AS usage, \
               CAST(COALESCE(SUM(CASE WHEN a.type = 'IMAGE' THEN a.file_size ELSE 0 END), 0) AS BIGINT) AS usage_photos, \
               CAST(COALESCE(SUM(CASE WHEN a.type = 'VIDEO' THEN a.file_size ELSE 0 END), 0) AS BIGINT) AS usage_videos \
             FROM users u LEFT JOIN assets a ON a.owner_id = u.id AND a.deleted_at IS NULL \
             WHERE u.deleted_at IS NULL GROUP BY u.id, u.name, u.quota_size_bytes, u.created_at \
             ORDER BY u.created_at",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(UserUsage {
                    user_id: get_uuid(r, "id")?,
                    user_name: get_str(r, "name")?,
                    quota_size_bytes: get_opt_i64(r, "quota_size_bytes")?,
                    photos: get_i64(r, "photos")?,
                    videos: get_i64(r, "videos")?,
                    usage: get_i64(r, "usage")?,
                    usage_photos: get_i64(r, "usage_photos")?,
                    usage_videos: get_i64(r, "usage_videos")?,
                })
            })
            .collect()
    }
}
