//! The query behind each part of the sync stream: which rows, for whom, in position order.
//!
//! Every query selects its position as `p_xid, p_id` and takes the syncing user's id as
//! `$1`; the range's bounds follow as further parameters.

use shoebox_store::StoreResult;
use shoebox_store::sync::{
    PositionedRow, SyncAlbumUser, SyncAudience, SyncParentKind, SyncPosition, SyncRange, SyncRow,
    SyncSource, SyncStack, SyncTombstone, SyncTombstoneKind,
};
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::Backend;
use crate::assets::{EXIF_COLUMNS, asset_from_row};
use crate::codec::*;
use crate::search::Arg;

/// More ids than this go to the database as a subquery instead of one parameter each
/// (SQLite takes at most 32,766 parameters in one statement).
const MAX_LISTED_IDS: usize = 1000;

/// A query's arguments as it is built: `$1` is the user, and each value added takes the
/// next number.
struct Params(Vec<Arg>);

impl Params {
    fn push(&mut self, arg: Arg) -> String {
        self.0.push(arg);
        format!("${}", self.0.len())
    }

    fn id(&mut self, id: Uuid) -> String {
        self.push(Arg::Text(id.to_string()))
    }

    /// `IN (…)` over `ids`, or `None` when there are none (nothing can match). The ids
    /// are listed as parameters, which lets PostgreSQL plan with the owner or album index
    /// (behind a subquery it walks the whole table in position order); a list too long for
    /// one statement is read by `subquery` instead.
    fn any_of(&mut self, ids: &[Uuid], subquery: &str) -> Option<String> {
        if ids.is_empty() {
            return None;
        }
        if ids.len() > MAX_LISTED_IDS {
            return Some(format!("IN {subquery}"));
        }
        let list: Vec<String> = ids.iter().map(|id| self.id(*id)).collect();
        Some(format!("IN ({})", list.join(", ")))
    }
}

/// Albums the user owns or is a member of.
const MY_ALBUMS: &str = "(SELECT id FROM albums WHERE owner_id = $1 UNION SELECT album_id FROM album_users WHERE user_id = $1)";
/// Users who share their library with the user.
const MY_PARTNERS: &str = "(SELECT shared_by_id FROM partners WHERE shared_with_id = $1)";

/// How a source's rows are read back.
#[derive(Clone, Copy)]
enum Shape {
    AuthUser,
    User,
    Asset,
    Exif,
    Album,
    AlbumUser,
    AlbumToAsset,
    Partner,
    Stack,
    Memory,
    MemoryToAsset,
    Person,
    Face,
    Ocr,
    UserMetadata,
    AssetMetadata,
    Tombstone,
}

/// A query with `?P` where the range's position conditions go, for position columns `pos`.
struct Plan {
    sql: String,
    /// The position columns, e.g. `a.update_xid, a.update_id`.
    pos: &'static str,
    shape: Shape,
}

/// The query of `source`, its arguments pushed onto `params`; `None` when the audience
/// has no partners or albums for a source that reads theirs.
fn plan(
    source: SyncSource,
    audience: &SyncAudience,
    params: &mut Params,
    backend: Backend,
    incremental: bool,
) -> Option<Plan> {
    use SyncSource::*;
    use SyncTombstoneKind as T;
    // After a checkpoint, rows of a child table (EXIF, faces, OCR, metadata) are best read in
    // the child's position order with their parent looked up; SQLite would rather start at
    // the owner's assets and read the whole library on every sync, and `CROSS JOIN` is how
    // it is told the join order. A first sync reads everything either way, and PostgreSQL
    // plans from its statistics.
    let child_join = match backend {
        Backend::Sqlite if incremental => "CROSS JOIN",
        _ => "JOIN",
    };
    // The user's own children are fewer than their assets more often than not (faces, OCR
    // lines and metadata exist for some assets), so SQLite starts at the child table even
    // on a first read.
    let own_child_join = match backend {
        Backend::Sqlite => "CROSS JOIN",
        Backend::Postgres => "JOIN",
    };
    let asset_pos = "a.update_xid, a.update_id";
    let exif_pos = "e.update_xid, e.update_id";
    let link_pos = "aa.update_xid, aa.update_id";
    let select_asset = format!(
        "SELECT a.*, {EXIF_COLUMNS}, a.update_xid AS p_xid, a.update_id AS p_id \
         FROM assets a LEFT JOIN asset_exif e ON e.asset_id = a.id"
    );
    // EXIF lines need the asset too (its file size), so they read the asset's row with its
    // EXIF, but only where an EXIF row exists, positioned by the EXIF row.
    let exif_select = format!(
        "SELECT a.*, {EXIF_COLUMNS}, e.update_xid AS p_xid, e.update_id AS p_id \
         FROM asset_exif e {child_join} assets a ON a.id = e.asset_id"
    );
    let album_asset_select = format!(
        "SELECT a.*, {EXIF_COLUMNS}, aa.update_xid AS p_xid, aa.update_id AS p_id \
         FROM album_assets aa JOIN assets a ON a.id = aa.asset_id \
         LEFT JOIN asset_exif e ON e.asset_id = a.id"
    );
    let plan = |sql: String, pos: &'static str, shape: Shape| Plan { sql, pos, shape };
    let tomb = |kind: T, audience: &str| {
        plan(
            format!(
                "SELECT t.*, t.update_xid AS p_xid, t.update_id AS p_id FROM sync_tombstones t \
                 WHERE t.kind = '{}' AND {audience} AND ?P",
                kind.as_str()
            ),
            "t.update_xid, t.update_id",
            Shape::Tombstone,
        )
    };
    let user_pos = "u.update_xid, u.update_id";
    let users = |filter: &str| {
        format!(
            "SELECT u.*, u.update_xid AS p_xid, u.update_id AS p_id FROM users u WHERE {filter} AND ?P"
        )
    };
    let face_embedding = match backend {
        Backend::Sqlite => "NULL",
        Backend::Postgres => "NULL::bytea",
    };
    let partners =
        |params: &mut Params| params.any_of(&audience.ids(SyncParentKind::Partners), MY_PARTNERS);
    let albums =
        |params: &mut Params| params.any_of(&audience.ids(SyncParentKind::Albums), MY_ALBUMS);
    Some(match source {
        AuthUser => plan(
            "SELECT u.*, CAST((SELECT COALESCE(SUM(a.file_size), 0) FROM assets a \
             WHERE a.owner_id = u.id) AS BIGINT) AS usage_bytes, u.update_xid AS p_xid, \
             u.update_id AS p_id FROM users u WHERE u.id = $1 AND ?P"
                .into(),
            user_pos,
            Shape::AuthUser,
        ),
        Users => plan(users("TRUE"), user_pos, Shape::User),
        UserDeletes => tomb(T::User, "TRUE"),
        UserMetadata => plan(
            users("u.id = $1 AND u.preferences IS NOT NULL"),
            user_pos,
            Shape::UserMetadata,
        ),
        Partners => plan(
            "SELECT p.*, p.update_xid AS p_xid, p.update_id AS p_id FROM partners p \
             WHERE (p.shared_by_id = $1 OR p.shared_with_id = $1) AND ?P"
                .into(),
            "p.update_xid, p.update_id",
            Shape::Partner,
        ),
        PartnerDeletes => tomb(T::Partner, "(t.id1 = $1 OR t.id2 = $1)"),
        Assets => plan(
            format!("{select_asset} WHERE a.owner_id = $1 AND ?P"),
            asset_pos,
            Shape::Asset,
        ),
        AssetDeletes => tomb(T::Asset, "t.user_id = $1"),
        PartnerAssets => plan(
            format!(
                "{select_asset} WHERE a.owner_id {} AND ?P",
                partners(params)?
            ),
            asset_pos,
            Shape::Asset,
        ),
        PartnerAssetDeletes => tomb(T::Asset, &format!("t.user_id {}", partners(params)?)),
        PartnerAssetBackfill(partner) => plan(
            format!(
                "{select_asset} WHERE a.owner_id = {} AND ?P",
                params.id(partner)
            ),
            asset_pos,
            Shape::Asset,
        ),
        Stacks | PartnerStacks | PartnerStackBackfill(_) => {
            let owner = match source {
                Stacks => "= $1".to_string(),
                PartnerStacks => partners(params)?,
                PartnerStackBackfill(partner) => format!("= {}", params.id(partner)),
                _ => unreachable!("matched above"),
            };
            plan(
                format!(
                    "SELECT s.*, s.update_xid AS p_xid, s.update_id AS p_id FROM stacks s \
                     WHERE s.owner_id {owner} AND ?P"
                ),
                "s.update_xid, s.update_id",
                Shape::Stack,
            )
        }
        StackDeletes => tomb(T::Stack, "t.user_id = $1"),
        PartnerStackDeletes => tomb(T::Stack, &format!("t.user_id {}", partners(params)?)),
        AlbumAssetCreates | AlbumAssetExifCreates => {
            let exif_only = match source {
                AlbumAssetExifCreates => "AND e.asset_id IS NOT NULL",
                _ => "",
            };
            plan(
                format!(
                    "{album_asset_select} WHERE aa.album_id {} {exif_only} AND ?P",
                    albums(params)?
                ),
                link_pos,
                if exif_only.is_empty() {
                    Shape::Asset
                } else {
                    Shape::Exif
                },
            )
        }
        AlbumAssetUpdates(through) | AlbumAssetExifUpdates(through) => {
            let (select, pos, shape) = match source {
                AlbumAssetUpdates(_) => (&select_asset, asset_pos, Shape::Asset),
                _ => (&exif_select, exif_pos, Shape::Exif),
            };
            let albums = albums(params)?;
            let (xid, id) = (
                params.push(Arg::Int(through.xid)),
                params.push(Arg::Int(through.id)),
            );
            plan(
                format!(
                    "{select} WHERE EXISTS (\
                     SELECT 1 FROM album_assets aa WHERE aa.asset_id = a.id \
                     AND aa.album_id {albums} AND (aa.update_xid, aa.update_id) <= ({xid}, {id})) \
                     AND ?P"
                ),
                pos,
                shape,
            )
        }
        AlbumAssetBackfill(album) | AlbumAssetExifBackfill(album) => {
            let exif_only = match source {
                AlbumAssetExifBackfill(_) => "AND e.asset_id IS NOT NULL",
                _ => "",
            };
            plan(
                format!(
                    "{album_asset_select} WHERE aa.album_id = {} {exif_only} AND ?P",
                    params.id(album)
                ),
                link_pos,
                if exif_only.is_empty() {
                    Shape::Asset
                } else {
                    Shape::Exif
                },
            )
        }
        Albums => plan(
            format!(
                "SELECT al.*, al.update_xid AS p_xid, al.update_id AS p_id FROM albums al \
                 WHERE al.id {} AND ?P",
                albums(params)?
            ),
            "al.update_xid, al.update_id",
            Shape::Album,
        ),
        AlbumDeletes => tomb(T::Album, "t.user_id = $1"),
        // The owner is no row of album_users; the stream sends them as a member with the
        // role `owner`, positioned where the album began.
        AlbumUsers | AlbumUserBackfill(_) => {
            let albums = match source {
                AlbumUserBackfill(album) => format!("= {}", params.id(album)),
                _ => albums(params)?,
            };
            plan(
                format!(
                    "SELECT * FROM (\
                     SELECT au.album_id, au.user_id, au.role, au.update_xid AS p_xid, \
                     au.update_id AS p_id FROM album_users au WHERE au.album_id {albums} \
                     UNION ALL SELECT al.id AS album_id, al.owner_id AS user_id, 'owner' AS role, \
                     al.create_xid AS p_xid, al.create_id AS p_id FROM albums al \
                     WHERE al.id {albums}) m WHERE ?P"
                ),
                "m.p_xid, m.p_id",
                Shape::AlbumUser,
            )
        }
        // Only members still in the album hear who left; the one who left gets AlbumDeleteV1.
        AlbumUserDeletes => tomb(T::AlbumUser, &format!("t.id1 {}", albums(params)?)),
        AlbumToAssets | AlbumToAssetBackfill(_) => {
            let albums = match source {
                AlbumToAssetBackfill(album) => format!("= {}", params.id(album)),
                _ => albums(params)?,
            };
            plan(
                format!(
                    "SELECT aa.album_id, aa.asset_id, aa.update_xid AS p_xid, aa.update_id AS p_id \
                     FROM album_assets aa WHERE aa.album_id {albums} AND ?P"
                ),
                link_pos,
                Shape::AlbumToAsset,
            )
        }
        AlbumToAssetDeletes => tomb(T::AlbumAsset, &format!("t.id1 {}", albums(params)?)),
        AssetExifs => plan(
            format!("{exif_select} WHERE a.owner_id = $1 AND ?P"),
            exif_pos,
            Shape::Exif,
        ),
        PartnerAssetExifs => plan(
            format!(
                "{exif_select} WHERE a.owner_id {} AND ?P",
                partners(params)?
            ),
            exif_pos,
            Shape::Exif,
        ),
        PartnerAssetExifBackfill(partner) => plan(
            format!(
                "{exif_select} WHERE a.owner_id = {} AND ?P",
                params.id(partner)
            ),
            exif_pos,
            Shape::Exif,
        ),
        AssetOcr => plan(
            format!(
                "SELECT {cols}, o.update_xid AS p_xid, o.update_id AS p_id FROM asset_ocr o \
                 {own_child_join} assets a ON a.id = o.asset_id WHERE a.owner_id = $1 AND ?P",
                cols = prefixed(crate::ocr::COLUMNS, "o")
            ),
            "o.update_xid, o.update_id",
            Shape::Ocr,
        ),
        AssetOcrDeletes => tomb(T::Ocr, "t.user_id = $1"),
        Memories => plan(
            "SELECT m.*, m.update_xid AS p_xid, m.update_id AS p_id FROM memories m \
             WHERE m.owner_id = $1 AND ?P"
                .into(),
            "m.update_xid, m.update_id",
            Shape::Memory,
        ),
        MemoryDeletes => tomb(T::Memory, "t.user_id = $1"),
        MemoryToAssets => plan(
            format!(
                "SELECT ma.memory_id, ma.asset_id, ma.update_xid AS p_xid, ma.update_id AS p_id \
                 FROM memory_assets ma {own_child_join} memories m ON m.id = ma.memory_id \
                 WHERE m.owner_id = $1 AND ?P"
            ),
            "ma.update_xid, ma.update_id",
            Shape::MemoryToAsset,
        ),
        MemoryToAssetDeletes => tomb(T::MemoryAsset, "t.user_id = $1"),
        People => plan(
            format!(
                "SELECT {cols}, p.update_xid AS p_xid, p.update_id AS p_id FROM people p \
                 WHERE p.owner_id = $1 AND ?P",
                cols = crate::people::PERSON_COLUMNS
            ),
            "p.update_xid, p.update_id",
            Shape::Person,
        ),
        PersonDeletes => tomb(T::Person, "t.user_id = $1"),
        AssetFaces => plan(
            format!(
                "SELECT f.id, f.asset_id, f.person_id, f.image_width, f.image_height, f.x1, \
                 f.y1, f.x2, f.y2, f.source_type, {face_embedding} AS embedding, f.created_at, \
                 f.update_xid AS p_xid, f.update_id AS p_id FROM asset_faces f \
                 {own_child_join} assets a ON a.id = f.asset_id WHERE a.owner_id = $1 AND ?P"
            ),
            "f.update_xid, f.update_id",
            Shape::Face,
        ),
        AssetFaceDeletes => tomb(T::Face, "t.user_id = $1"),
        AssetMetadata => plan(
            format!(
                "SELECT md.asset_id, md.key, md.value, md.update_xid AS p_xid, \
                 md.update_id AS p_id FROM asset_metadata md {own_child_join} assets a \
                 ON a.id = md.asset_id WHERE a.owner_id = $1 AND ?P"
            ),
            "md.update_xid, md.update_id",
            Shape::AssetMetadata,
        ),
        AssetMetadataDeletes => tomb(T::AssetMetadata, "t.user_id = $1"),
    })
}

/// `a, b` → `o.a, o.b`.
fn prefixed(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQL and its arguments for one read of `source`; `None` when it cannot match anything.
pub(crate) fn query(
    audience: &SyncAudience,
    source: SyncSource,
    range: &SyncRange,
    backend: Backend,
) -> Option<(String, Vec<Arg>, ShapeOf)> {
    let mut params = Params(vec![Arg::Text(audience.user_id.to_string())]);
    let p = plan(
        source,
        audience,
        &mut params,
        backend,
        range.after.is_some(),
    )?;
    let (xid_col, id_col) = p.pos.split_once(", ").expect("position columns");
    let mut conditions = vec![format!(
        "{xid_col} < {} AND {id_col} <= {}",
        params.push(Arg::Int(range.horizon.xid_below)),
        params.push(Arg::Int(range.horizon.id_at_most))
    )];
    if let Some(after) = range.after {
        let (x, i) = (
            params.push(Arg::Int(after.xid)),
            params.push(Arg::Int(after.id)),
        );
        conditions.push(format!("({}) > ({x}, {i})", p.pos));
    }
    if let Some(through) = range.through {
        let (x, i) = (
            params.push(Arg::Int(through.xid)),
            params.push(Arg::Int(through.id)),
        );
        conditions.push(format!("({}) <= ({x}, {i})", p.pos));
    }
    let sql = format!(
        "{} ORDER BY {}",
        p.sql.replace("?P", &conditions.join(" AND ")),
        p.pos
    );
    Some((sql, params.0, ShapeOf(p.shape)))
}

/// How to read a query's rows back; opaque outside this module.
#[derive(Clone, Copy)]
pub(crate) struct ShapeOf(Shape);

fn json(row: &AnyRow, col: &str) -> StoreResult<serde_json::Value> {
    let text = get_str(row, col)?;
    serde_json::from_str(&text)
        .map_err(|e| shoebox_store::StoreError::Backend(format!("{col} is not JSON: {e}")))
}

pub(crate) fn read(row: &AnyRow, shape: ShapeOf) -> StoreResult<PositionedRow> {
    let position = SyncPosition {
        xid: get_i64(row, "p_xid")?,
        id: get_i64(row, "p_id")?,
    };
    let row = match shape.0 {
        Shape::AuthUser => SyncRow::AuthUser(
            Box::new(crate::users::user_from_row(row)?),
            get_i64(row, "usage_bytes")?,
        ),
        Shape::User => SyncRow::User(Box::new(crate::users::user_from_row(row)?)),
        Shape::Asset => SyncRow::Asset(Box::new(asset_from_row(row)?)),
        Shape::Exif => SyncRow::Exif(Box::new(asset_from_row(row)?)),
        Shape::Album => SyncRow::Album(crate::albums::album_from_row(row)?),
        Shape::AlbumUser => SyncRow::AlbumUser(SyncAlbumUser {
            album_id: get_uuid(row, "album_id")?,
            user_id: get_uuid(row, "user_id")?,
            role: get_str(row, "role")?,
        }),
        Shape::AlbumToAsset => SyncRow::AlbumToAsset {
            album_id: get_uuid(row, "album_id")?,
            asset_id: get_uuid(row, "asset_id")?,
        },
        Shape::Partner => SyncRow::Partner(crate::partners::partner_from_row(row)?),
        Shape::Stack => SyncRow::Stack(SyncStack {
            id: get_uuid(row, "id")?,
            owner_id: get_uuid(row, "owner_id")?,
            primary_asset_id: get_uuid(row, "primary_asset_id")?,
            created_at: get_ts(row, "created_at")?,
            updated_at: get_ts(row, "updated_at")?,
        }),
        Shape::Memory => SyncRow::Memory(Box::new(crate::memories::memory_from_row(row)?)),
        Shape::MemoryToAsset => SyncRow::MemoryToAsset {
            memory_id: get_uuid(row, "memory_id")?,
            asset_id: get_uuid(row, "asset_id")?,
        },
        Shape::Person => SyncRow::Person(crate::people::person_from_row(row)?),
        Shape::Face => SyncRow::Face(crate::people::face_from_row(row)?),
        Shape::Ocr => SyncRow::Ocr(crate::ocr::record_from_row(row)?),
        Shape::UserMetadata => SyncRow::UserMetadata {
            user_id: get_uuid(row, "id")?,
            key: "preferences".into(),
            value: json(row, "preferences")?,
        },
        Shape::AssetMetadata => SyncRow::AssetMetadata {
            asset_id: get_uuid(row, "asset_id")?,
            key: get_str(row, "key")?,
            value: json(row, "value")?,
        },
        Shape::Tombstone => SyncRow::Deleted(SyncTombstone {
            id1: get_str(row, "id1")?,
            id2: get_opt_str(row, "id2")?,
            deleted_at: get_ts(row, "deleted_at")?,
        }),
    };
    Ok(PositionedRow { position, row })
}
