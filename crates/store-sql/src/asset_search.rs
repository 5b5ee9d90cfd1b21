//! Searching assets by what is known about them: the filters of Immich's metadata, random,
//! statistics and large-asset searches, suggestions of metadata values and one asset per place.

use shoebox_store::StoreResult;
use shoebox_store::ocr::search_tokens;
use shoebox_store::records::{AssetRecord, AssetSearch, ExifField, SearchOrder};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::SqlStore;
use crate::assets::{asset_from_row, select_asset};
use crate::codec::*;
use crate::search::{Arg, Conditions};
use crate::tags::ASSETS_UNDER_TAG;

/// A case-insensitive `LIKE … ESCAPE '\'` pattern matching `text` anywhere.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn ids(ids: &[Uuid]) -> Vec<Arg> {
    ids.iter().map(|id| Arg::Text(id.to_string())).collect()
}

/// `column = value`, or `column IS NULL` for `Some(None)`.
fn push_exact(c: &mut Conditions, column: &str, value: &Option<Option<String>>) {
    match value {
        Some(Some(v)) => c.push(&format!("{column} = ?"), Arg::Text(v.clone())),
        Some(None) => c.push_plain(&format!("{column} IS NULL")),
        None => {}
    }
}

/// Whose assets are searched: the caller's, and what partners keep on their timeline
/// (never their archive, hidden or locked assets).
fn push_owner_scope(c: &mut Conditions, owner_id: Uuid, partner_ids: &[Uuid]) {
    if partner_ids.is_empty() {
        c.push("a.owner_id = ?", Arg::Text(owner_id.to_string()));
        return;
    }
    let mut args = vec![Arg::Text(owner_id.to_string())];
    args.extend(ids(partner_ids));
    c.push_with(args, |p| {
        format!(
            "(a.owner_id = {} OR (a.owner_id IN ({}) AND a.visibility = 'timeline'))",
            p[0],
            p[1..].join(", ")
        )
    });
}

pub(crate) fn search_conditions(s: &AssetSearch) -> Conditions {
    let mut c = Conditions::default();
    push_owner_scope(&mut c, s.owner_id, &s.partner_ids);
    if let Some(id) = s.id {
        c.push("a.id = ?", Arg::Text(id.to_string()));
    }
    if !s.album_ids.is_empty() {
        let n = s.album_ids.len();
        c.push_list(
            &format!(
                "a.id IN (SELECT asset_id FROM album_assets WHERE album_id IN (?) \
                 GROUP BY asset_id HAVING COUNT(DISTINCT album_id) = {n})"
            ),
            ids(&s.album_ids),
        );
    } else if s.not_in_album {
        c.push_plain("NOT EXISTS (SELECT 1 FROM album_assets x WHERE x.asset_id = a.id)");
    }
    match s.tag_ids.as_deref() {
        Some([]) => c.push_plain("NOT EXISTS (SELECT 1 FROM tag_assets x WHERE x.asset_id = a.id)"),
        Some(tags) => {
            for tag in tags {
                c.push(
                    &format!("a.id IN ({ASSETS_UNDER_TAG})"),
                    Arg::Text(tag.to_string()),
                );
            }
        }
        None => {}
    }
    for person in &s.person_ids {
        c.push(
            "a.id IN (SELECT asset_id FROM asset_faces WHERE person_id = ?)",
            Arg::Text(person.to_string()),
        );
    }
    // Every word of the query appears among the words read in the asset (case ignored).
    let words = s.ocr.as_deref().map(search_tokens).unwrap_or_default();
    if !words.is_empty() {
        let args = words.iter().map(|w| Arg::Text(like_pattern(w))).collect();
        c.push_with(args, |p| {
            let likes: Vec<String> = p
                .iter()
                .map(|p| format!("o.text LIKE {p} ESCAPE '\\'"))
                .collect();
            format!(
                "EXISTS (SELECT 1 FROM ocr_search o WHERE o.asset_id = a.id AND {})",
                likes.join(" AND ")
            )
        });
    }
    // There are no external libraries (so no offline assets): these filters honestly match
    // nothing.
    if s.is_offline == Some(true) || s.library_id.is_some() {
        c.push_plain("1 = 0");
    }
    if let Some(checksum) = &s.checksum {
        c.push("a.checksum = ?", Arg::Bytes(checksum.clone()));
    }
    let substrings = [
        ("a.original_file_name", &s.original_file_name),
        ("a.original_path", &s.original_path),
        ("e.description", &s.description),
    ];
    for (column, text) in substrings {
        if let Some(text) = text {
            c.push(
                &format!("LOWER({column}) LIKE ? ESCAPE '\\'"),
                Arg::Text(like_pattern(text)),
            );
        }
    }
    if let Some(device) = &s.device_id {
        c.push("a.device_id = ?", Arg::Text(device.clone()));
    }
    if let Some(kind) = &s.asset_type {
        c.push("a.type = ?", Arg::Text(kind.clone()));
    }
    if let Some(fav) = s.is_favorite {
        c.push("a.is_favorite = ?", Arg::Bool(fav));
    }
    if let Some(encoded) = s.is_encoded {
        let exists = "EXISTS (SELECT 1 FROM asset_files f WHERE f.asset_id = a.id \
                      AND f.kind = 'encoded_video')";
        c.push_plain(&if encoded {
            exists.to_string()
        } else {
            format!("NOT {exists}")
        });
    }
    if let Some(motion) = s.is_motion {
        c.push_plain(if motion {
            "a.live_photo_video_id IS NOT NULL"
        } else {
            "a.live_photo_video_id IS NULL"
        });
    }
    if let Some((kind, path)) = &s.generated_file {
        c.push_with(
            vec![Arg::Text(kind.clone()), Arg::Text(path.clone())],
            |p| {
                format!(
                    "EXISTS (SELECT 1 FROM asset_files f WHERE f.asset_id = a.id \
                     AND f.kind = {} AND f.path = {})",
                    p[0], p[1]
                )
            },
        );
    }
    let exif = &s.exif;
    for (column, value) in [
        ("e.city", &exif.city),
        ("e.state", &exif.state),
        ("e.country", &exif.country),
        ("e.make", &exif.make),
        ("e.model", &exif.model),
        ("e.lens_model", &exif.lens_model),
    ] {
        push_exact(&mut c, column, value);
    }
    match exif.rating {
        Some(Some(r)) => c.push("e.rating = ?", Arg::Int(r)),
        Some(None) => c.push_plain("e.rating IS NULL"),
        None => {}
    }
    match &s.visibility {
        Some(v) => c.push("a.visibility = ?", Arg::Text(v.clone())),
        None => c.push_plain("a.visibility <> 'locked'"),
    }
    if s.with_stacked == Some(false) {
        c.push_plain("a.stack_id IS NULL");
    }
    let trashed_filter =
        s.trashed_after.is_some() || s.trashed_before.is_some() || s.is_offline == Some(true);
    if !s.with_deleted && !trashed_filter {
        c.push_plain("a.deleted_at IS NULL");
    }
    let ranges = [
        ("a.deleted_at >= ?", s.trashed_after),
        ("a.deleted_at <= ?", s.trashed_before),
        ("a.file_created_at >= ?", s.taken_after),
        ("a.file_created_at <= ?", s.taken_before),
        ("a.created_at >= ?", s.created_after),
        ("a.created_at <= ?", s.created_before),
        ("a.updated_at >= ?", s.updated_after),
        ("a.updated_at <= ?", s.updated_before),
    ];
    for (clause, bound) in ranges {
        if let Some(t) = bound {
            c.push(clause, Arg::Text(ts(t)));
        }
    }
    if let Some(min) = s.min_file_size {
        c.push("a.file_size > ?", Arg::Int(min));
    }
    c
}

fn order_sql(order: SearchOrder) -> &'static str {
    match order {
        SearchOrder::TakenDesc => "a.file_created_at DESC, a.id DESC",
        SearchOrder::TakenAsc => "a.file_created_at ASC, a.id ASC",
        SearchOrder::Random => "RANDOM()",
        SearchOrder::FileSizeDesc => "a.file_size DESC, a.id DESC",
    }
}

impl SqlStore {
    pub(crate) async fn search_impl(&self, s: &AssetSearch) -> StoreResult<Vec<AssetRecord>> {
        let c = search_conditions(s);
        let n = c.next_param();
        let sql = format!(
            "{}{} ORDER BY {} LIMIT ${n} OFFSET ${}",
            select_asset(),
            c.where_sql(),
            order_sql(s.order),
            n + 1
        );
        c.bind(sqlx::query(AssertSqlSafe(sql)))
            .bind(s.limit)
            .bind(s.offset)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(asset_from_row)
            .collect()
    }

    /// Of `candidates`, the ids `s` finds, unordered and unpaged (smart search's filter).
    /// The candidates drive the query (`CROSS JOIN` fixes SQLite's join order): without
    /// statistics SQLite would rather scan the owner's index than look up a few ids.
    pub(crate) async fn filter_ids_impl(
        &self,
        s: &AssetSearch,
        candidates: &[Uuid],
    ) -> StoreResult<Vec<Uuid>> {
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let mut c = search_conditions(s);
        c.push_plain("a.id = c.id");
        let first = c.next_param();
        let values: Vec<String> = (first..first + candidates.len())
            .map(|n| format!("(${n})"))
            .collect();
        let sql = format!(
            "WITH c(id) AS (VALUES {}) SELECT a.id FROM c CROSS JOIN assets a \
             LEFT JOIN asset_exif e ON e.asset_id = a.id{}",
            values.join(", "),
            c.where_sql()
        );
        let mut q = c.bind(sqlx::query(AssertSqlSafe(sql)));
        for id in candidates {
            q = q.bind(id.to_string());
        }
        q.fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| get_uuid(r, "id"))
            .collect()
    }

    pub(crate) async fn search_count_impl(&self, s: &AssetSearch) -> StoreResult<i64> {
        let c = search_conditions(s);
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM assets a \
             LEFT JOIN asset_exif e ON e.asset_id = a.id{}",
            c.where_sql()
        );
        let row = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        get_i64(&row, "n")
    }

    pub(crate) async fn exif_values_impl(
        &self,
        owner_id: Uuid,
        partner_ids: &[Uuid],
        field: ExifField,
        narrowed_by: &[(ExifField, String)],
    ) -> StoreResult<Vec<String>> {
        let mut c = Conditions::default();
        push_owner_scope(&mut c, owner_id, partner_ids);
        c.push_plain("a.visibility = 'timeline'");
        c.push_plain("a.deleted_at IS NULL");
        let column = field.column();
        c.push_plain(&format!("e.{column} IS NOT NULL AND e.{column} <> ''"));
        for (other, value) in narrowed_by {
            c.push(
                &format!("e.{} = ?", other.column()),
                Arg::Text(value.clone()),
            );
        }
        let sql = format!(
            "SELECT DISTINCT e.{column} AS v FROM assets a \
             JOIN asset_exif e ON e.asset_id = a.id{} ORDER BY v",
            c.where_sql()
        );
        c.bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| get_str(r, "v"))
            .collect()
    }

    pub(crate) async fn city_samples_impl(
        &self,
        owner_id: Uuid,
        partner_ids: &[Uuid],
        min_assets: i64,
        max_cities: i64,
    ) -> StoreResult<Vec<(String, Uuid)>> {
        let mut c = Conditions::default();
        push_owner_scope(&mut c, owner_id, partner_ids);
        c.push_plain("a.visibility = 'timeline'");
        c.push_plain("a.deleted_at IS NULL");
        c.push_plain("a.type = 'IMAGE'");
        c.push_plain("e.city IS NOT NULL AND e.city <> ''");
        let n = c.next_param();
        // The newest photo of each city stands for it.
        let sql = format!(
            "SELECT city, id FROM (\
               SELECT e.city AS city, a.id AS id, \
                 ROW_NUMBER() OVER (PARTITION BY e.city ORDER BY a.file_created_at DESC, a.id) AS nth, \
                 COUNT(*) OVER (PARTITION BY e.city) AS in_city \
               FROM assets a JOIN asset_exif e ON e.asset_id = a.id{}\
             ) per_city WHERE nth = 1 AND in_city >= ${n} ORDER BY city LIMIT ${}",
            c.where_sql(),
            n + 1
        );
        c.bind(sqlx::query(AssertSqlSafe(sql)))
            .bind(min_assets)
            .bind(max_cities)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| Ok((get_str(r, "city")?, get_uuid(r, "id")?)))
            .collect()
    }
}
