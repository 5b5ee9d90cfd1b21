use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::records::{UserPatch, UserRecord};
use shoebox_store::{StoreError, StoreResult, UserRepo};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;

pub(crate) fn user_from_row(row: &AnyRow) -> StoreResult<UserRecord> {
    let preferences = get_opt_str(row, "preferences")?
        .map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Backend(e.to_string())))
        .transpose()?;
    Ok(UserRecord {
        id: get_uuid(row, "id")?,
        email: get_str(row, "email")?,
        name: get_str(row, "name")?,
        password_hash: get_str(row, "password_hash")?,
        is_admin: get_bool(row, "is_admin")?,
        avatar_color: get_opt_str(row, "avatar_color")?,
        storage_label: get_opt_str(row, "storage_label")?,
        quota_size_bytes: get_opt_i64(row, "quota_size_bytes")?,
        should_change_password: get_bool(row, "should_change_password")?,
        status: get_str(row, "status")?,
        profile_image_path: get_str(row, "profile_image_path")?,
        profile_changed_at: get_ts(row, "profile_changed_at")?,
        preferences,
        oauth_id: get_str(row, "oauth_id")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
        deleted_at: get_opt_ts(row, "deleted_at")?,
    })
}

fn deleted_filter(with_deleted: bool) -> &'static str {
    if with_deleted {
        ""
    } else {
        " AND deleted_at IS NULL"
    }
}

#[async_trait]
impl UserRepo for SqlStore {
    async fn create(&self, u: &UserRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, is_admin, avatar_color, storage_label, \
             quota_size_bytes, should_change_password, status, profile_image_path, profile_changed_at, \
             preferences, created_at, updated_at, deleted_at, oauth_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(u.id.to_string())
        .bind(&u.email)
        .bind(&u.name)
        .bind(&u.password_hash)
        .bind(u.is_admin)
        .bind(u.avatar_color.clone())
        .bind(u.storage_label.clone())
        .bind(u.quota_size_bytes)
        .bind(u.should_change_password)
        .bind(&u.status)
        .bind(&u.profile_image_path)
        .bind(ts(u.profile_changed_at))
        .bind(u.preferences.as_ref().map(|p| p.to_string()))
        .bind(ts(u.created_at))
        .bind(ts(u.updated_at))
        .bind(u.deleted_at.map(ts))
        .bind(&u.oauth_id)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get(&self, id: Uuid, with_deleted: bool) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT * FROM users WHERE id = $1{}",
            deleted_filter(with_deleted)
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn get_by_email(
        &self,
        email: &str,
        with_deleted: bool,
    ) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT * FROM users WHERE email = $1{}",
            deleted_filter(with_deleted)
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(email.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn get_by_oauth_id(&self, oauth_id: &str) -> StoreResult<Option<UserRecord>> {
        if oauth_id.is_empty() {
            return Ok(None);
        }
        sqlx::query("SELECT * FROM users WHERE oauth_id = $1 AND deleted_at IS NULL")
            .bind(oauth_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn admin_exists(&self) -> StoreResult<bool> {
        let row: Option<AnyRow> = sqlx::query("SELECT id FROM users WHERE is_admin = $1 LIMIT 1")
            .bind(true)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(row.is_some())
    }

    async fn list(&self, with_deleted: bool) -> StoreResult<Vec<UserRecord>> {
        let sql = format!(
            "SELECT * FROM users WHERE 1 = 1{} ORDER BY created_at",
            deleted_filter(with_deleted)
        );
        sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(user_from_row)
            .collect()
    }

    async fn update(&self, id: Uuid, p: &UserPatch, now: DateTime<Utc>) -> StoreResult<UserRecord> {
        let mut current = UserRepo::get(self, id, true)
            .await?
            .ok_or(StoreError::NotFound)?;
        if let Some(v) = &p.email {
            current.email = v.clone();
        }
        if let Some(v) = &p.name {
            current.name = v.clone();
        }
        if let Some(v) = &p.password_hash {
            current.password_hash = v.clone();
        }
        if let Some(v) = p.is_admin {
            current.is_admin = v;
        }
        if let Some(v) = &p.avatar_color {
            current.avatar_color = v.clone();
        }
        if let Some(v) = &p.storage_label {
            current.storage_label = v.clone();
        }
        if let Some(v) = p.quota_size_bytes {
            current.quota_size_bytes = v;
        }
        if let Some(v) = p.should_change_password {
            current.should_change_password = v;
        }
        if let Some(v) = &p.status {
            current.status = v.clone();
        }
        if let Some(v) = &p.preferences {
            current.preferences = Some(v.clone());
        }
        if let Some(v) = p.deleted_at {
            current.deleted_at = v;
        }
        if let Some(v) = &p.oauth_id {
            current.oauth_id = v.clone();
        }
        if let Some(v) = &p.profile_image_path {
            current.profile_image_path = v.clone();
            current.profile_changed_at = now;
        }
        current.updated_at = now;
        sqlx::query(
            "UPDATE users SET email = $2, name = $3, password_hash = $4, is_admin = $5, avatar_color = $6, \
             storage_label = $7, quota_size_bytes = $8, should_change_password = $9, status = $10, \
             preferences = $11, deleted_at = $12, updated_at = $13, profile_image_path = $14, \
             profile_changed_at = $15, oauth_id = $16 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(&current.email)
        .bind(&current.name)
        .bind(&current.password_hash)
        .bind(current.is_admin)
        .bind(current.avatar_color.clone())
        .bind(current.storage_label.clone())
        .bind(current.quota_size_bytes)
        .bind(current.should_change_password)
        .bind(&current.status)
        .bind(current.preferences.as_ref().map(|p| p.to_string()))
        .bind(current.deleted_at.map(ts))
        .bind(ts(now))
        .bind(&current.profile_image_path)
        .bind(ts(current.profile_changed_at))
        .bind(&current.oauth_id)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(current)
    }

    async fn delete(&self, id: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
