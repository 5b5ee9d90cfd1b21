//! The query behind each part of the sync stream: which rows, for whom, in position order.
//!
//! Every query selects its position as `p_xid, p_id` and takes the syncing user's id as
//! `$1`; the range's bounds follow as further parameters.

use shoebox_store::StoreResult;
use shoebox_store::sync::{
    PositionedRow, SyncAlbumUser, SyncPosition, SyncRange, SyncRow, SyncSource, SyncStack,
    SyncTombstone,
};
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::Backend;
use crate::assets::{EXIF_COLUMNS, asset_from_row};
use crate::codec::*;
use crate::search::Arg;

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
    /// Extra arguments after the user id ($2, …), before the range's.
    args: Vec<Arg>,
}

fn plan(source: SyncSource, backend: Backend, incremental: bool) -> Plan {
    use SyncSource::*;
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
    let in_partners = format!("IN {MY_PARTNERS}");
    let asset_pos = "a.update_xid, a.update_id";
    let exif_pos = "e.update_xid, e.update_id";
    let link_pos = "aa.update_xid, aa.update_id";
    let select_asset = format!(
        "SELECT a.*, {EXIF_COLUMNS}, a.update_xid AS p_xid, a.update_id AS p_id \
         FROM assets a LEFT JOIN asset_exif e ON e.asset_id = a.id"
    );
    let assets_where = |owner: &str| format!("{select_asset} WHERE {owner} AND ?P");
    // EXIF lines need the asset too (its file size), so they read the asset's row with its
    // EXIF, but only where an EXIF row exists, positioned by the EXIF row.
    //
    let exif_select = format!(
        "SELECT a.*, {EXIF_COLUMNS}, e.update_xid AS p_xid, e.update_id AS p_id \
         FROM asset_exif e {child_join} assets a ON a.id = e.asset_id"
    );
    let album_asset_select = |what: &str| {
        format!(
            "SELECT a.*, {EXIF_COLUMNS}, {what} FROM album_assets aa \
             JOIN assets a ON a.id = aa.asset_id LEFT JOIN asset_exif e ON e.asset_id = a.id"
        )
    };
    let tomb = |kind: &str, audience: &str| Plan {
        sql: format!(
            "SELECT t.*, t.update_xid AS p_xid, t.update_id AS p_id FROM sync_tombstones t \
             WHERE t.kind = '{kind}' AND {audience} AND ?P"
        ),
        pos: "t.update_xid, t.update_id",
        shape: Shape::Tombstone,
        args: vec![],
    };
    let simple = |sql: String, pos: &'static str, shape: Shape| Plan {
        sql,
        pos,
        shape,
        args: vec![],
    };
    let with_id = |mut p: Plan, id: Uuid| {
        p.args.push(Arg::Text(id.to_string()));
        p
    };
    let with_position = |mut p: Plan, at: SyncPosition| {
        p.args.push(Arg::Int(at.xid));
        p.args.push(Arg::Int(at.id));
        p
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
    match source {
        AuthUser => simple(
            "SELECT u.*, CAST((SELECT COALESCE(SUM(a.file_size), 0) FROM assets a \
             WHERE a.owner_id = u.id) AS BIGINT) AS usage_bytes, u.update_xid AS p_xid, \
             u.update_id AS p_id FROM users u WHERE u.id = $1 AND ?P"
                .into(),
            user_pos,
            Shape::AuthUser,
        ),
        Users => simple(users("TRUE"), user_pos, Shape::User),
        UserDeletes => tomb("user", "TRUE"),
        UserMetadata => simple(
            users("u.id = $1 AND u.preferences IS NOT NULL"),
            user_pos,
            Shape::UserMetadata,
        ),
        Partners => simple(
            "SELECT p.*, p.update_xid AS p_xid, p.update_id AS p_id FROM partners p \
             WHERE (p.shared_by_id = $1 OR p.shared_with_id = $1) AND ?P"
                .into(),
            "p.update_xid, p.update_id",
            Shape::Partner,
        ),
        PartnerDeletes => tomb("partner", "(t.id1 = $1 OR t.id2 = $1)"),
        Assets => simple(assets_where("a.owner_id = $1"), asset_pos, Shape::Asset),
        AssetDeletes => tomb("asset", "t.user_id = $1"),
        PartnerAssets => simple(
            assets_where(&format!("a.owner_id {in_partners}")),
            asset_pos,
            Shape::Asset,
        ),
        PartnerAssetDeletes => tomb("asset", &format!("t.user_id {in_partners}")),
        PartnerAssetBackfill(partner) => with_id(
            simple(assets_where("a.owner_id = $2"), asset_pos, Shape::Asset),
            partner,
        ),
        Stacks | PartnerStacks | PartnerStackBackfill(_) => {
            let owner = match source {
                Stacks => "s.owner_id = $1".to_string(),
                PartnerStacks => format!("s.owner_id {in_partners}"),
                _ => "s.owner_id = $2".to_string(),
            };
            let p = simple(
                format!(
                    "SELECT s.*, s.update_xid AS p_xid, s.update_id AS p_id FROM stacks s \
                     WHERE {owner} AND ?P"
                ),
                "s.update_xid, s.update_id",
                Shape::Stack,
            );
            match source {
                PartnerStackBackfill(partner) => with_id(p, partner),
                _ => p,
            }
        }
        StackDeletes => tomb("stack", "t.user_id = $1"),
        PartnerStackDeletes => tomb("stack", &format!("t.user_id {in_partners}")),
        AlbumAssetCreates => simple(
            format!(
                "{} WHERE aa.album_id IN {MY_ALBUMS} AND ?P",
                album_asset_select("aa.update_xid AS p_xid, aa.update_id AS p_id")
            ),
            link_pos,
            Shape::Asset,
        ),
        AlbumAssetUpdates(created_through) => with_position(
            simple(
                format!(
                    "{select_asset} WHERE EXISTS (\
                     SELECT 1 FROM album_assets aa WHERE aa.asset_id = a.id \
                     AND aa.album_id IN {MY_ALBUMS} AND (aa.update_xid, aa.update_id) <= ($2, $3)) \
                     AND ?P"
                ),
                asset_pos,
                Shape::Asset,
            ),
            created_through,
        ),
        AlbumAssetBackfill(album) => with_id(
            simple(
                format!(
                    "{} WHERE aa.album_id = $2 AND ?P",
                    album_asset_select("aa.update_xid AS p_xid, aa.update_id AS p_id")
                ),
                link_pos,
                Shape::Asset,
            ),
            album,
        ),
        Albums => simple(
            format!(
                "SELECT al.*, al.update_xid AS p_xid, al.update_id AS p_id FROM albums al \
                 WHERE al.id IN {MY_ALBUMS} AND ?P"
            ),
            "al.update_xid, al.update_id",
            Shape::Album,
        ),
        AlbumDeletes => tomb("album", "t.user_id = $1"),
        // The owner is no row of album_users; the stream sends them as a member with the
        // role `owner`, positioned where the album began.
        AlbumUsers | AlbumUserBackfill(_) => {
            let albums = match source {
                AlbumUsers => MY_ALBUMS,
                _ => "($2)",
            };
            let p = simple(
                format!(
                    "SELECT * FROM (\
                     SELECT au.album_id, au.user_id, au.role, au.update_xid AS p_xid, \
                     au.update_id AS p_id FROM album_users au WHERE au.album_id IN {albums} \
                     UNION ALL SELECT al.id AS album_id, al.owner_id AS user_id, 'owner' AS role, \
                     al.create_xid AS p_xid, al.create_id AS p_id FROM albums al \
                     WHERE al.id IN {albums}) m WHERE ?P"
                ),
                "m.p_xid, m.p_id",
                Shape::AlbumUser,
            );
            match source {
                AlbumUserBackfill(album) => with_id(p, album),
                _ => p,
            }
        }
        // Only members still in the album hear who left; the one who left gets AlbumDeleteV1.
        AlbumUserDeletes => tomb("album_user", &format!("t.id1 IN {MY_ALBUMS}")),
        AlbumToAssets | AlbumToAssetBackfill(_) => {
            let albums = match source {
                AlbumToAssets => MY_ALBUMS,
                _ => "($2)",
            };
            let p = simple(
                format!(
                    "SELECT aa.album_id, aa.asset_id, aa.update_xid AS p_xid, aa.update_id AS p_id \
                     FROM album_assets aa WHERE aa.album_id IN {albums} AND ?P"
                ),
                link_pos,
                Shape::AlbumToAsset,
            );
            match source {
                AlbumToAssetBackfill(album) => with_id(p, album),
                _ => p,
            }
        }
        AlbumToAssetDeletes => tomb("album_asset", &format!("t.id1 IN {MY_ALBUMS}")),
        AssetExifs => simple(
            format!("{exif_select} WHERE a.owner_id = $1 AND ?P"),
            exif_pos,
            Shape::Exif,
        ),
        PartnerAssetExifs => simple(
            format!("{exif_select} WHERE a.owner_id {in_partners} AND ?P"),
            exif_pos,
            Shape::Exif,
        ),
        PartnerAssetExifBackfill(partner) => with_id(
            simple(
                format!("{exif_select} WHERE a.owner_id = $2 AND ?P"),
                exif_pos,
                Shape::Exif,
            ),
            partner,
        ),
        AlbumAssetExifCreates => simple(
            format!(
                "{} WHERE aa.album_id IN {MY_ALBUMS} AND e.asset_id IS NOT NULL AND ?P",
                album_asset_select("aa.update_xid AS p_xid, aa.update_id AS p_id")
            ),
            link_pos,
            Shape::Exif,
        ),
        AlbumAssetExifUpdates(created_through) => with_position(
            simple(
                format!(
                    "{exif_select} WHERE EXISTS (\
                     SELECT 1 FROM album_assets aa WHERE aa.asset_id = a.id \
                     AND aa.album_id IN {MY_ALBUMS} AND (aa.update_xid, aa.update_id) <= ($2, $3)) \
                     AND ?P"
                ),
                exif_pos,
                Shape::Exif,
            ),
            created_through,
        ),
        AlbumAssetExifBackfill(album) => with_id(
            simple(
                format!(
                    "{} WHERE aa.album_id = $2 AND e.asset_id IS NOT NULL AND ?P",
                    album_asset_select("aa.update_xid AS p_xid, aa.update_id AS p_id")
                ),
                link_pos,
                Shape::Exif,
            ),
            album,
        ),
        AssetOcr => simple(
            format!(
                "SELECT {cols}, o.update_xid AS p_xid, o.update_id AS p_id FROM asset_ocr o \
                 {own_child_join} assets a ON a.id = o.asset_id WHERE a.owner_id = $1 AND ?P",
                cols = prefixed(crate::ocr::COLUMNS, "o")
            ),
            "o.update_xid, o.update_id",
            Shape::Ocr,
        ),
        AssetOcrDeletes => tomb("ocr", "t.user_id = $1"),
        Memories => simple(
            "SELECT m.*, m.update_xid AS p_xid, m.update_id AS p_id FROM memories m \
             WHERE m.owner_id = $1 AND ?P"
                .into(),
            "m.update_xid, m.update_id",
            Shape::Memory,
        ),
        MemoryDeletes => tomb("memory", "t.user_id = $1"),
        MemoryToAssets => simple(
            format!(
                "SELECT ma.memory_id, ma.asset_id, ma.update_xid AS p_xid, ma.update_id AS p_id \
                 FROM memory_assets ma {own_child_join} memories m ON m.id = ma.memory_id \
                 WHERE m.owner_id = $1 AND ?P"
            ),
            "ma.update_xid, ma.update_id",
            Shape::MemoryToAsset,
        ),
        MemoryToAssetDeletes => tomb("memory_asset", "t.user_id = $1"),
        People => simple(
            format!(
                "SELECT {cols}, p.update_xid AS p_xid, p.update_id AS p_id FROM people p \
                 WHERE p.owner_id = $1 AND ?P",
                cols = crate::people::PERSON_COLUMNS
            ),
            "p.update_xid, p.update_id",
            Shape::Person,
        ),
        PersonDeletes => tomb("person", "t.user_id = $1"),
        AssetFaces => simple(
            format!(
                "SELECT f.id, f.asset_id, f.person_id, f.image_width, f.image_height, f.x1, \
                 f.y1, f.x2, f.y2, f.source_type, {face_embedding} AS embedding, f.created_at, \
                 f.update_xid AS p_xid, f.update_id AS p_id FROM asset_faces f \
                 {own_child_join} assets a ON a.id = f.asset_id WHERE a.owner_id = $1 AND ?P"
            ),
            "f.update_xid, f.update_id",
            Shape::Face,
        ),
        AssetFaceDeletes => tomb("face", "t.user_id = $1"),
        AssetMetadata => simple(
            format!(
                "SELECT md.asset_id, md.key, md.value, md.update_xid AS p_xid, \
                 md.update_id AS p_id FROM asset_metadata md {own_child_join} assets a \
                 ON a.id = md.asset_id WHERE a.owner_id = $1 AND ?P"
            ),
            "md.update_xid, md.update_id",
            Shape::AssetMetadata,
        ),
        AssetMetadataDeletes => tomb("asset_metadata", "t.user_id = $1"),
    }
}

/// `a, b` → `o.a, o.b`.
fn prefixed(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQL and its arguments for one read of `source`.
pub(crate) fn query(
    user_id: Uuid,
    source: SyncSource,
    range: &SyncRange,
    backend: Backend,
) -> (String, Vec<Arg>, ShapeOf) {
    let p = plan(source, backend, range.after.is_some());
    let mut args = vec![Arg::Text(user_id.to_string())];
    args.extend(p.args);
    let mut conditions = Vec::new();
    let param = |args: &mut Vec<Arg>, v: i64| {
        args.push(Arg::Int(v));
        format!("${}", args.len())
    };
    let (xid_col, id_col) = p.pos.split_once(", ").expect("position columns");
    let hx = param(&mut args, range.horizon.xid_below);
    let hi = param(&mut args, range.horizon.id_at_most);
    conditions.push(format!("{xid_col} < {hx} AND {id_col} <= {hi}"));
    if let Some(after) = range.after {
        let x = param(&mut args, after.xid);
        let i = param(&mut args, after.id);
        conditions.push(format!("({}) > ({x}, {i})", p.pos));
    }
    if let Some(through) = range.through {
        let x = param(&mut args, through.xid);
        let i = param(&mut args, through.id);
        conditions.push(format!("({}) <= ({x}, {i})", p.pos));
    }
    let sql = format!(
        "{} ORDER BY {}",
        p.sql.replace("?P", &conditions.join(" AND ")),
        p.pos
    );
    (sql, args, ShapeOf(p.shape))
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
