//! Statements over lists of ids, run in chunks that stay below both backends'
//! bound-parameter limits.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe};
use uuid::Uuid;

use crate::codec::db_err;
use shoebox_store::StoreResult;

pub const CHUNK: usize = 500;

/// `$start, $start+1, …` for an `IN (…)` list of `n` values.
pub fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn query_for<'a>(
    leading: &[String],
    chunk: &[Uuid],
    sql_for: &impl Fn(&str) -> String,
) -> sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments> {
    let sql = sql_for(&placeholders(leading.len() + 1, chunk.len()));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for value in leading {
        q = q.bind(value.clone());
    }
    for id in chunk {
        q = q.bind(id.to_string());
    }
    q
}

/// Rows of `sql_for(list)` over every chunk of `ids`. `leading` values are bound
/// first (`$1`, …); `list` is the placeholders of the chunk's ids.
pub async fn fetch_for_ids(
    pool: &AnyPool,
    leading: &[String],
    ids: &[Uuid],
    sql_for: impl Fn(&str) -> String,
) -> StoreResult<Vec<AnyRow>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        rows.extend(
            query_for(leading, chunk, &sql_for)
                .fetch_all(pool)
                .await
                .map_err(db_err)?,
        );
    }
    Ok(rows)
}

/// Runs `sql_for(list)` over every chunk of `ids` on one connection, so that a
/// caller's transaction covers all chunks.
pub async fn execute_for_ids(
    conn: &mut AnyConnection,
    leading: &[String],
    ids: &[Uuid],
    sql_for: impl Fn(&str) -> String,
) -> StoreResult<()> {
    for chunk in ids.chunks(CHUNK) {
        query_for(leading, chunk, &sql_for)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Links `owner` to each of `asset_ids` in a link table with the columns
/// `(<owner_column>, asset_id, created_at)`; a link that exists stays as it is.
pub async fn link_assets(
    conn: &mut AnyConnection,
    table: &str,
    owner_column: &str,
    owner: Uuid,
    asset_ids: &[Uuid],
    created_at: &str,
) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO {table} ({owner_column}, asset_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING"
    );
    for asset_id in asset_ids {
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(owner.to_string())
            .bind(asset_id.to_string())
            .bind(created_at.to_string())
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}
