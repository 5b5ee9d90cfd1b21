use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::{MemoryPatch, MemoryRecord, MemorySearch};
use shoebox_store::{MemoryRepo, StoreError, StoreResult};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;
use crate::id_lists::{execute_for_ids, fetch_for_ids, link_assets};

pub(crate) fn memory_from_row(row: &AnyRow) -> StoreResult<MemoryRecord> {
    let data = get_str(row, "data")?;
    Ok(MemoryRecord {
        id: get_uuid(row, "id")?,
        owner_id: get_uuid(row, "owner_id")?,
        memory_type: get_str(row, "memory_type")?,
        data: serde_json::from_str(&data)
            .map_err(|e| StoreError::Backend(format!("memory data is not JSON: {e}")))?,
        is_saved: get_bool(row, "is_saved")?,
        memory_at: get_ts(row, "memory_at")?,
        seen_at: get_opt_ts(row, "seen_at")?,
        show_at: get_opt_ts(row, "show_at")?,
        hide_at: get_opt_ts(row, "hide_at")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
        deleted_at: get_opt_ts(row, "deleted_at")?,
    })
}

/// The WHERE clause of a search ($1 is the owner) and its parameters from $2 on.
fn search_where(s: &MemorySearch) -> (String, Vec<Option<String>>) {
    let mut clauses = vec![
        "owner_id = $1".to_string(),
        if s.is_trashed {
            "deleted_at IS NOT NULL".to_string()
        } else {
            "deleted_at IS NULL".to_string()
        },
    ];
    let mut params = Vec::new();
    let next = |value: String, params: &mut Vec<Option<String>>| {
        params.push(Some(value));
        format!("${}", params.len() + 1)
    };
    if let Some(id) = s.id {
        let p = next(id.to_string(), &mut params);
        clauses.push(format!("id = {p}"));
    }
    if let Some(at) = s.shown_at {
        let p = next(ts(at), &mut params);
        clauses.push(format!(
            "(show_at IS NULL OR show_at <= {p}) AND (hide_at IS NULL OR hide_at >= {p})"
        ));
    }
    if let Some((upcoming, now)) = s.upcoming_after {
        let p = next(ts(now), &mut params);
        clauses.push(if upcoming {
            format!("show_at > {p}")
        } else {
            format!("(show_at IS NULL OR show_at <= {p})")
        });
    }
    if let Some(saved) = s.is_saved {
        clauses.push(if saved {
            "is_saved = TRUE".to_string()
        } else {
            "is_saved = FALSE".to_string()
        });
    }
    if let Some(kind) = &s.memory_type {
        let p = next(kind.clone(), &mut params);
        clauses.push(format!("memory_type = {p}"));
    }
    (clauses.join(" AND "), params)
}

#[async_trait]
impl MemoryRepo for SqlStore {
    async fn create(&self, m: &MemoryRecord, asset_ids: &[Uuid]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO memories (id, owner_id, memory_type, data, is_saved, memory_at, seen_at, \
             show_at, hide_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(m.id.to_string())
        .bind(m.owner_id.to_string())
        .bind(m.memory_type.clone())
        .bind(m.data.to_string())
        .bind(m.is_saved)
        .bind(ts(m.memory_at))
        .bind(m.seen_at.map(ts))
        .bind(m.show_at.map(ts))
        .bind(m.hide_at.map(ts))
        .bind(ts(m.created_at))
        .bind(ts(m.updated_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        link_assets(
            &mut tx,
            "memory_assets",
            "memory_id",
            m.id,
            asset_ids,
            &ts(m.created_at),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    async fn get(&self, id: Uuid) -> StoreResult<Option<MemoryRecord>> {
        sqlx::query("SELECT * FROM memories WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(memory_from_row)
            .transpose()
    }

    async fn search(&self, owner_id: Uuid, s: &MemorySearch) -> StoreResult<Vec<MemoryRecord>> {
        let (filter, params) = search_where(s);
        let order = match s.order.as_str() {
            "asc" => "memory_at ASC",
            "random" => "RANDOM()",
            _ => "memory_at DESC",
        };
        // Both backends take a LIMIT of i64::MAX as "no limit".
        let limit = s.limit.unwrap_or(i64::MAX);
        let offset = s.offset.max(0);
        let sql = format!(
            "SELECT * FROM memories WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(owner_id.to_string());
        for p in params {
            q = q.bind(p);
        }
        q.fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(memory_from_row)
            .collect()
    }

    async fn count(&self, owner_id: Uuid, s: &MemorySearch) -> StoreResult<i64> {
        let (filter, params) = search_where(s);
        let sql = format!("SELECT COUNT(*) AS total FROM memories WHERE {filter}");
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(owner_id.to_string());
        for p in params {
            q = q.bind(p);
        }
        let row = q.fetch_one(&self.pool).await.map_err(db_err)?;
        get_i64(&row, "total")
    }

    async fn update(&self, id: Uuid, p: &MemoryPatch, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE memories SET is_saved = COALESCE($2, is_saved), \
             memory_at = COALESCE($3, memory_at), seen_at = COALESCE($4, seen_at), \
             updated_at = $5 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(p.is_saved)
        .bind(p.memory_at.map(ts))
        .bind(p.seen_at.map(ts))
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn delete(&self, id: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM memories WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn asset_ids(&self, memory_ids: &[Uuid]) -> StoreResult<HashMap<Uuid, Vec<Uuid>>> {
        let rows = fetch_for_ids(&self.pool, &[], memory_ids, |list| {
            format!(
                "SELECT ma.memory_id, a.id FROM memory_assets ma JOIN assets a ON a.id = ma.asset_id \
                 WHERE ma.memory_id IN ({list}) AND a.deleted_at IS NULL \
                 AND a.visibility = 'timeline' ORDER BY a.file_created_at, a.id"
            )
        })
        .await?;
        let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for row in &rows {
            out.entry(get_uuid(row, "memory_id")?)
                .or_default()
                .push(get_uuid(row, "id")?);
        }
        Ok(out)
    }

    async fn contained_asset_ids(&self, id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[id.to_string()], ids, |list| {
            format!(
                "SELECT asset_id FROM memory_assets WHERE memory_id = $1 AND asset_id IN ({list})"
            )
        })
        .await?;
        rows.iter().map(|r| get_uuid(r, "asset_id")).collect()
    }

    async fn add_assets(&self, id: Uuid, ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        link_assets(&mut tx, "memory_assets", "memory_id", id, ids, &ts(now)).await?;
        sqlx::query("UPDATE memories SET updated_at = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn remove_assets(&self, id: Uuid, ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        execute_for_ids(&mut tx, &[id.to_string()], ids, |list| {
            format!("DELETE FROM memory_assets WHERE memory_id = $1 AND asset_id IN ({list})")
        })
        .await?;
        sqlx::query("UPDATE memories SET updated_at = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn taken_on_day(
        &self,
        owner_id: Uuid,
        month_day: &str,
        before_year: i32,
    ) -> StoreResult<Vec<(i32, Vec<Uuid>)>> {
        // Local times are stored as "YYYY-MM-DDTHH:MM:SS.sss", so text comparisons work.
        let rows = sqlx::query(
            "SELECT id, local_date_time FROM assets WHERE owner_id = $1 \
             AND visibility = 'timeline' AND deleted_at IS NULL \
             AND SUBSTR(local_date_time, 6, 5) = $2 AND local_date_time < $3 \
             ORDER BY local_date_time DESC, id",
        )
        .bind(owner_id.to_string())
        .bind(month_day.to_string())
        .bind(format!("{before_year:04}"))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut years: Vec<(i32, Vec<Uuid>)> = Vec::new();
        for row in &rows {
            let local = get_str(row, "local_date_time")?;
            let year: i32 = local
                .get(0..4)
                .and_then(|y| y.parse().ok())
                .ok_or_else(|| StoreError::Backend(format!("unreadable local time {local:?}")))?;
            let id = get_uuid(row, "id")?;
            match years.last_mut() {
                Some((y, ids)) if *y == year => ids.push(id),
                _ => years.push((year, vec![id])),
            }
        }
        for (_, ids) in &mut years {
            ids.reverse();
        }
        Ok(years)
    }
}
