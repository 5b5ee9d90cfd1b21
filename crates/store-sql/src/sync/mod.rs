//! The sync stream's reads and the sessions' checkpoints. The positions themselves are
//! stamped by the triggers of migration `0023_sync.sql`.

mod sources;

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use shoebox_store::StoreResult;
use shoebox_store::sync::{
    PositionedRow, SyncAudience, SyncChange, SyncCheckpoint, SyncHorizon, SyncNewest, SyncParent,
    SyncPosition, SyncRange, SyncRepo, SyncSource, SyncTombstoneKind,
};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::codec::*;
use crate::search::bind_args;
use crate::{Backend, SqlStore};

/// Rows read ahead of the client: enough to keep the database busy, little memory.
const READ_AHEAD: usize = 256;

/// Each tracked table, by the kind of change a write to it is.
const CHANGE_TABLES: [(SyncChange, &str); 14] = [
    (SyncChange::Users, "users"),
    (SyncChange::Assets, "assets"),
    (SyncChange::AssetExif, "asset_exif"),
    (SyncChange::Albums, "albums"),
    (SyncChange::AlbumUsers, "album_users"),
    (SyncChange::AlbumAssets, "album_assets"),
    (SyncChange::Partners, "partners"),
    (SyncChange::Stacks, "stacks"),
    (SyncChange::Memories, "memories"),
    (SyncChange::MemoryAssets, "memory_assets"),
    (SyncChange::People, "people"),
    (SyncChange::AssetFaces, "asset_faces"),
    (SyncChange::AssetOcr, "asset_ocr"),
    (SyncChange::AssetMetadata, "asset_metadata"),
];

/// Marks a tombstone kind among the table names `newest_sql` answers (a kind may share its
/// table's name).
const DELETED: &str = "deleted:";

/// One row per tracked table and per tombstone kind with its newest position, each read
/// from the end of its position index.
fn newest_sql() -> String {
    let newest = |name: &str, from: &str| {
        format!(
            "SELECT '{name}' AS k, update_xid, update_id FROM (SELECT update_xid, update_id \
             FROM {from} ORDER BY update_xid DESC, update_id DESC LIMIT 1) n"
        )
    };
    CHANGE_TABLES
        .iter()
        .map(|(_, table)| newest(table, table))
        .chain(SyncTombstoneKind::ALL.iter().map(|k| {
            let kind = k.as_str();
            newest(
                &format!("{DELETED}{kind}"),
                &format!("sync_tombstones WHERE kind = '{kind}'"),
            )
        }))
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

const PRUNED_THROUGH_KEY: &str = "sync.prunedThrough";

#[async_trait]
impl SyncRepo for SqlStore {
    async fn horizon(&self) -> StoreResult<SyncHorizon> {
        match self.backend {
            Backend::Sqlite => {
                let n: i64 = sqlx::query_scalar("SELECT n FROM sync_clock WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(SyncHorizon {
                    xid_below: 1,
                    id_at_most: n,
                })
            }
            Backend::Postgres => {
                // The oldest transaction of this database still running (only those can
                // write our rows), else the snapshot's xmax: every transaction below it
                // has ended. Transactions of other databases in the cluster would hold a
                // plain xmin back for nothing.
                let xmin: i64 = sqlx::query_scalar(
                    "WITH snap AS (SELECT pg_current_snapshot() AS s) \
                     SELECT COALESCE(\
                       (SELECT MIN(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS x \
                        WHERE x::text::bigint % 4294967296 IN (\
                          SELECT backend_xid::text::bigint FROM pg_stat_activity \
                          WHERE datname = current_database() AND backend_xid IS NOT NULL)), \
                       (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap))",
                )
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(SyncHorizon {
                    xid_below: xmin,
                    id_at_most: i64::MAX,
                })
            }
        }
    }

    async fn newest(&self) -> StoreResult<SyncNewest> {
        let rows = sqlx::query(AssertSqlSafe(newest_sql()))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let mut newest = HashMap::new();
        for row in rows {
            let name = get_str(&row, "k")?;
            let change = match name.strip_prefix(DELETED) {
                Some(kind) => SyncTombstoneKind::ALL
                    .into_iter()
                    .find(|k| k.as_str() == kind)
                    .map(SyncChange::Deleted),
                None => CHANGE_TABLES
                    .iter()
                    .find(|(_, table)| *table == name)
                    .map(|(c, _)| *c),
            };
            if let Some(change) = change {
                let position = SyncPosition {
                    xid: get_i64(&row, "update_xid")?,
                    id: get_i64(&row, "update_id")?,
                };
                newest.insert(change, position);
            }
        }
        Ok(SyncNewest::new(newest))
    }

    async fn audience(&self, user_id: Uuid) -> StoreResult<SyncAudience> {
        let rows = sqlx::query(
            "SELECT 'partner' AS k, shared_by_id AS id, create_xid, create_id FROM partners \
             WHERE shared_with_id = $1 \
             UNION ALL SELECT 'album' AS k, id, create_xid, create_id FROM albums \
             WHERE owner_id = $1 \
             UNION ALL SELECT 'album' AS k, album_id AS id, create_xid, create_id \
             FROM album_users WHERE user_id = $1 \
             ORDER BY create_xid, create_id",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut audience = SyncAudience {
            user_id,
            ..SyncAudience::default()
        };
        for row in rows {
            let parent = SyncParent {
                id: get_uuid(&row, "id")?,
                created: SyncPosition {
                    xid: get_i64(&row, "create_xid")?,
                    id: get_i64(&row, "create_id")?,
                },
            };
            match get_str(&row, "k")?.as_str() {
                "partner" => audience.partners.push(parent),
                _ if audience.albums.iter().any(|a| a.id == parent.id) => {}
                _ => audience.albums.push(parent),
            }
        }
        Ok(audience)
    }

    fn rows(
        &self,
        audience: &SyncAudience,
        source: SyncSource,
        range: SyncRange,
    ) -> BoxStream<'static, StoreResult<PositionedRow>> {
        let Some((sql, args, shape)) = sources::query(audience, source, &range, self.backend)
        else {
            return futures_util::stream::empty().boxed();
        };
        let pool = self.pool.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD);
        // The query runs in its own task so the stream owns nothing borrowed; the bounded
        // channel holds it back when the client reads slowly, and a client that goes away
        // closes the channel, which ends the query.
        tokio::spawn(async move {
            let query = bind_args(sqlx::query(AssertSqlSafe(sql)), args);
            let mut rows = query.fetch(&pool);
            while let Some(row) = rows.next().await {
                let item = row.map_err(db_err).and_then(|r| sources::read(&r, shape));
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    break;
                }
            }
        });
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed()
    }

    async fn checkpoints(&self, session_id: Uuid) -> StoreResult<Vec<SyncCheckpoint>> {
        sqlx::query(
            "SELECT type, ack FROM session_sync_checkpoints WHERE session_id = $1 ORDER BY type",
        )
        .bind(session_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok(SyncCheckpoint {
                entity_type: get_str(r, "type")?,
                ack: get_str(r, "ack")?,
            })
        })
        .collect()
    }

    async fn save_checkpoints(
        &self,
        session_id: Uuid,
        checkpoints: &[SyncCheckpoint],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for c in checkpoints {
            sqlx::query(
                "INSERT INTO session_sync_checkpoints (session_id, type, ack, updated_at) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (session_id, type) DO UPDATE SET ack = excluded.ack, \
                 updated_at = excluded.updated_at",
            )
            .bind(session_id.to_string())
            .bind(c.entity_type.clone())
            .bind(c.ack.clone())
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn delete_checkpoints(
        &self,
        session_id: Uuid,
        types: Option<&[String]>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        match types {
            None => {
                sqlx::query("DELETE FROM session_sync_checkpoints WHERE session_id = $1")
                    .bind(session_id.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            Some(types) => {
                for t in types {
                    sqlx::query(
                        "DELETE FROM session_sync_checkpoints WHERE session_id = $1 AND type = $2",
                    )
                    .bind(session_id.to_string())
                    .bind(t.clone())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
            }
        }
        tx.commit().await.map_err(db_err)
    }

    async fn reset_session(&self, session_id: Uuid) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM session_sync_checkpoints WHERE session_id = $1")
            .bind(session_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("UPDATE sessions SET is_pending_sync_reset = $2 WHERE id = $1")
            .bind(session_id.to_string())
            .bind(false)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn is_pending_reset(&self, session_id: Uuid) -> StoreResult<bool> {
        let row = sqlx::query("SELECT is_pending_sync_reset FROM sessions WHERE id = $1")
            .bind(session_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| get_bool(&r, "is_pending_sync_reset"))
            .transpose()
            .map(|b| b.unwrap_or(false))
    }

    async fn set_pending_reset(&self, session_id: Uuid, pending: bool) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET is_pending_sync_reset = $2 WHERE id = $1")
            .bind(session_id.to_string())
            .bind(pending)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn prune_tombstones(&self, before: DateTime<Utc>) -> StoreResult<Option<SyncPosition>> {
        let mut tx = self.begin_write().await?;
        let newest = sqlx::query(
            "SELECT update_xid, update_id FROM sync_tombstones WHERE deleted_at < $1 \
             ORDER BY update_xid DESC, update_id DESC LIMIT 1",
        )
        .bind(ts(before))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let Some(newest) = newest else {
            return Ok(None);
        };
        let newest = SyncPosition {
            xid: get_i64(&newest, "update_xid")?,
            id: get_i64(&newest, "update_id")?,
        };
        sqlx::query("DELETE FROM sync_tombstones WHERE deleted_at < $1")
            .bind(ts(before))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO system_metadata (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(PRUNED_THROUGH_KEY)
        .bind(newest.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(newest))
    }

    async fn pruned_through(&self) -> StoreResult<Option<SyncPosition>> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM system_metadata WHERE key = $1")
                .bind(PRUNED_THROUGH_KEY)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(value.and_then(|v| v.parse().ok()))
    }
}
