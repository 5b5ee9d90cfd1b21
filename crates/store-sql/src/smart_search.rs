//! CLIP embeddings in the `smart_search` table, and the vector search over them: by default
//! an in-memory [`VectorIndex`] that follows the table (SQLite, and PostgreSQL without
//! pgvector), or pgvector ranking inside PostgreSQL (see [`crate::pgvector`]).
//!
//! The in-memory search ranks the caller's (and partners') embeddings, then lets SQL apply
//! every filter of the search to the best candidates; when too few survive, it asks for
//! more candidates, up to all of them, so filters never lose a match.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use shoebox_store::StoreResult;
use shoebox_store::faces::{embedding_from_bytes, embedding_to_bytes};
use shoebox_store::records::{AssetRecord, AssetSearch};
use shoebox_store::smart_search::{SmartSearchRepo, VectorMatch};
use sqlx::{AssertSqlSafe, Row};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::codec::*;
use crate::id_lists::{CHUNK, fetch_for_ids};
use crate::pgvector::Pgvector;
use crate::vector_index::{VectorIndex, distance, keep_nearest};
use crate::{Backend, SqlStore};

/// Candidates asked for first, beyond the page: filters usually leave most of them.
const FIRST_SLACK: usize = 64;
/// How much the candidate count grows when filters left too few.
const GROWTH: usize = 8;
/// Rows read per query while loading the index: a page of f32 rows is in memory at a time,
/// never the whole table (2 GB at 1,000,000 512-d embeddings).
const LOAD_PAGE: i64 = 4096;
/// How often a search counts the table's rows to notice deletions made elsewhere (another
/// process clearing embeddings). Counting 100,000 rows on every search cost 4 ms on SQLite;
/// meanwhile a stale row is harmless: SQL drops assets that no longer exist.
const RECOUNT_EVERY: Duration = Duration::from_secs(30);

struct IndexState {
    index: VectorIndex,
    /// The highest `revision` read into the index.
    revision: i64,
    loaded: bool,
    /// When the table's rows were last counted.
    counted_at: Option<Instant>,
}

/// A row's `asset_id` and its decoded `embedding`.
fn embedding_row(row: &sqlx::any::AnyRow) -> StoreResult<(Uuid, Vec<f32>)> {
    let bytes: Vec<u8> = row.try_get("embedding").map_err(db_err)?;
    Ok((get_uuid(row, "asset_id")?, embedding_from_bytes(&bytes)))
}

pub(crate) struct SqlSmartSearch {
    sql: Arc<SqlStore>,
    memory: Mutex<IndexState>,
    pgvector: Option<Pgvector>,
}

impl SqlSmartSearch {
    /// On PostgreSQL, pgvector ranks when `CREATE EXTENSION vector` works; otherwise (and on
    /// SQLite) the in-memory index does, with one log line saying which.
    pub(crate) async fn open(sql: Arc<SqlStore>) -> Self {
        let pgvector = match sql.backend {
            Backend::Postgres => Pgvector::open(&sql.pool).await,
            Backend::Sqlite => None,
        };
        tracing::info!(
            index = if pgvector.is_some() {
                "pgvector"
            } else {
                "memory"
            },
            "smart search index"
        );
        Self {
            sql,
            memory: Mutex::new(IndexState {
                index: VectorIndex::default(),
                revision: 0,
                loaded: false,
                counted_at: None,
            }),
            pgvector,
        }
    }

    /// Brings the in-memory index up to the table: new and changed rows by revision (an
    /// indexed MAX on every search); everything again when rows were deleted in bulk (a model
    /// change, or many assets gone), which a row count shows every [`RECOUNT_EVERY`].
    async fn refresh(&self) -> StoreResult<tokio::sync::MutexGuard<'_, IndexState>> {
        let recount = {
            let state = self.memory.lock().await;
            state
                .counted_at
                .is_none_or(|t| t.elapsed() >= RECOUNT_EVERY)
        };
        let count = if recount {
            "CAST(COUNT(*) AS BIGINT)"
        } else {
            "CAST(-1 AS BIGINT)"
        };
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {count} AS n, CAST(COALESCE(MAX(revision), 0) AS BIGINT) AS r FROM smart_search"
        )))
        .fetch_one(&self.sql.pool)
        .await
        .map_err(db_err)?;
        let (count, max_revision) = (get_i64(&row, "n")?, get_i64(&row, "r")?);
        let mut state = self.memory.lock().await;
        if recount {
            let count = count as usize;
            state.counted_at = Some(Instant::now());
            let stale = state.index.len().saturating_sub(count);
            if state.loaded && (stale > 0 && (count < 10_000 || stale > count / 10)) {
                state.index.clear();
                state.revision = 0;
                state.loaded = false;
            }
        }
        if state.loaded && state.revision >= max_revision {
            return Ok(state);
        }
        // The first load reads every row: the codes grow once, to the counted rows.
        let mut reserve = if !state.loaded && recount {
            count as usize
        } else {
            0
        };
        loop {
            let rows = sqlx::query(
                "SELECT s.asset_id, a.owner_id, s.embedding, s.revision FROM smart_search s \
                 JOIN assets a ON a.id = s.asset_id WHERE s.revision > $1 \
                 ORDER BY s.revision LIMIT $2",
            )
            .bind(state.revision)
            .bind(LOAD_PAGE)
            .fetch_all(&self.sql.pool)
            .await
            .map_err(db_err)?;
            for row in &rows {
                let (id, embedding) = embedding_row(row)?;
                if reserve > 0 {
                    state.index.reserve(reserve, embedding.len());
                    reserve = 0;
                }
                let owner = get_uuid(row, "owner_id")?;
                state.index.upsert(id, owner, &embedding);
                state.revision = state.revision.max(get_i64(row, "revision")?);
            }
            if (rows.len() as i64) < LOAD_PAGE {
                break;
            }
        }
        state.loaded = true;
        Ok(state)
    }

    /// Up to `k` embeddings of the given owners nearest to `query`, nearest first, with their
    /// exact cosine distance: the index's candidates ranked again on their rows in the table.
    async fn nearest(
        &self,
        query: &[f32],
        k: usize,
        owners: &[Uuid],
    ) -> StoreResult<Vec<(Uuid, f32)>> {
        let candidates = {
            let state = self.refresh().await?;
            state.index.candidates(query, k, Some(owners))
        };
        // A chunk of f32 rows at a time: filters that keep few assets can ask for many.
        let mut ranked = Vec::new();
        for chunk in candidates.chunks(CHUNK) {
            let rows = fetch_for_ids(&self.sql.pool, &[], chunk, |list| {
                format!("SELECT asset_id, embedding FROM smart_search WHERE asset_id IN ({list})")
            })
            .await?;
            for row in &rows {
                let (id, embedding) = embedding_row(row)?;
                ranked.extend(distance(query, &embedding).map(|d| (id, d)));
            }
        }
        keep_nearest(&mut ranked, k);
        Ok(ranked)
    }

    /// Of `ids`, those `search` finds (scope and filters), in no particular order.
    async fn filter_ids(&self, search: &AssetSearch, ids: &[Uuid]) -> StoreResult<HashSet<Uuid>> {
        let mut found = HashSet::new();
        for chunk in ids.chunks(CHUNK) {
            found.extend(self.sql.filter_ids_impl(search, chunk).await?);
        }
        Ok(found)
    }

    async fn memory_search(
        &self,
        search: &AssetSearch,
        embedding: &[f32],
    ) -> StoreResult<Vec<AssetRecord>> {
        let want = (search.offset.max(0) + search.limit.max(0)) as usize;
        if want == 0 {
            return Ok(Vec::new());
        }
        let mut owners = vec![search.owner_id];
        owners.extend(&search.partner_ids);
        let mut k = want + FIRST_SLACK;
        let ranked = loop {
            let candidates = self.nearest(embedding, k, &owners).await?;
            let exhausted = candidates.len() < k;
            let ids: Vec<Uuid> = candidates.iter().map(|c| c.0).collect();
            let kept = self.filter_ids(search, &ids).await?;
            let ranked: Vec<Uuid> = ids.into_iter().filter(|id| kept.contains(id)).collect();
            if ranked.len() >= want || exhausted {
                break ranked;
            }
            k = k.saturating_mul(GROWTH);
        };
        let page: Vec<Uuid> = ranked
            .into_iter()
            .skip(search.offset.max(0) as usize)
            .take(search.limit.max(0) as usize)
            .collect();
        self.records_in_order(&page).await
    }

    /// The records of `ids`, in that order.
    pub(crate) async fn records_in_order(&self, ids: &[Uuid]) -> StoreResult<Vec<AssetRecord>> {
        let rows = fetch_for_ids(&self.sql.pool, &[], ids, |list| {
            format!("{} WHERE a.id IN ({list})", crate::assets::select_asset())
        })
        .await?;
        let mut by_id: HashMap<Uuid, AssetRecord> = rows
            .iter()
            .map(|r| crate::assets::asset_from_row(r).map(|a| (a.id, a)))
            .collect::<StoreResult<_>>()?;
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}

#[async_trait]
impl SmartSearchRepo for SqlSmartSearch {
    fn index_kind(&self) -> &'static str {
        if self.pgvector.is_some() {
            "pgvector"
        } else {
            "memory"
        }
    }

    async fn upsert(&self, asset_id: Uuid, embedding: &[f32]) -> StoreResult<()> {
        let mut tx = self.sql.begin_write().await?;
        let revision = match self.sql.backend {
            Backend::Postgres => "nextval('smart_search_revision_seq')".to_string(),
            Backend::Sqlite => {
                // The sequence's high-water mark stays in sqlite_sequence; one row is enough.
                let row =
                    sqlx::query("INSERT INTO smart_search_revisions DEFAULT VALUES RETURNING n")
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_err)?;
                let n = get_i64(&row, "n")?;
                sqlx::query("DELETE FROM smart_search_revisions WHERE n < $1")
                    .bind(n)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                n.to_string()
            }
        };
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO smart_search (asset_id, embedding, revision) VALUES ($1, $2, {revision}) \
             ON CONFLICT (asset_id) DO UPDATE SET embedding = excluded.embedding, \
             revision = excluded.revision"
        )))
        .bind(asset_id.to_string())
        .bind(embedding_to_bytes(embedding))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if let Some(pgvector) = &self.pgvector {
            pgvector.upsert(&mut tx, asset_id, embedding).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn get(&self, asset_id: Uuid) -> StoreResult<Option<Vec<f32>>> {
        let row = sqlx::query("SELECT embedding FROM smart_search WHERE asset_id = $1")
            .bind(asset_id.to_string())
            .fetch_optional(&self.sql.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| {
            r.try_get::<Vec<u8>, _>("embedding")
                .map(|b| embedding_from_bytes(&b))
                .map_err(db_err)
        })
        .transpose()
    }

    async fn clear(&self) -> StoreResult<()> {
        let mut tx = self.sql.begin_write().await?;
        sqlx::query("DELETE FROM smart_search")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if self.pgvector.is_some() {
            sqlx::query("DELETE FROM smart_search_vectors")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        let mut state = self.memory.lock().await;
        state.index.clear();
        state.revision = 0;
        state.loaded = false;
        state.counted_at = None;
        Ok(())
    }

    async fn assets_to_encode(
        &self,
        after: Option<Uuid>,
        limit: i64,
        missing: bool,
    ) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id FROM assets a \
             JOIN asset_files pf ON pf.asset_id = a.id AND pf.kind = 'preview' \
             WHERE a.deleted_at IS NULL AND a.visibility <> 'hidden' AND a.id > $1{} \
             ORDER BY a.id LIMIT $2",
            if missing {
                " AND NOT EXISTS (SELECT 1 FROM smart_search s WHERE s.asset_id = a.id)"
            } else {
                ""
            }
        )))
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.sql.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| get_uuid(r, "id")).collect()
    }

    async fn search(
        &self,
        search: &AssetSearch,
        embedding: &[f32],
    ) -> StoreResult<Vec<AssetRecord>> {
        match &self.pgvector {
            Some(pgvector) => pgvector.search(&self.sql.pool, search, embedding).await,
            None => self.memory_search(search, embedding).await,
        }
    }

    async fn near_duplicates(
        &self,
        asset_id: Uuid,
        owner_id: Uuid,
        asset_type: &str,
        embedding: &[f32],
        max_distance: f32,
        limit: usize,
    ) -> StoreResult<Vec<VectorMatch>> {
        let close: Vec<(Uuid, f32)> = match &self.pgvector {
            Some(pgvector) => {
                pgvector
                    .nearest_of_owner(&self.sql.pool, owner_id, embedding, limit + 1)
                    .await?
            }
            None => self.nearest(embedding, limit + 1, &[owner_id]).await?,
        };
        let close: Vec<(Uuid, f32)> = close
            .into_iter()
            .filter(|(id, distance)| *id != asset_id && *distance <= max_distance)
            .collect();
        if close.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = close.iter().map(|c| c.0).collect();
        let rows = fetch_for_ids(
            &self.sql.pool,
            &[owner_id.to_string(), asset_type.to_string()],
            &ids,
            |list| {
                format!(
                    "SELECT a.id, a.duplicate_id FROM assets a WHERE a.owner_id = $1 AND a.type = $2 \
                     AND a.deleted_at IS NULL AND a.visibility NOT IN ('hidden', 'locked') \
                     AND a.stack_id IS NULL AND a.id IN ({list})"
                )
            },
        )
        .await?;
        let groups: HashMap<Uuid, Option<Uuid>> = rows
            .iter()
            .map(|r| Ok((get_uuid(r, "id")?, get_opt_uuid(r, "duplicate_id")?)))
            .collect::<StoreResult<_>>()?;
        Ok(close
            .into_iter()
            .filter_map(|(id, distance)| {
                groups.get(&id).map(|duplicate_id| VectorMatch {
                    asset_id: id,
                    duplicate_id: *duplicate_id,
                    distance,
                })
            })
            .take(limit)
            .collect())
    }
}
