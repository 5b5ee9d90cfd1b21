//! Who is calling, and may they: sign-up, login, token and API-key checks.

use chrono::{Duration, Utc};
use shoebox_store::records::{
    ApiKeyRecord, SessionRecord, SharedLinkRecord, UserPatch, UserRecord,
};
use uuid::Uuid;

use crate::secrets::{hash_password, hash_secret, new_secret, verify_password};
use crate::shared_links::normalize_link_key;
use crate::users::{NewUser, normalize_email};
use crate::{Domain, DomainError, DomainResult};

/// The permission that grants every other one.
pub const ALL: &str = "all";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthContext {
    pub user: UserRecord,
    pub session_id: Option<Uuid>,
    pub api_key: Option<ApiKeyRecord>,
    /// Set when the caller is a visitor of a shared link; `user` is then the link's owner and
    /// the caller may read only what the link shows.
    pub shared_link: Option<SharedLinkRecord>,
}

impl AuthContext {
    /// Sessions and shared links carry every permission (a link's reach is limited by the
    /// access checks instead); API keys carry the ones they were given.
    pub fn has_permission(&self, permission: &str) -> bool {
        match &self.api_key {
            None => true,
            Some(key) => key.permissions.iter().any(|p| p == ALL || p == permission),
        }
    }

    pub fn user_id(&self) -> Uuid {
        self.user.id
    }
}

/// A secret presented by a client.
#[derive(Debug, Clone)]
pub enum Credential {
    AccessToken(String),
    ApiKey(String),
    SharedLinkKey(String),
    SharedLinkSlug(String),
}

/// What a client reported about itself when logging in.
#[derive(Debug, Clone, Default)]
pub struct DeviceInfo {
    pub device_type: String,
    pub device_os: String,
    pub app_version: Option<String>,
}

pub struct LoginOutcome {
    pub access_token: String,
    pub user: UserRecord,
}

/// A session's last-use time is written at most this often, to keep reads cheap.
const SESSION_TOUCH_INTERVAL: Duration = Duration::hours(1);

impl Domain {
    pub async fn authenticate(&self, credential: &Credential) -> DomainResult<AuthContext> {
        match credential {
            Credential::ApiKey(secret) => {
                let key = self
                    .store
                    .api_keys
                    .get_by_hash(&hash_secret(secret))
                    .await?
                    .ok_or_else(|| DomainError::Unauthorized("Invalid API key".into()))?;
                let user = self.active_user(key.user_id).await?;
                Ok(AuthContext {
                    user,
                    session_id: None,
                    api_key: Some(key),
                    shared_link: None,
                })
            }
            Credential::AccessToken(token) => {
                let session = self
                    .store
                    .sessions
                    .get_by_token_hash(&hash_secret(token))
                    .await?
                    .ok_or_else(|| DomainError::Unauthorized("Invalid user token".into()))?;
                let now = Utc::now();
                if session.expires_at.is_some_and(|t| t <= now) {
                    return Err(DomainError::Unauthorized("Invalid user token".into()));
                }
                if now - session.updated_at > SESSION_TOUCH_INTERVAL {
                    self.store.sessions.touch(session.id, now).await?;
                }
                let user = self.active_user(session.user_id).await?;
                Ok(AuthContext {
                    user,
                    session_id: Some(session.id),
                    api_key: None,
                    shared_link: None,
                })
            }
            Credential::SharedLinkKey(key) => {
                let link = self
                    .store
                    .shared_links
                    .get_by_key(&normalize_link_key(key))
                    .await?;
                self.shared_link_visitor(link, "Invalid share key").await
            }
            Credential::SharedLinkSlug(slug) => {
                let link = self.store.shared_links.get_by_slug(slug).await?;
                self.shared_link_visitor(link, "Invalid share slug").await
            }
        }
    }

    /// A visitor of `link`, acting as its owner, unless the link is missing or expired.
    async fn shared_link_visitor(
        &self,
        link: Option<SharedLinkRecord>,
        invalid: &str,
    ) -> DomainResult<AuthContext> {
        let link = link
            .filter(|l| l.expires_at.is_none_or(|t| t > Utc::now()))
            .ok_or_else(|| DomainError::Unauthorized(invalid.into()))?;
        let user = self
            .store
            .users
            .get(link.user_id, false)
            .await?
            .ok_or_else(|| DomainError::Unauthorized(invalid.into()))?;
        Ok(AuthContext {
            user,
            session_id: None,
            api_key: None,
            shared_link: Some(link),
        })
    }

    async fn active_user(&self, id: Uuid) -> DomainResult<UserRecord> {
        self.store
            .users
            .get(id, false)
            .await?
            .ok_or_else(|| DomainError::Unauthorized("User not found".into()))
    }

    /// Creates the first user, as admin; refused once an admin exists.
    pub async fn sign_up_admin(
        &self,
        email: &str,
        name: &str,
        password: &str,
    ) -> DomainResult<UserRecord> {
        if self.store.users.admin_exists().await? {
            return Err(DomainError::BadRequest(
                "The server already has an admin".into(),
            ));
        }
        self.create_user(NewUser {
            email: email.to_string(),
            name: name.to_string(),
            password: password.to_string(),
            is_admin: true,
            ..NewUser::default()
        })
        .await
    }

    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device: DeviceInfo,
    ) -> DomainResult<LoginOutcome> {
        let invalid = || DomainError::Unauthorized("Incorrect email or password".into());
        if !self.system_config().await?.password_login.enabled {
            return Err(DomainError::Unauthorized(
                "Password login has been disabled".into(),
            ));
        }
        let user = self
            .store
            .users
            .get_by_email(&normalize_email(email), false)
            .await?;
        // Verify against a dummy hash when the user is unknown, so timing does not reveal accounts.
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_default();
        let ok = verify_password(password.to_string(), hash).await;
        let user = user.filter(|_| ok).ok_or_else(invalid)?;
        let access_token = self.create_session(user.id, device).await?;
        Ok(LoginOutcome { access_token, user })
    }

    /// Starts a session for the user and returns its token.
    pub async fn create_session(&self, user_id: Uuid, device: DeviceInfo) -> DomainResult<String> {
        let token = new_secret();
        let now = Utc::now();
        self.store
            .sessions
            .create(&SessionRecord {
                id: Uuid::new_v4(),
                user_id,
                token_hash: hash_secret(&token),
                device_type: device.device_type,
                device_os: device.device_os,
                app_version: device.app_version,
                created_at: now,
                updated_at: now,
                expires_at: None,
                is_pending_sync_reset: false,
            })
            .await?;
        Ok(token)
    }

    pub async fn logout(&self, auth: &AuthContext) -> DomainResult<()> {
        if let Some(session_id) = auth.session_id {
            self.store
                .sessions
                .delete(session_id, auth.user_id())
                .await?;
            self.emit(crate::events::Event::SessionDelete { session_id })
                .await;
        }
        Ok(())
    }

    pub async fn change_password(
        &self,
        auth: &AuthContext,
        password: &str,
        new_password: &str,
        invalidate_sessions: bool,
    ) -> DomainResult<UserRecord> {
        if !verify_password(password.to_string(), auth.user.password_hash.clone()).await {
            return Err(DomainError::BadRequest("Wrong password".into()));
        }
        crate::users::validate_password(new_password)?;
        let patch = UserPatch {
            password_hash: Some(hash_password(new_password.to_string()).await?),
            should_change_password: Some(false),
            ..UserPatch::default()
        };
        let user = self
            .store
            .users
            .update(auth.user_id(), &patch, Utc::now())
            .await?;
        if invalidate_sessions {
            self.delete_other_sessions(auth).await?;
        }
        Ok(user)
    }
}
