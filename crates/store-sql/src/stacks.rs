//! Stacks: a row per stack, and `assets.stack_id` naming each member's stack.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::StackRecord;
use shoebox_store::{StackRepo, StoreResult};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;

/// Members in a stable order: the primary first, then by date taken.
const MEMBERS_SQL: &str = "SELECT a.id FROM assets a JOIN stacks s ON s.id = a.stack_id \
     WHERE a.stack_id = $1 \
     ORDER BY CASE WHEN a.id = s.primary_asset_id THEN 0 ELSE 1 END, a.file_created_at, a.id";

async fn members(conn: &mut AnyConnection, id: &str) -> StoreResult<Vec<Uuid>> {
    sqlx::query(MEMBERS_SQL)
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| get_uuid(r, "id"))
        .collect()
}

async fn stacks_from_rows(
    conn: &mut AnyConnection,
    rows: &[AnyRow],
) -> StoreResult<Vec<StackRecord>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id = get_str(row, "id")?;
        out.push(StackRecord {
            id: get_uuid(row, "id")?,
            owner_id: get_uuid(row, "owner_id")?,
            primary_asset_id: get_uuid(row, "primary_asset_id")?,
            asset_ids: members(conn, &id).await?,
        });
    }
    Ok(out)
}

async fn query_stacks(
    store: &SqlStore,
    sql: &str,
    args: &[String],
) -> StoreResult<Vec<StackRecord>> {
    let mut conn = store.pool.acquire().await.map_err(db_err)?;
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for arg in args {
        q = q.bind(arg.clone());
    }
    let rows = q.fetch_all(&mut *conn).await.map_err(db_err)?;
    stacks_from_rows(&mut conn, &rows).await
}

/// Dissolves stacks left with fewer than two members and gives a stack whose primary left
/// its earliest member, inside the caller's transaction.
async fn repair_in(conn: &mut AnyConnection, ids: &[Uuid]) -> StoreResult<()> {
    for id in ids {
        let id = id.to_string();
        let remaining = members(conn, &id).await?;
        if remaining.len() < 2 {
            sqlx::query("UPDATE assets SET stack_id = NULL WHERE stack_id = $1")
                .bind(id.clone())
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
            sqlx::query("DELETE FROM stacks WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
            continue;
        }
        sqlx::query(
            "UPDATE stacks SET primary_asset_id = $2 WHERE id = $1 AND primary_asset_id NOT IN \
             (SELECT a.id FROM assets a WHERE a.stack_id = $1)",
        )
        .bind(id)
        .bind(remaining[0].to_string())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

#[async_trait]
impl StackRepo for SqlStore {
    async fn create(
        &self,
        id: Uuid,
        owner_id: Uuid,
        asset_ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> StoreResult<StackRecord> {
        let mut tx = self.begin_write().await?;
        let mut old_stacks = Vec::new();
        for asset in asset_ids {
            let row = sqlx::query("SELECT stack_id FROM assets WHERE id = $1")
                .bind(asset.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            if let Some(stack) = row
                .map(|r| get_opt_uuid(&r, "stack_id"))
                .transpose()?
                .flatten()
                && !old_stacks.contains(&stack)
            {
                old_stacks.push(stack);
            }
        }
        let primary = asset_ids[0].to_string();
        sqlx::query(
            "INSERT INTO stacks (id, owner_id, primary_asset_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id.to_string())
        .bind(owner_id.to_string())
        .bind(primary)
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        for old in &old_stacks {
            sqlx::query("UPDATE assets SET stack_id = $2 WHERE stack_id = $1")
                .bind(old.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query("DELETE FROM stacks WHERE id = $1")
                .bind(old.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for asset in asset_ids {
            sqlx::query("UPDATE assets SET stack_id = $2 WHERE id = $1")
                .bind(asset.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let asset_ids = members(&mut tx, &id.to_string()).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(StackRecord {
            id,
            owner_id,
            primary_asset_id: asset_ids[0],
            asset_ids,
        })
    }

    async fn get(&self, id: Uuid) -> StoreResult<Option<StackRecord>> {
        Ok(query_stacks(
            self,
            "SELECT * FROM stacks WHERE id = $1",
            &[id.to_string()],
        )
        .await?
        .pop())
    }

    async fn of_asset(&self, asset_id: Uuid) -> StoreResult<Option<StackRecord>> {
        Ok(query_stacks(
            self,
            "SELECT s.* FROM stacks s JOIN assets a ON a.stack_id = s.id WHERE a.id = $1",
            &[asset_id.to_string()],
        )
        .await?
        .pop())
    }

    async fn list(
        &self,
        owner_id: Uuid,
        primary_asset_id: Option<Uuid>,
    ) -> StoreResult<Vec<StackRecord>> {
        match primary_asset_id {
            Some(primary) => {
                query_stacks(
                    self,
                    "SELECT * FROM stacks WHERE owner_id = $1 AND primary_asset_id = $2 \
                     ORDER BY created_at, id",
                    &[owner_id.to_string(), primary.to_string()],
                )
                .await
            }
            None => {
                query_stacks(
                    self,
                    "SELECT * FROM stacks WHERE owner_id = $1 ORDER BY created_at, id",
                    &[owner_id.to_string()],
                )
                .await
            }
        }
    }

    async fn set_primary(&self, id: Uuid, asset_id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE stacks SET primary_asset_id = $2, updated_at = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(asset_id.to_string())
            .bind(ts(now))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn delete(&self, ids: &[Uuid]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for id in ids {
            sqlx::query("UPDATE assets SET stack_id = NULL WHERE stack_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query("DELETE FROM stacks WHERE id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn remove_asset(&self, id: Uuid, asset_id: Uuid) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE assets SET stack_id = NULL WHERE id = $1 AND stack_id = $2")
            .bind(asset_id.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        repair_in(&mut tx, &[id]).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn repair(&self, owner_id: Uuid) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let broken: Vec<Uuid> = sqlx::query(
            "SELECT s.id FROM stacks s WHERE s.owner_id = $1 AND ( \
               (SELECT COUNT(*) FROM assets a WHERE a.stack_id = s.id) < 2 \
               OR s.primary_asset_id NOT IN (SELECT a.id FROM assets a WHERE a.stack_id = s.id))",
        )
        .bind(owner_id.to_string())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| get_uuid(r, "id"))
        .collect::<StoreResult<_>>()?;
        repair_in(&mut tx, &broken).await?;
        tx.commit().await.map_err(db_err)
    }
}
