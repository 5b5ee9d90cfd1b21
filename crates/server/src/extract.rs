//! Request extractors whose failures answer in Immich's error format.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use shoebox_api_types::permission::Permission;
use shoebox_domain::auth::{AuthContext, Credential};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

pub const ACCESS_TOKEN_COOKIE: &str = "immich_access_token";

/// The authenticated caller. Rejects with 401 when no valid credential is present.
pub struct Auth(pub AuthContext);

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

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
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

/// The credential a request carries, in Immich's order of precedence.
pub fn credential(parts: &Parts) -> Option<Credential> {
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
    cookie(parts, ACCESS_TOKEN_COOKIE).map(|t| Credential::AccessToken(t.to_string()))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let credential =
            credential(parts).ok_or_else(|| ApiError::unauthorized("Authentication required"))?;
        Ok(Auth(state.domain.authenticate(&credential).await?))
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
