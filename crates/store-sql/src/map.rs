use async_trait::async_trait;
use shoebox_store::records::{MapMarker, MapMarkerFilter};
use shoebox_store::{MapRepo, StoreResult};
use sqlx::AssertSqlSafe;

use crate::SqlStore;
use crate::codec::*;
use crate::id_lists::placeholders;

#[async_trait]
impl MapRepo for SqlStore {
    async fn markers(&self, f: &MapMarkerFilter) -> StoreResult<Vec<MapMarker>> {
        // $1..$5 are the fixed filters; the owners' ids follow.
        let owners = placeholders(7, f.owner_ids.len());
        let mut whose = Vec::new();
        if !f.owner_ids.is_empty() {
            whose.push(format!("a.owner_id IN ({owners})"));
        }
        whose.push(
            "($5 IS NOT NULL AND a.id IN (SELECT aa.asset_id FROM album_assets aa \
             JOIN albums al ON al.id = aa.album_id WHERE al.owner_id = $5 \
             OR al.id IN (SELECT album_id FROM album_users WHERE user_id = $5)))"
                .to_string(),
        );
        whose.push(
            "($6 IS NOT NULL AND a.id IN (SELECT asset_id FROM album_assets WHERE album_id = $6))"
                .to_string(),
        );
        let sql = format!(
            "SELECT a.id, e.latitude, e.longitude, e.city, e.state, e.country \
             FROM assets a JOIN asset_exif e ON e.asset_id = a.id \
             WHERE e.latitude IS NOT NULL AND e.longitude IS NOT NULL AND a.deleted_at IS NULL \
             AND (a.visibility = 'timeline' OR ($1 AND a.visibility = 'archive')) \
             AND ($2 IS NULL OR a.is_favorite = $2) \
             AND ($3 IS NULL OR a.file_created_at >= $3) \
             AND ($4 IS NULL OR a.file_created_at <= $4) \
             AND ({}) ORDER BY a.file_created_at DESC",
            whose.join(" OR ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(f.with_archived)
            .bind(f.is_favorite)
            .bind(f.file_created_after.map(ts))
            .bind(f.file_created_before.map(ts))
            .bind(f.albums_of.map(|u| u.to_string()))
            .bind(f.album_id.map(|u| u.to_string()));
        for owner in &f.owner_ids {
            q = q.bind(owner.to_string());
        }
        q.fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| {
                Ok(MapMarker {
                    id: get_uuid(row, "id")?,
                    latitude: get_opt_f64(row, "latitude")?.unwrap_or_default(),
                    longitude: get_opt_f64(row, "longitude")?.unwrap_or_default(),
                    city: get_opt_str(row, "city")?,
                    state: get_opt_str(row, "state")?,
                    country: get_opt_str(row, "country")?,
                })
            })
            .collect()
    }
}
