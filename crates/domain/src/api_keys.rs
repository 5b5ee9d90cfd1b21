//! API keys: named secrets with a set of permissions.

use chrono::Utc;
use shoebox_store::records::ApiKeyRecord;
use uuid::Uuid;

use crate::auth::{ALL, AuthContext};
use crate::secrets::{hash_secret, new_secret};
use crate::{Domain, DomainError, DomainResult};

fn not_found() -> DomainError {
    DomainError::BadRequest("API Key not found".into())
}

/// A key cannot hand out more than the caller holds.
fn require_grantable(auth: &AuthContext, permissions: &[String]) -> DomainResult<()> {
    if let Some(missing) = permissions
        .iter()
        .find(|p| *p != ALL && !auth.has_permission(p))
    {
        return Err(DomainError::BadRequest(format!(
            "Cannot grant permissions you do not have: {missing}"
        )));
    }
    if permissions.iter().any(|p| p == ALL) && !auth.has_permission(ALL) {
        return Err(DomainError::BadRequest(
            "Cannot grant permissions you do not have: all".into(),
        ));
    }
    Ok(())
}

impl Domain {
    /// Returns the new key and its secret, which is shown only this once.
    pub async fn create_api_key(
        &self,
        auth: &AuthContext,
        name: Option<String>,
        permissions: Vec<String>,
    ) -> DomainResult<(ApiKeyRecord, String)> {
        if permissions.is_empty() {
            return Err(DomainError::BadRequest(
                "permissions must contain at least 1 elements".into(),
            ));
        }
        require_grantable(auth, &permissions)?;
        let secret = new_secret();
        let now = Utc::now();
        let key = ApiKeyRecord {
            id: Uuid::new_v4(),
            user_id: auth.user_id(),
            name: name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "API Key".into()),
            key_hash: hash_secret(&secret),
            permissions,
            created_at: now,
            updated_at: now,
        };
        self.store.api_keys.create(&key).await?;
        Ok((key, secret))
    }

    pub async fn list_api_keys(&self, auth: &AuthContext) -> DomainResult<Vec<ApiKeyRecord>> {
        Ok(self.store.api_keys.list_for_user(auth.user_id()).await?)
    }

    pub async fn get_api_key(&self, auth: &AuthContext, id: Uuid) -> DomainResult<ApiKeyRecord> {
        self.store
            .api_keys
            .get(id, auth.user_id())
            .await?
            .ok_or_else(not_found)
    }

    pub async fn update_api_key(
        &self,
        auth: &AuthContext,
        id: Uuid,
        name: Option<String>,
        permissions: Option<Vec<String>>,
    ) -> DomainResult<ApiKeyRecord> {
        if permissions.as_ref().is_some_and(Vec::is_empty) {
            return Err(DomainError::BadRequest(
                "permissions must contain at least 1 elements".into(),
            ));
        }
        // Otherwise a key allowed to update keys could widen itself to "all".
        if let Some(permissions) = &permissions {
            require_grantable(auth, permissions)?;
        }
        self.store
            .api_keys
            .update(
                id,
                auth.user_id(),
                name.as_deref(),
                permissions.as_deref(),
                Utc::now(),
            )
            .await?
            .ok_or_else(not_found)
    }

    pub async fn delete_api_key(&self, auth: &AuthContext, id: Uuid) -> DomainResult<()> {
        if self.store.api_keys.delete(id, auth.user_id()).await? {
            Ok(())
        } else {
            Err(not_found())
        }
    }
}
