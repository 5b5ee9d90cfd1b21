//! Request extractors whose failures answer in Immich's error format.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use shoebox_api_types::permission::Permission;
use shoebox_domain::auth::{AuthContext, Credential};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

pub const ACCESS_TOKEN_COOKIE: &str = "immich_access_token";
/// Tokens (comma-separated) of the password-protected links the visitor logged in to.
pub const SHARED_LINK_TOKEN_COOKIE: &str = "immich_shared_link_token";

/// The authenticated caller. Rejects with 401 when no valid credential is present, and with
/// 403 a shared link's visitor: only routes that take [`SharedAuth`] serve them.
pub struct Auth(pub AuthContext);

/// The authenticated caller on a route that also serves shared-link visitors (Immich's
/// `sharedLink: true` routes). A visitor of a password-protected link must have logged in
/// to it (401 "Password required").
pub struct SharedAuth(pub Auth);

/// A shared-link visitor before the link's password is checked: for logging in to the link.
pub struct SharedLinkVisitor(pub AuthContext);

impl Auth {
    /// 403 unless the caller's credential grants `permission`.
    pub fn require(&self, permission: Permission) -> ApiResult<&AuthContext> {
        if self.0.has_permission(permission.as_str()) {
            Ok(&self.0)
        } else {
            Err(ApiError::forbidden(format!(
                "Missing required permission: {}",
                permission.as_str()
            )))
        }
    }

    /// 403 unless the caller is an admin and holds `permission`.
    pub fn require_admin(&self, permission: Permission) -> ApiResult<&AuthContext> {
        if !self.0.user.is_admin {
            return Err(ApiError::forbidden("Forbidden"));
        }
        self.require(permission)
    }
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

fn query_param(parts: &Parts, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(parts.uri.query()?)
        .ok()?
        .into_iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v)
}

/// The tokens of password-protected links the visitor's cookie carries.
pub fn shared_link_tokens(headers: &HeaderMap) -> Vec<&str> {
    cookie(headers, SHARED_LINK_TOKEN_COOKIE)
        .map(|v| v.split(',').filter(|t| !t.is_empty()).collect())
        .unwrap_or_default()
}

/// The credential a request carries, in Immich's order of precedence: a shared link's key or
/// slug first, then a session token, then an API key.
pub fn credential(parts: &Parts) -> Option<Credential> {
    if let Some(key) = header(parts, "x-immich-share-key")
        .map(str::to_string)
        .or_else(|| query_param(parts, "key"))
    {
        return Some(Credential::SharedLinkKey(key));
    }
    if let Some(slug) = header(parts, "x-immich-share-slug")
        .map(str::to_string)
        .or_else(|| query_param(parts, "slug"))
    {
        return Some(Credential::SharedLinkSlug(slug));
    }
    if let Some(key) = header(parts, "x-api-key") {
        return Some(Credential::ApiKey(key.to_string()));
    }
    if let Some(token) = header(parts, "x-immich-user-token") {
        return Some(Credential::AccessToken(token.to_string()));
    }
    if let Some(auth) = header(parts, "authorization")
        && let Some(token) = auth
            .strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("bearer "))
    {
        return Some(Credential::AccessToken(token.trim().to_string()));
    }
    cookie(&parts.headers, ACCESS_TOKEN_COOKIE).map(|t| Credential::AccessToken(t.to_string()))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SharedLinkVisitor(ctx) = SharedLinkVisitor::from_request_parts(parts, state).await?;
        if ctx.shared_link.is_some() {
            return Err(ApiError::forbidden("Forbidden"));
        }
        Ok(Auth(ctx))
    }
}

impl FromRequestParts<AppState> for SharedLinkVisitor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let credential =
            credential(parts).ok_or_else(|| ApiError::unauthorized("Authentication required"))?;
        Ok(SharedLinkVisitor(
            state.domain.authenticate(&credential).await?,
        ))
    }
}

impl FromRequestParts<AppState> for SharedAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SharedLinkVisitor(ctx) = SharedLinkVisitor::from_request_parts(parts, state).await?;
        state
            .domain
            .require_shared_link_login(&ctx, &shared_link_tokens(&parts.headers))?;
        Ok(SharedAuth(Auth(ctx)))
    }
}

/// JSON body; malformed or mistyped input is a 400 with the reason.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::bad_request(
                "Expected a JSON body (Content-Type: application/json)",
            )),
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

/// Query string; bad values are a 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| ApiError::bad_request(e.body_text()))
    }
}

/// Path parameters; an id that is not a UUID is a 400, as in Immich.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e: PathRejection| {
                ApiError::bad_request(format!("id must be a UUID ({})", e.body_text()))
            })
    }
}

/// A JSON body that may be absent altogether (an empty body reads as `None`).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::bad_request(e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        serde_json::from_slice(&bytes)
            .map(|v| OptionalJson(Some(v)))
            .map_err(|e| {
                ApiError::bad_request(format!("Failed to parse the request body as JSON: {e}"))
            })
    }
}
