use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::{NotificationFilter, NotificationRecord};
use shoebox_store::{NotificationRepo, StoreError, StoreResult};
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;
use crate::id_lists::execute_for_ids;

fn notification_from_row(row: &AnyRow) -> StoreResult<NotificationRecord> {
    let data = get_opt_str(row, "data")?
        .map(|d| serde_json::from_str(&d))
        .transpose()
        .map_err(|e| StoreError::Backend(format!("notification data is not JSON: {e}")))?;
    Ok(NotificationRecord {
        id: get_uuid(row, "id")?,
        user_id: get_uuid(row, "user_id")?,
        level: get_str(row, "level")?,
        notification_type: get_str(row, "notification_type")?,
        title: get_str(row, "title")?,
        description: get_opt_str(row, "description")?,
        data,
        read_at: get_opt_ts(row, "read_at")?,
        created_at: get_ts(row, "created_at")?,
    })
}

#[async_trait]
impl NotificationRepo for SqlStore {
    async fn create(&self, n: &NotificationRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO notifications (id, user_id, level, notification_type, title, description, \
             data, read_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(n.id.to_string())
        .bind(n.user_id.to_string())
        .bind(n.level.clone())
        .bind(n.notification_type.clone())
        .bind(n.title.clone())
        .bind(n.description.clone())
        .bind(n.data.as_ref().map(|d| d.to_string()))
        .bind(n.read_at.map(ts))
        .bind(ts(n.created_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get(&self, id: Uuid) -> StoreResult<Option<NotificationRecord>> {
        sqlx::query("SELECT * FROM notifications WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(notification_from_row)
            .transpose()
    }

    async fn list(
        &self,
        user_id: Uuid,
        f: &NotificationFilter,
    ) -> StoreResult<Vec<NotificationRecord>> {
        let read = match f.unread {
            Some(true) => " AND read_at IS NULL",
            Some(false) => " AND read_at IS NOT NULL",
            None => "",
        };
        let sql = format!(
            "SELECT * FROM notifications WHERE user_id = $1 AND ($2 IS NULL OR id = $2) \
             AND ($3 IS NULL OR level = $3) AND ($4 IS NULL OR notification_type = $4){read} \
             ORDER BY created_at DESC, id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id.to_string())
            .bind(f.id.map(|i| i.to_string()))
            .bind(f.level.clone())
            .bind(f.notification_type.clone())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(notification_from_row)
            .collect()
    }

    async fn set_read(
        &self,
        user_id: Uuid,
        ids: &[Uuid],
        read_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        match read_at {
            Some(t) => execute_for_ids(&mut conn, &[user_id.to_string(), ts(t)], ids, |list| {
                format!(
                    "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND id IN ({list})"
                )
            })
            .await,
            None => execute_for_ids(&mut conn, &[user_id.to_string()], ids, |list| {
                format!(
                    "UPDATE notifications SET read_at = NULL WHERE user_id = $1 AND id IN ({list})"
                )
            })
            .await,
        }
    }

    async fn delete(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        execute_for_ids(&mut conn, &[user_id.to_string()], ids, |list| {
            format!("DELETE FROM notifications WHERE user_id = $1 AND id IN ({list})")
        })
        .await
    }
}
