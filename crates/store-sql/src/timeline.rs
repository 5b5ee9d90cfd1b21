//! Timeline buckets: months of local date taken, and the assets of one month.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use shoebox_store::records::{AssetKind, TimelineAsset, TimelineFilter};
use shoebox_store::{StoreError, StoreResult};
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::codec::*;
use crate::id_lists::fetch_for_ids;
use crate::search::{Arg, Conditions};
use crate::tags::ASSETS_UNDER_TAG;
use crate::{Backend, SqlStore};

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
    if let Some(tag) = f.tag_id {
        c.push(
            &format!("a.id IN ({ASSETS_UNDER_TAG})"),
            Arg::Text(tag.to_string()),
        );
    }
    if let Some(person) = f.person_id {
        c.push(
            "a.id IN (SELECT asset_id FROM asset_faces WHERE person_id = ?)",
            Arg::Text(person.to_string()),
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
    if f.with_stacked {
        // Most assets are in no stack: the first test spares them the lookup.
        c.push_plain(&format!(
            "(a.stack_id IS NULL OR NOT EXISTS ({STACKED_BEHIND}))"
        ));
    }
    c
}

/// Matches when asset `a` is in a stack and not its primary: shown only as part of it.
const STACKED_BEHIND: &str =
    "SELECT 1 FROM stacks s WHERE s.id = a.stack_id AND s.primary_asset_id <> a.id";

/// The same filter over the `timeline_months` counts (migration 0004), when
/// they can answer it: they are kept per owner, so an album's or a tag's
/// timeline, which is not, scans the assets instead.
fn count_conditions(f: &TimelineFilter) -> Option<Conditions> {
    if f.album_id.is_some() || f.tag_id.is_some() || f.person_id.is_some() || f.owner_ids.is_empty()
    {
        return None;
    }
    let mut c = Conditions::default();
    c.push_list(
        "owner_id IN (?)",
        f.owner_ids.iter().map(|id| Arg::Text(id.to_string())),
    );
    if let Some(fav) = f.is_favorite {
        c.push("is_favorite = ?", Arg::Bool(fav));
    }
    c.push("is_trashed = ?", Arg::Bool(f.is_trashed));
    match &f.visibility {
        Some(v) => c.push("visibility = ?", Arg::Text(v.clone())),
        None => c.push_plain("visibility IN ('timeline', 'archive')"),
    }
    Some(c)
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
        let (sql, c) = match count_conditions(f) {
            Some(c) => (
                format!(
                    // PostgreSQL's table is a log of signed changes, so a month
                    // whose assets all left sums to zero until it is merged.
                    "SELECT month, CAST(SUM(n) AS BIGINT) AS n FROM timeline_months{} \
                     GROUP BY month HAVING SUM(n) > 0 ORDER BY month {}",
                    c.where_sql(),
                    direction(f)
                ),
                c,
            ),
            None => {
                let c = conditions(f);
                // Local date-times are text "YYYY-MM-DDT…", so the month is a prefix on both backends.
                let sql = format!(
                    "SELECT SUBSTR(a.local_date_time, 1, 7) AS month, CAST(COUNT(*) AS BIGINT) AS n \
                     FROM assets a{} GROUP BY SUBSTR(a.local_date_time, 1, 7) ORDER BY month {}",
                    c.where_sql(),
                    direction(f)
                );
                (sql, c)
            }
        };
        let mut months = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| Ok((format!("{}-01", get_str(r, "month")?), get_i64(r, "n")?)))
            .collect::<StoreResult<Vec<_>>>()?;
        if f.with_stacked && count_conditions(f).is_some() {
            self.subtract_stacked_behind(f, &mut months).await?;
        }
        Ok(months)
    }

    /// The month counts know nothing of stacks: take away the assets a stack hides. Owners
    /// without stacks (most) cost one count of the stacks table.
    async fn subtract_stacked_behind(
        &self,
        f: &TimelineFilter,
        months: &mut Vec<(String, i64)>,
    ) -> StoreResult<()> {
        let mut owners = Conditions::default();
        owners.push_list(
            "owner_id IN (?)",
            f.owner_ids.iter().map(|id| Arg::Text(id.to_string())),
        );
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM stacks{}",
            owners.where_sql()
        );
        let stacks = owners
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        if get_i64(&stacks, "n")? == 0 {
            return Ok(());
        }
        let c = conditions(&TimelineFilter {
            with_stacked: false,
            ..f.clone()
        });
        let sql = format!(
            "SELECT SUBSTR(a.local_date_time, 1, 7) AS month, CAST(COUNT(*) AS BIGINT) AS n \
             FROM stacks s JOIN assets a ON a.stack_id = s.id AND a.id <> s.primary_asset_id{} \
             GROUP BY SUBSTR(a.local_date_time, 1, 7)",
            c.where_sql()
        );
        let hidden = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        for row in &hidden {
            let month = format!("{}-01", get_str(row, "month")?);
            let n = get_i64(row, "n")?;
            if let Some(entry) = months.iter_mut().find(|(m, _)| *m == month) {
                entry.1 -= n;
            }
        }
        months.retain(|(_, n)| *n > 0);
        Ok(())
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
        let sql = format!(
            "SELECT {} AS assets FROM assets a{}",
            packed_assets_sql(self.backend),
            c.where_sql()
        );
        let row = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let Some(packed) = row.try_get::<Option<&str>, _>("assets").map_err(db_err)? else {
            return Ok(Vec::new());
        };
        let mut rows = split_records(packed)?;
        // The order of `ORDER BY SUBSTR(local_date_time, 1, 10), file_created_at`,
        // on the same text; the id only makes ties come out the same every time.
        rows.sort_unstable_by(|a, b| {
            let order = sort_key(a).cmp(&sort_key(b));
            if f.ascending { order } else { order.reverse() }
        });
        let mut assets = rows
            .iter()
            .map(unpack_asset)
            .collect::<StoreResult<Vec<_>>>()?;
        self.refetch_inexact_coordinates(&rows, &mut assets).await?;
        Ok(assets)
    }

    /// Reads the coordinates SQLite could not print exactly straight from
    /// their columns (see `exact_float_sql`).
    async fn refetch_inexact_coordinates(
        &self,
        rows: &[[&str; FIELDS]],
        assets: &mut [TimelineAsset],
    ) -> StoreResult<()> {
        let inexact: Vec<Uuid> = rows
            .iter()
            .zip(assets.iter())
            .filter(|(r, _)| r[LATITUDE] == INEXACT || r[LONGITUDE] == INEXACT)
            .map(|(_, a)| a.id)
            .collect();
        if inexact.is_empty() {
            return Ok(());
        }
        let exact = fetch_for_ids(&self.pool, &[], &inexact, |list| {
            format!("SELECT id, exif_latitude, exif_longitude FROM assets WHERE id IN ({list})")
        })
        .await?;
        let mut by_id = HashMap::with_capacity(exact.len());
        for row in &exact {
            by_id.insert(
                get_uuid(row, "id")?,
                (
                    get_opt_f64(row, "exif_latitude")?,
                    get_opt_f64(row, "exif_longitude")?,
                ),
            );
        }
        for a in assets.iter_mut() {
            if let Some(&(latitude, longitude)) = by_id.get(&a.id) {
                a.latitude = latitude;
                a.longitude = longitude;
            }
        }
        Ok(())
    }
}

// A bucket comes back as one text value, the assets separated by RECORD and
// each asset's fields by FIELD, in the order of the constants below. One
// value instead of 2,000 rows spares the `Any` driver's per-row and
// per-column work (a channel hop and an allocation per value on SQLite),
// which cost more than the query itself.
const RECORD: u8 = 0x1e;
const FIELD: u8 = 0x1f;
const FIELDS: usize = 21;
const ID: usize = 0;
const OWNER_ID: usize = 1;
const KIND: usize = 2;
const WIDTH: usize = 3;
const HEIGHT: usize = 4;
const IS_FAVORITE: usize = 5;
const VISIBILITY: usize = 6;
const DELETED_AT: usize = 7;
const THUMBHASH: usize = 8;
const CREATED_AT: usize = 9;
const FILE_CREATED_AT: usize = 10;
const LOCAL_DATE_TIME: usize = 11;
const DURATION: usize = 12;
const LIVE_PHOTO_VIDEO_ID: usize = 13;
const PROJECTION_TYPE: usize = 14;
const CITY: usize = 15;
const COUNTRY: usize = 16;
const LATITUDE: usize = 17;
const LONGITUDE: usize = 18;
const STACK_ID: usize = 19;
const STACK_COUNT: usize = 20;
/// A coordinate SQLite cannot print exactly; read again from its column.
const INEXACT: &str = "?";

/// The aggregate that packs the filtered assets into one text value.
///
/// `concat` turns NULL into an empty field. Ids, times, numbers and enums are
/// written by Shoebox and never hold the separators; free text (from files or
/// clients) goes in as a JSON string, whose escaping keeps control characters
/// out. A thumbhash is prefixed with `x` so an empty one differs from none.
fn packed_assets_sql(backend: Backend) -> String {
    let (sep, rec) = match backend {
        Backend::Sqlite => (format!("char({FIELD})"), format!("char({RECORD})")),
        Backend::Postgres => (format!("chr({FIELD})"), format!("chr({RECORD})")),
    };
    let text = |col: &str| match backend {
        Backend::Sqlite => format!("json_quote({col})"),
        Backend::Postgres => format!("to_json({col})"),
    };
    let thumbhash = match backend {
        // hex(NULL) is '', not NULL.
        Backend::Sqlite => "CASE WHEN a.thumbhash IS NOT NULL THEN 'x' || hex(a.thumbhash) END",
        Backend::Postgres => "'x' || encode(a.thumbhash, 'hex')",
    };
    let fields = [
        "a.id".to_string(),
        "a.owner_id".into(),
        "a.type".into(),
        "a.width".into(),
        "a.height".into(),
        "a.is_favorite".into(),
        "a.visibility".into(),
        "a.deleted_at".into(),
        thumbhash.into(),
        "a.created_at".into(),
        "a.file_created_at".into(),
        "a.local_date_time".into(),
        text("a.duration"),
        "a.live_photo_video_id".into(),
        text("a.exif_projection_type"),
        text("a.exif_city"),
        text("a.exif_country"),
        exact_float_sql(backend, "a.exif_latitude"),
        exact_float_sql(backend, "a.exif_longitude"),
        "a.stack_id".into(),
        // Immich counts the members a viewer of the timeline would see.
        "CASE WHEN a.stack_id IS NOT NULL THEN (SELECT COUNT(*) FROM assets m \
         WHERE m.stack_id = a.stack_id AND m.deleted_at IS NULL AND m.visibility = 'timeline') END"
            .into(),
    ];
    debug_assert_eq!(fields.len(), FIELDS);
    format!(
        "string_agg(concat({}), {rec})",
        fields.join(&format!(", {sep}, "))
    )
}

/// A float as text that parses back to the same `f64`. PostgreSQL prints the
/// shortest exact form (sqlx sets `extra_float_digits`). SQLite's own
/// conversion keeps 15 digits; 17 are exact, but only away from the extreme
/// exponents (checked over millions of values up to 1e±60, first misses near
/// 1e±83), so the rest, and zero with its sign, are marked for a re-read.
fn exact_float_sql(backend: Backend, col: &str) -> String {
    match backend {
        Backend::Postgres => col.to_string(),
        Backend::Sqlite => format!(
            "CASE WHEN abs({col}) >= 1e-50 AND abs({col}) < 1e50 THEN printf('%!.17g', {col}) \
             WHEN {col} IS NOT NULL THEN '{INEXACT}' END"
        ),
    }
}

/// The assets' fields, in one pass over the bytes: both separators are ASCII,
/// so they never fall inside a UTF-8 character. The end of the text ends the
/// last asset.
fn split_records(packed: &str) -> StoreResult<Vec<[&str; FIELDS]>> {
    let bytes = packed.as_bytes();
    let mut rows = Vec::with_capacity(bytes.len() / 256 + 1);
    let mut row = [""; FIELDS];
    let (mut n, mut start, mut record_start) = (0, 0, 0);
    for end in 0..=bytes.len() {
        let b = bytes.get(end).copied().unwrap_or(RECORD);
        if b != FIELD && b != RECORD {
            continue;
        }
        if n == FIELDS || (b == RECORD && n != FIELDS - 1) {
            let record_end = packed[end..]
                .find(char::from(RECORD))
                .map_or(packed.len(), |i| end + i);
            return Err(corrupt_bucket(&packed[record_start..record_end]));
        }
        row[n] = &packed[start..end];
        n += 1;
        start = end + 1;
        if b == RECORD {
            rows.push(row);
            n = 0;
            record_start = start;
        }
    }
    Ok(rows)
}

fn corrupt_bucket(record: &str) -> StoreError {
    StoreError::Backend(format!("timeline bucket row is unreadable: {record:?}"))
}

fn sort_key<'a>(r: &[&'a str; FIELDS]) -> (&'a str, &'a str, &'a str) {
    (day(r[LOCAL_DATE_TIME]), r[FILE_CREATED_AT], r[ID])
}

/// The first ten characters, as SQL's `SUBSTR(…, 1, 10)` takes them.
fn day(local_date_time: &str) -> &str {
    match local_date_time.char_indices().nth(10) {
        Some((end, _)) => &local_date_time[..end],
        None => local_date_time,
    }
}

fn unpack_asset(r: &[&str; FIELDS]) -> StoreResult<TimelineAsset> {
    let bad = |col: &str, value: &str| {
        StoreError::Backend(format!("column {col} holds an unreadable value {value:?}"))
    };
    let uuid = |col: &str, v: &str| Uuid::parse_str(v).map_err(|_| bad(col, v));
    let int = |col: &str, v: &str| {
        opt(v)
            .map(|v| v.parse::<i64>().map_err(|_| bad(col, v)))
            .transpose()
    };
    let float = |col: &str, v: &str| {
        opt(v)
            .filter(|v| *v != INEXACT)
            .map(|v| v.parse::<f64>().map_err(|_| bad(col, v)))
            .transpose()
    };
    let text = |col: &str, v: &str| -> StoreResult<Option<String>> {
        match v {
            "" | "null" => Ok(None),
            _ => serde_json::from_str(v).map_err(|_| bad(col, v)),
        }
    };
    Ok(TimelineAsset {
        id: uuid("id", r[ID])?,
        owner_id: uuid("owner_id", r[OWNER_ID])?,
        kind: AssetKind::parse(r[KIND]).unwrap_or(AssetKind::Image),
        width: int("width", r[WIDTH])?,
        height: int("height", r[HEIGHT])?,
        // SQLite keeps booleans as 0/1, PostgreSQL prints them as t/f.
        is_favorite: match r[IS_FAVORITE] {
            "1" | "t" | "true" => true,
            "0" | "f" | "false" => false,
            v => return Err(bad("is_favorite", v)),
        },
        visibility: r[VISIBILITY].to_string(),
        deleted_at: opt(r[DELETED_AT])
            .map(|v| utc_time("deleted_at", v))
            .transpose()?,
        thumbhash: opt(r[THUMBHASH])
            .map(|v| {
                v.strip_prefix('x')
                    .and_then(from_hex)
                    .ok_or_else(|| bad("thumbhash", v))
            })
            .transpose()?,
        created_at: utc_time("created_at", r[CREATED_AT])?,
        file_created_at: utc_time("file_created_at", r[FILE_CREATED_AT])?,
        local_date_time: local_time(r[LOCAL_DATE_TIME])?,
        duration: text("duration", r[DURATION])?,
        projection_type: text("projection_type", r[PROJECTION_TYPE])?,
        live_photo_video_id: opt(r[LIVE_PHOTO_VIDEO_ID])
            .map(|v| uuid("live_photo_video_id", v))
            .transpose()?,
        city: text("city", r[CITY])?,
        country: text("country", r[COUNTRY])?,
        latitude: float("latitude", r[LATITUDE])?,
        longitude: float("longitude", r[LONGITUDE])?,
        stack: match (opt(r[STACK_ID]), int("stack_count", r[STACK_COUNT])?) {
            (Some(id), Some(n)) => Some((uuid("stack_id", id)?, n)),
            _ => None,
        },
    })
}

/// An empty field is a NULL column.
fn opt(v: &str) -> Option<&str> {
    (!v.is_empty()).then_some(v)
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|p| Some((digit(p[0])? << 4) | digit(p[1])?))
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SS.mmm` as fixed-width digits, or `None` for any other
/// shape, which the general parsers then read.
fn fixed_width_time(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 23
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let second = num(17..19)?;
    // Leap seconds are left to chrono's own parser.
    if second > 59 {
        return None;
    }
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?.and_hms_milli_opt(
        num(11..13)?,
        num(14..16)?,
        second,
        num(20..23)?,
    )
}

/// What `parse_ts` reads, faster for the `…Z` times Shoebox writes.
fn utc_time(col: &str, s: &str) -> StoreResult<DateTime<Utc>> {
    match s.strip_suffix('Z').and_then(fixed_width_time) {
        Some(t) => Ok(t.and_utc()),
        None => parse_ts(col, s),
    }
}

/// What `get_local_ts` reads, faster for the times Shoebox writes.
fn local_time(s: &str) -> StoreResult<NaiveDateTime> {
    match fixed_width_time(s) {
        Some(t) => Ok(t),
        None => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.3f").map_err(|_| {
            StoreError::Backend(format!(
                "column local_date_time holds an unreadable value {s:?}"
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_time_parsing_agrees_with_the_general_parsers() {
        for s in [
            "2024-06-01T10:11:12.345",
            "0001-01-01T00:00:00.000",
            "9999-12-31T23:59:59.999",
            "2024-02-29T12:00:00.000",
        ] {
            assert_eq!(
                local_time(s).unwrap(),
                NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.3f").unwrap()
            );
            let utc = format!("{s}Z");
            assert_eq!(utc_time("t", &utc).unwrap(), parse_ts("t", &utc).unwrap());
        }
        // Shapes the fast path leaves to chrono, which must still read them.
        for s in ["2024-06-01T10:11:12.345+02:00", "2016-12-31T23:59:60.000Z"] {
            assert_eq!(utc_time("t", s).unwrap(), parse_ts("t", s).unwrap());
        }
        for bad in [
            "2023-02-29T00:00:00.000",
            "2024-06-01T24:00:00.000",
            "2024-06-01 10:11:12.345",
        ] {
            assert!(fixed_width_time(bad).is_none(), "{bad}");
        }
        assert!(local_time("2023-02-29T00:00:00.000").is_err());
    }

    #[test]
    fn packed_fields_decode() {
        assert_eq!(from_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(from_hex(""), Some(vec![]));
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(day("2024-06-01T10:11:12.345"), "2024-06-01");
        assert_eq!(day("short"), "short");
        let (field, record) = (char::from(FIELD), char::from(RECORD));
        let row = (0..FIELDS).map(|i| i.to_string()).collect::<Vec<_>>();
        let row = row.join(&field.to_string());
        let packed = format!("{row}{record}{row}");
        let rows = split_records(&packed).unwrap();
        assert_eq!(rows.len(), 2);
        let last = (FIELDS - 1).to_string();
        assert_eq!((rows[1][0], rows[1][FIELDS - 1]), ("0", last.as_str()));
        assert!(split_records(&format!("{row}{field}extra")).is_err());
        assert!(split_records(&format!("{row}{record}too{field}few")).is_err());
        assert!(split_records("").is_err());
        assert!(split_records(&format!("{row}{record}")).is_err());
    }

    #[test]
    fn next_month_rolls_over_the_year() {
        assert_eq!(next_month("2024-03-01").as_deref(), Some("2024-04-01"));
        assert_eq!(next_month("2024-12-01").as_deref(), Some("2025-01-01"));
        assert_eq!(next_month("garbage"), None);
    }
}
