//! Timeline buckets: months of local date taken, and the assets of one month.

use shoebox_store::StoreResult;
use shoebox_store::records::{AssetKind, TimelineAsset, TimelineFilter};
use sqlx::{AssertSqlSafe, Row};

use crate::SqlStore;
use crate::codec::*;
use crate::search::{Arg, Conditions};

fn conditions(f: &TimelineFilter) -> Conditions {
    let mut c = Conditions::default();
    if !f.owner_ids.is_empty() {
        c.push_list(
            "a.owner_id IN (?)",
            f.owner_ids.iter().map(|id| Arg::Text(id.to_string())),
        );
    }
    if let Some(album) = f.album_id {
        c.push(
            "a.id IN (SELECT asset_id FROM album_assets WHERE album_id = ?)",
            Arg::Text(album.to_string()),
        );
    }
    if let Some(fav) = f.is_favorite {
        c.push("a.is_favorite = ?", Arg::Bool(fav));
    }
    c.push_plain(if f.is_trashed {
        "a.deleted_at IS NOT NULL"
    } else {
        "a.deleted_at IS NULL"
    });
    match &f.visibility {
        Some(v) => c.push("a.visibility = ?", Arg::Text(v.clone())),
        None => c.push_plain("a.visibility IN ('timeline', 'archive')"),
    }
    c
}

fn direction(f: &TimelineFilter) -> &'static str {
    if f.ascending { "ASC" } else { "DESC" }
}

/// The first day of the next month, for a `YYYY-MM-01` key.
fn next_month(month_start: &str) -> Option<String> {
    let year: i32 = month_start.get(0..4)?.parse().ok()?;
    let month: u32 = month_start.get(5..7)?.parse().ok()?;
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    Some(format!("{y:04}-{m:02}-01"))
}

impl SqlStore {
    pub(crate) async fn time_buckets_impl(
        &self,
        f: &TimelineFilter,
    ) -> StoreResult<Vec<(String, i64)>> {
        let c = conditions(f);
        // Local date-times are text "YYYY-MM-DDT…", so the month is a prefix on both backends.
        let sql = format!(
            "SELECT SUBSTR(a.local_date_time, 1, 7) AS month, CAST(COUNT(*) AS BIGINT) AS n \
             FROM assets a{} GROUP BY SUBSTR(a.local_date_time, 1, 7) ORDER BY month {}",
            c.where_sql(),
            direction(f)
        );
        c.bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| Ok((format!("{}-01", get_str(r, "month")?), get_i64(r, "n")?)))
            .collect()
    }

    pub(crate) async fn time_bucket_impl(
        &self,
        f: &TimelineFilter,
        month_start: &str,
    ) -> StoreResult<Vec<TimelineAsset>> {
        let Some(next) = next_month(month_start) else {
            return Ok(Vec::new());
        };
        let mut c = conditions(f);
        c.push("a.local_date_time >= ?", Arg::Text(month_start.to_string()));
        c.push("a.local_date_time < ?", Arg::Text(next));
        let dir = direction(f);
        let sql = format!(
            "SELECT a.id, a.owner_id, a.type, a.width, a.height, a.is_favorite, a.visibility, a.deleted_at, \
             a.thumbhash, a.created_at, a.file_created_at, a.local_date_time, a.duration, \
             a.live_photo_video_id, e.projection_type, e.city, e.country, e.latitude, e.longitude \
             FROM assets a LEFT JOIN asset_exif e ON e.asset_id = a.id{} \
             ORDER BY SUBSTR(a.local_date_time, 1, 10) {dir}, a.file_created_at {dir}",
            c.where_sql()
        );
        let rows = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(TimelineAsset {
                    id: get_uuid(r, "id")?,
                    owner_id: get_uuid(r, "owner_id")?,
                    kind: AssetKind::parse(&get_str(r, "type")?).unwrap_or(AssetKind::Image),
                    width: get_opt_i64(r, "width")?,
                    height: get_opt_i64(r, "height")?,
                    is_favorite: get_bool(r, "is_favorite")?,
                    visibility: get_str(r, "visibility")?,
                    deleted_at: get_opt_ts(r, "deleted_at")?,
                    thumbhash: r.try_get("thumbhash").map_err(db_err)?,
                    created_at: get_ts(r, "created_at")?,
                    file_created_at: get_ts(r, "file_created_at")?,
                    local_date_time: get_local_ts(r, "local_date_time")?,
                    duration: get_opt_str(r, "duration")?,
                    projection_type: get_opt_str(r, "projection_type")?,
                    live_photo_video_id: get_opt_uuid(r, "live_photo_video_id")?,
                    city: get_opt_str(r, "city")?,
                    country: get_opt_str(r, "country")?,
                    latitude: get_opt_f64(r, "latitude")?,
                    longitude: get_opt_f64(r, "longitude")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::next_month;

    #[test]
    fn next_month_rolls_over_the_year() {
        assert_eq!(next_month("2024-03-01").as_deref(), Some("2024-04-01"));
        assert_eq!(next_month("2024-12-01").as_deref(), Some("2025-01-01"));
        assert_eq!(next_month("garbage"), None);
    }
}
