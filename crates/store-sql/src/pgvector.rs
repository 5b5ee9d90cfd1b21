//! pgvector on PostgreSQL: `smart_search_vectors` mirrors `smart_search` in pgvector's type
//! with an HNSW index (cosine), and searches rank inside PostgreSQL with every filter in the
//! same query. Used only when `CREATE EXTENSION vector` works; the column takes the
//! dimension of the embeddings written (a new model's first embedding resets it).

use shoebox_store::StoreResult;
use shoebox_store::faces::embedding_from_bytes;
use shoebox_store::records::{AssetRecord, AssetSearch};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::asset_search::search_conditions;
use crate::assets::{asset_from_row, select_asset};
use crate::codec::*;

/// HNSW's candidate list is raised to cover the page, within pgvector's limit.
const MAX_EF_SEARCH: i64 = 1000;

pub(crate) struct Pgvector {
    /// pgvector 0.8 can keep scanning the index until filters leave enough rows.
    iterative_scan: bool,
}

/// pgvector's text form of a vector.
fn literal(v: &[f32]) -> String {
    let parts: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    format!("[{}]", parts.join(","))
}

impl Pgvector {
    /// `None` (and one log line) when the extension cannot be created here.
    pub(crate) async fn open(pool: &AnyPool) -> Option<Pgvector> {
        if let Err(e) = sqlx::query("CREATE EXTENSION IF NOT EXISTS vector")
            .execute(pool)
            .await
        {
            tracing::info!("pgvector is not available ({e}); smart search ranks in memory");
            return None;
        }
        let setup = async {
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS smart_search_vectors (\
                   asset_id TEXT PRIMARY KEY NOT NULL REFERENCES assets(id) ON DELETE CASCADE, \
                   embedding vector NOT NULL)",
            )
            .execute(pool)
            .await
            .map_err(db_err)?;
            let version: String =
                sqlx::query("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
                    .fetch_one(pool)
                    .await
                    .map_err(db_err)?
                    .try_get("extversion")
                    .map_err(db_err)?;
            let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
            let pgvector = Pgvector {
                iterative_scan: (major, minor) >= (0, 8),
            };
            pgvector.backfill(pool).await?;
            tracing::info!(version, "pgvector ranks smart search");
            StoreResult::Ok(pgvector)
        };
        match setup.await {
            Ok(pgvector) => Some(pgvector),
            Err(e) => {
                tracing::warn!("pgvector set-up failed ({e}); smart search ranks in memory");
                None
            }
        }
    }

    /// Embeddings written while pgvector was absent are copied over.
    async fn backfill(&self, pool: &AnyPool) -> StoreResult<()> {
        let rows = sqlx::query(
            "SELECT s.asset_id, s.embedding FROM smart_search s WHERE NOT EXISTS \
             (SELECT 1 FROM smart_search_vectors v WHERE v.asset_id = s.asset_id)",
        )
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = pool.begin().await.map_err(db_err)?;
        for row in &rows {
            let bytes: Vec<u8> = row.try_get("embedding").map_err(db_err)?;
            self.upsert(
                &mut tx,
                get_uuid(row, "asset_id")?,
                &embedding_from_bytes(&bytes),
            )
            .await?;
        }
        tx.commit().await.map_err(db_err)?;
        tracing::info!(rows = rows.len(), "copied embeddings into pgvector");
        Ok(())
    }

    /// Writes the vector; when its dimension differs from the column's, the column (and its
    /// HNSW index) is made again for the new dimension, without the old model's vectors.
    pub(crate) async fn upsert(
        &self,
        conn: &mut sqlx::AnyConnection,
        asset_id: Uuid,
        embedding: &[f32],
    ) -> StoreResult<()> {
        let dims: i64 = sqlx::query(
            "SELECT CAST(atttypmod AS BIGINT) AS dims FROM pg_attribute \
             WHERE attrelid = 'smart_search_vectors'::regclass AND attname = 'embedding'",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?
        .try_get("dims")
        .map_err(db_err)?;
        if dims != embedding.len() as i64 {
            let n = embedding.len();
            for statement in [
                "DROP INDEX IF EXISTS smart_search_vectors_hnsw".to_string(),
                "DELETE FROM smart_search_vectors".to_string(),
                format!("ALTER TABLE smart_search_vectors ALTER COLUMN embedding TYPE vector({n})"),
                "CREATE INDEX smart_search_vectors_hnsw ON smart_search_vectors \
                 USING hnsw (embedding vector_cosine_ops)"
                    .to_string(),
            ] {
                sqlx::query(AssertSqlSafe(statement))
                    .execute(&mut *conn)
                    .await
                    .map_err(db_err)?;
            }
        }
        sqlx::query(
            "INSERT INTO smart_search_vectors (asset_id, embedding) VALUES ($1, CAST($2 AS vector)) \
             ON CONFLICT (asset_id) DO UPDATE SET embedding = excluded.embedding",
        )
        .bind(asset_id.to_string())
        .bind(literal(embedding))
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Sets the index's search width for this transaction.
    async fn tune(&self, conn: &mut sqlx::AnyConnection, wanted: i64) -> StoreResult<()> {
        let ef = wanted.clamp(40, MAX_EF_SEARCH);
        let mut statements = vec![format!("SET LOCAL hnsw.ef_search = {ef}")];
        if self.iterative_scan {
            statements.push("SET LOCAL hnsw.iterative_scan = strict_order".into());
        }
        for statement in statements {
            sqlx::query(AssertSqlSafe(statement))
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    pub(crate) async fn search(
        &self,
        pool: &AnyPool,
        search: &AssetSearch,
        embedding: &[f32],
    ) -> StoreResult<Vec<AssetRecord>> {
        let c = search_conditions(search);
        let n = c.next_param();
        let sql = format!(
            "{} JOIN smart_search_vectors v ON v.asset_id = a.id{} \
             ORDER BY v.embedding <=> CAST(${n} AS vector) LIMIT ${} OFFSET ${}",
            select_asset(),
            c.where_sql(),
            n + 1,
            n + 2
        );
        let mut tx = pool.begin().await.map_err(db_err)?;
        self.tune(&mut tx, search.offset + search.limit).await?;
        let rows = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .bind(literal(embedding))
            .bind(search.limit)
            .bind(search.offset)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        rows.iter().map(asset_from_row).collect()
    }

    /// The owner's `limit` nearest embeddings with their cosine distance.
    pub(crate) async fn nearest_of_owner(
        &self,
        pool: &AnyPool,
        owner_id: Uuid,
        embedding: &[f32],
        limit: usize,
    ) -> StoreResult<Vec<(Uuid, f32)>> {
        let mut tx = pool.begin().await.map_err(db_err)?;
        self.tune(&mut tx, limit as i64).await?;
        let rows = sqlx::query(
            "SELECT v.asset_id, CAST(v.embedding <=> CAST($1 AS vector) AS DOUBLE PRECISION) AS d \
             FROM smart_search_vectors v JOIN assets a ON a.id = v.asset_id \
             WHERE a.owner_id = $2 ORDER BY v.embedding <=> CAST($1 AS vector) LIMIT $3",
        )
        .bind(literal(embedding))
        .bind(owner_id.to_string())
        .bind(limit as i64)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let d: f64 = r.try_get("d").map_err(db_err)?;
                Ok((get_uuid(r, "asset_id")?, d as f32))
            })
            .collect()
    }
}
