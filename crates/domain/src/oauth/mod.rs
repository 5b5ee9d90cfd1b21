//! Login through an OpenID Connect provider, as Immich does it: the authorization code
//! flow with PKCE; accounts found by the provider's subject, else linked by email, else
//! registered when the config allows it.

mod provider;

use chrono::Utc;
use shoebox_store::records::{UserPatch, UserRecord};

use crate::auth::{AuthContext, DeviceInfo, LoginOutcome};
use crate::secrets::new_secret;
use crate::system_config::OAuthConfig;
use crate::users::{NewUser, normalize_email};
use crate::{Domain, DomainError, DomainResult};
use provider::{Claims, Provider, new_code_verifier};

/// The start of a login: where to send the person, and what the client must bring back.
pub struct OAuthStart {
    pub url: String,
    pub state: String,
    /// `None` when the client made its own PKCE challenge (and keeps the verifier).
    pub code_verifier: Option<String>,
}

/// What the client brings back from the provider: the URL it was sent to, and the state and
/// PKCE verifier (from the request, else from the cookies the start set).
pub struct OAuthReturn<'a> {
    pub url: &'a str,
    pub state: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
}

const GIB: i64 = 1 << 30;

impl Domain {
    async fn oauth_config(&self) -> DomainResult<OAuthConfig> {
        let oauth = self.system_config().await?.oauth;
        if !oauth.enabled {
            return Err(DomainError::BadRequest("OAuth is not enabled".into()));
        }
        Ok(oauth)
    }

    pub async fn oauth_authorize(
        &self,
        redirect_uri: &str,
        state: Option<String>,
        code_challenge: Option<String>,
    ) -> DomainResult<OAuthStart> {
        let config = self.oauth_config().await?;
        let provider = Provider::discover(&config).await?;
        let state = state.filter(|s| !s.is_empty()).unwrap_or_else(new_secret);
        let (challenge, code_verifier) = match code_challenge.filter(|c| !c.is_empty()) {
            Some(challenge) => (challenge, None),
            None => {
                let (challenge, verifier) = new_code_verifier();
                (challenge, Some(verifier))
            }
        };
        let url = provider.authorization_url(
            &resolve_redirect_uri(&config, redirect_uri),
            &state,
            &challenge,
        )?;
        Ok(OAuthStart {
            url,
            state,
            code_verifier,
        })
    }

    async fn oauth_profile(
        &self,
        config: &OAuthConfig,
        back: &OAuthReturn<'_>,
    ) -> DomainResult<Claims> {
        let state = back
            .state
            .filter(|s| !s.is_empty())
            .ok_or_else(|| DomainError::BadRequest("OAuth state is missing".into()))?;
        let verifier = back
            .code_verifier
            .filter(|s| !s.is_empty())
            .ok_or_else(|| DomainError::BadRequest("OAuth code verifier is missing".into()))?;
        let provider = Provider::discover(config).await?;
        provider
            .profile(&resolve_redirect_uri(config, back.url), state, verifier)
            .await
    }

    /// Finishes a login: the provider's account, linked or registered, gets a session.
    pub async fn oauth_login(
        &self,
        back: OAuthReturn<'_>,
        device: DeviceInfo,
    ) -> DomainResult<LoginOutcome> {
        let config = self.oauth_config().await?;
        let claims = self.oauth_profile(&config, &back).await?;
        let subject = claims
            .str("sub")
            .ok_or_else(|| DomainError::BadRequest("OAuth profile has no subject".into()))?
            .to_string();
        let email = claims.str("email").map(normalize_email);
        let failed = || DomainError::BadRequest("OAuth authentication failed".into());

        let mut user = self.store.users.get_by_oauth_id(&subject).await?;
        if user.is_none()
            && let Some(email) = &email
            && let Some(existing) = self.store.users.get_by_email(email, false).await?
        {
            if !existing.oauth_id.is_empty() {
                tracing::debug!("OAuth login conflict: {email} is linked to another account");
                return Err(failed());
            }
            user = Some(self.set_oauth_id(existing.id, &subject).await?);
        }
        let user = match user {
            Some(user) => user,
            None => {
                self.oauth_register(&config, &claims, &subject, email)
                    .await?
            }
        };
        let access_token = self.create_session(user.id, device).await?;
        Ok(LoginOutcome { access_token, user })
    }

    async fn oauth_register(
        &self,
        config: &OAuthConfig,
        claims: &Claims,
        subject: &str,
        email: Option<String>,
    ) -> DomainResult<UserRecord> {
        if !config.auto_register {
            tracing::warn!(
                "OAuth: {subject} has no account and auto register is off (oauth.autoRegister)"
            );
            return Err(DomainError::BadRequest(
                "OAuth authentication failed".into(),
            ));
        }
        let email = email.ok_or_else(|| {
            DomainError::BadRequest("OAuth profile does not have an email address".into())
        })?;
        let name = claims
            .str("name")
            .map(str::to_string)
            .or_else(|| {
                let full = format!(
                    "{} {}",
                    claims.str("given_name").unwrap_or_default(),
                    claims.str("family_name").unwrap_or_default()
                );
                Some(full.trim().to_string()).filter(|n| !n.is_empty())
            })
            .or_else(|| claims.str("preferred_username").map(str::to_string))
            .unwrap_or_else(|| email.clone());
        let storage_label = claims.str(&config.storage_label_claim).map(str::to_string);
        // A quota claim is in GiB; the config's default is in bytes.
        let quota_claim = claims.map.get(&config.storage_quota_claim).and_then(|v| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        });
        let quota_size_bytes = match quota_claim {
            Some(gib) if gib >= 0.0 => Some((gib * GIB as f64) as i64),
            _ => config
                .default_storage_quota
                .map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
        };
        let is_admin = claims.str(&config.role_claim) == Some("admin");
        tracing::info!("OAuth: registering {subject} as {email}");
        self.create_user(NewUser {
            email,
            name,
            is_admin,
            storage_label,
            quota_size_bytes,
            oauth_id: subject.to_string(),
            ..NewUser::default()
        })
        .await
    }

    async fn set_oauth_id(&self, user_id: uuid::Uuid, oauth_id: &str) -> DomainResult<UserRecord> {
        let patch = UserPatch {
            oauth_id: Some(oauth_id.to_string()),
            ..UserPatch::default()
        };
        Ok(self.store.users.update(user_id, &patch, Utc::now()).await?)
    }

    /// Links the caller's account to the provider account they just signed in to.
    pub async fn oauth_link(
        &self,
        auth: &AuthContext,
        back: OAuthReturn<'_>,
    ) -> DomainResult<UserRecord> {
        let config = self.oauth_config().await?;
        let claims = self.oauth_profile(&config, &back).await?;
        let subject = claims
            .str("sub")
            .ok_or_else(|| DomainError::BadRequest("OAuth profile has no subject".into()))?;
        if let Some(other) = self.store.users.get_by_oauth_id(subject).await?
            && other.id != auth.user_id()
        {
            return Err(DomainError::BadRequest(
                "This OAuth account has already been linked to another user.".into(),
            ));
        }
        self.set_oauth_id(auth.user_id(), subject).await
    }

    pub async fn oauth_unlink(&self, auth: &AuthContext) -> DomainResult<UserRecord> {
        self.set_oauth_id(auth.user_id(), "").await
    }

    /// Where a signed-out OAuth user goes: the provider's end-session page when it has one.
    pub async fn oauth_logout_url(&self) -> Option<String> {
        let config = self.oauth_config().await.ok()?;
        if !config.end_session_endpoint.is_empty() {
            return Some(config.end_session_endpoint);
        }
        let provider = Provider::discover(&config).await.ok()?;
        provider.end_session_endpoint().map(str::to_string)
    }
}

/// The mobile app's custom scheme replaced by the configured web URL, for providers that
/// accept only http(s) redirect URIs.
fn resolve_redirect_uri(config: &OAuthConfig, url: &str) -> String {
    if config.mobile_override_enabled && !config.mobile_redirect_uri.is_empty() {
        for scheme in [
            "app.immich:///oauth-callback",
            "app.immich://oauth-callback",
        ] {
            if let Some(rest) = url.strip_prefix(scheme) {
                return format!("{}{rest}", config.mobile_redirect_uri);
            }
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system_config::SystemConfig;

    #[test]
    fn mobile_redirects_are_rewritten_only_when_the_override_is_on() {
        let mut config = SystemConfig::default().oauth;
        let app = "app.immich:///oauth-callback?code=1&state=2";
        assert_eq!(resolve_redirect_uri(&config, app), app);
        config.mobile_override_enabled = true;
        config.mobile_redirect_uri = "https://photos.example/api/oauth/mobile-redirect".into();
        assert_eq!(
            resolve_redirect_uri(&config, app),
            "https://photos.example/api/oauth/mobile-redirect?code=1&state=2"
        );
        let web = "https://photos.example/auth/login?code=1";
        assert_eq!(resolve_redirect_uri(&config, web), web);
    }
}
