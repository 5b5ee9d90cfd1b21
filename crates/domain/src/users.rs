//! Users: creation, profile changes, admin management.

use chrono::Utc;
use shoebox_store::StoreError;
use shoebox_store::records::{UserPatch, UserRecord};
use uuid::Uuid;

use crate::secrets::hash_password;
use crate::{Domain, DomainError, DomainResult};

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password: String,
    pub is_admin: bool,
    pub avatar_color: Option<String>,
    pub storage_label: Option<String>,
    pub quota_size_bytes: Option<i64>,
    pub should_change_password: bool,
    /// Set for accounts registered through OpenID Connect, which have no password.
    pub oauth_id: String,
}

/// Changes to a user; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    pub is_admin: Option<bool>,
    pub avatar_color: Option<Option<String>>,
    pub storage_label: Option<Option<String>>,
    pub quota_size_bytes: Option<Option<i64>>,
    pub should_change_password: Option<bool>,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn validate_email(email: &str) -> DomainResult<()> {
    let valid = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(())
    } else {
        Err(DomainError::BadRequest("email must be an email".into()))
    }
}

pub fn validate_password(password: &str) -> DomainResult<()> {
    if password.is_empty() {
        return Err(DomainError::BadRequest(
            "password should not be empty".into(),
        ));
    }
    Ok(())
}

fn validate_name(name: &str) -> DomainResult<()> {
    if name.trim().is_empty() {
        return Err(DomainError::BadRequest("name should not be empty".into()));
    }
    Ok(())
}

fn validate_quota(quota: Option<i64>) -> DomainResult<()> {
    if quota.is_some_and(|q| q < 0) {
        return Err(DomainError::BadRequest(
            "quotaSizeInBytes must not be less than 0".into(),
        ));
    }
    Ok(())
}

fn exists_error(e: StoreError) -> DomainError {
    match e {
        StoreError::Conflict(_) => DomainError::BadRequest("User exists".into()),
        other => other.into(),
    }
}

impl Domain {
    pub async fn create_user(&self, new: NewUser) -> DomainResult<UserRecord> {
        let email = normalize_email(&new.email);
        validate_email(&email)?;
        validate_name(&new.name)?;
        if new.oauth_id.is_empty() {
            validate_password(&new.password)?;
        }
        validate_quota(new.quota_size_bytes)?;
        if self.store.users.get_by_email(&email, true).await?.is_some() {
            return Err(DomainError::BadRequest("User exists".into()));
        }
        let now = Utc::now();
        let user = UserRecord {
            id: Uuid::new_v4(),
            email,
            name: new.name.trim().to_string(),
            password_hash: if new.password.is_empty() {
                String::new()
            } else {
                hash_password(new.password).await?
            },
            is_admin: new.is_admin,
            avatar_color: new.avatar_color,
            storage_label: new.storage_label,
            quota_size_bytes: new.quota_size_bytes,
            should_change_password: new.should_change_password,
            status: "active".into(),
            profile_image_path: String::new(),
            profile_changed_at: now,
            preferences: None,
            oauth_id: new.oauth_id,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        self.store.users.create(&user).await.map_err(exists_error)?;
        Ok(user)
    }

    /// An unknown id is a 400, as in Immich.
    pub async fn get_user(&self, id: Uuid, with_deleted: bool) -> DomainResult<UserRecord> {
        self.store
            .users
            .get(id, with_deleted)
            .await?
            .ok_or_else(|| DomainError::BadRequest("User not found".into()))
    }

    pub async fn list_users(&self, with_deleted: bool) -> DomainResult<Vec<UserRecord>> {
        Ok(self.store.users.list(with_deleted).await?)
    }

    pub async fn update_user(&self, id: Uuid, changes: UserChanges) -> DomainResult<UserRecord> {
        let current = self.get_user(id, false).await?;
        let mut patch = UserPatch::default();
        if let Some(email) = changes.email {
            let email = normalize_email(&email);
            validate_email(&email)?;
            if email != current.email
                && self.store.users.get_by_email(&email, true).await?.is_some()
            {
                return Err(DomainError::BadRequest(
                    "Email already in use by another account".into(),
                ));
            }
            patch.email = Some(email);
        }
        if let Some(name) = changes.name {
            validate_name(&name)?;
            patch.name = Some(name.trim().to_string());
        }
        if let Some(password) = changes.password {
            validate_password(&password)?;
            patch.password_hash = Some(hash_password(password).await?);
        }
        if let Some(quota) = changes.quota_size_bytes {
            validate_quota(quota)?;
            patch.quota_size_bytes = Some(quota);
        }
        patch.is_admin = changes.is_admin;
        patch.avatar_color = changes.avatar_color;
        patch.storage_label = changes.storage_label;
        patch.should_change_password = changes.should_change_password;
        self.store
            .users
            .update(id, &patch, Utc::now())
            .await
            .map_err(exists_error)
    }

    pub async fn set_preferences(
        &self,
        id: Uuid,
        preferences: serde_json::Value,
    ) -> DomainResult<UserRecord> {
        let patch = UserPatch {
            preferences: Some(preferences),
            ..UserPatch::default()
        };
        Ok(self.store.users.update(id, &patch, Utc::now()).await?)
    }

    /// Soft delete keeps the account restorable; `force` removes it and its files now.
    pub async fn delete_user(
        &self,
        acting: Uuid,
        id: Uuid,
        force: bool,
    ) -> DomainResult<UserRecord> {
        if acting == id {
            return Err(DomainError::BadRequest(
                "Cannot delete your own account".into(),
            ));
        }
        let user = self.get_user(id, true).await?;
        if user.is_admin && !force && user.deleted_at.is_none() && self.count_admins().await? <= 1 {
            return Err(DomainError::BadRequest(
                "Cannot delete the last admin".into(),
            ));
        }
        if force {
            let mut paths = self.store.assets.file_paths_of_owner(id).await?;
            if !user.profile_image_path.is_empty() {
                paths.push(user.profile_image_path.clone());
            }
            self.store.users.delete(id).await?;
            self.storage.remove_originals(&paths).await;
            self.storage.remove_generated_of_owner(id).await;
            return Ok(UserRecord {
                status: "removing".into(),
                deleted_at: Some(Utc::now()),
                ..user
            });
        }
        let patch = UserPatch {
            status: Some("deleted".into()),
            deleted_at: Some(Some(Utc::now())),
            ..UserPatch::default()
        };
        self.store.sessions.delete_all_for_user(id, None).await?;
        Ok(self.store.users.update(id, &patch, Utc::now()).await?)
    }

    pub async fn restore_user(&self, id: Uuid) -> DomainResult<UserRecord> {
        self.get_user(id, true).await?;
        let patch = UserPatch {
            status: Some("active".into()),
            deleted_at: Some(None),
            ..UserPatch::default()
        };
        Ok(self.store.users.update(id, &patch, Utc::now()).await?)
    }

    async fn count_admins(&self) -> DomainResult<usize> {
        Ok(self
            .list_users(false)
            .await?
            .iter()
            .filter(|u| u.is_admin)
            .count())
    }
}

fn onboarding_key(user_id: Uuid) -> String {
    format!("onboarding:{user_id}")
}

impl Domain {
    pub async fn is_onboarded(&self, user_id: Uuid) -> DomainResult<bool> {
        let value = self
            .store
            .system
            .get_metadata(&onboarding_key(user_id))
            .await?;
        Ok(value.and_then(|v| v.as_bool()).unwrap_or(false))
    }

    pub async fn set_onboarded(&self, user_id: Uuid, onboarded: bool) -> DomainResult<()> {
        let value = serde_json::Value::Bool(onboarded);
        Ok(self
            .store
            .system
            .set_metadata(&onboarding_key(user_id), &value)
            .await?)
    }
}

impl Domain {
    /// Gives the user a new random password (they must change it at next login)
    /// and ends their sessions; returns the password.
    pub async fn reset_password(&self, email: &str) -> DomainResult<String> {
        let user = self
            .store
            .users
            .get_by_email(&normalize_email(email), false)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("No user with email {email}")))?;
        let password = crate::secrets::new_secret()[..16].to_string();
        let patch = UserPatch {
            password_hash: Some(hash_password(password.clone()).await?),
            should_change_password: Some(true),
            ..UserPatch::default()
        };
        self.store.users.update(user.id, &patch, Utc::now()).await?;
        self.store
            .sessions
            .delete_all_for_user(user.id, None)
            .await?;
        Ok(password)
    }
}
