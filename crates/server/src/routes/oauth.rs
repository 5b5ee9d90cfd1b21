//! `/oauth/*`: login through an OpenID Connect provider, and linking accounts to one.

use axum::extract::{RawQuery, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use shoebox_api_types::auth::{OAuthAuthorizeResponseDto, OAuthCallbackDto, OAuthConfigDto};
use shoebox_api_types::users::UserAdminResponseDto;
use shoebox_domain::oauth::OAuthReturn;

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth, cookie};
use crate::routes::auth::{device_info, login_response};

const STATE_COOKIE: &str = "immich_oauth_state";
const VERIFIER_COOKIE: &str = "immich_oauth_code_verifier";

/// Where the Immich mobile app listens for the provider's answer.
const MOBILE_REDIRECT: &str = "app.immich:///oauth-callback";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/mobile-redirect", get(mobile_redirect))
        .route("/oauth/authorize", post(authorize))
        .route("/oauth/callback", post(callback))
        .route("/oauth/link", post(link))
        .route("/oauth/unlink", post(unlink))
}

/// A login's state and PKCE verifier ride in short-lived cookies, so the browser that
/// started the login is the one that can finish it.
fn login_cookies(
    state: &str,
    verifier: Option<&str>,
) -> AppendHeaders<Vec<(axum::http::HeaderName, String)>> {
    let set = |name: &str, value: &str| {
        format!("{name}={value}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax")
    };
    let mut cookies = vec![(SET_COOKIE, set(STATE_COOKIE, state))];
    if let Some(verifier) = verifier {
        cookies.push((SET_COOKIE, set(VERIFIER_COOKIE, verifier)));
    }
    AppendHeaders(cookies)
}

fn cleared_login_cookies() -> AppendHeaders<[(axum::http::HeaderName, String); 2]> {
    let clear = |name: &str| format!("{name}=; Path=/; Max-Age=0");
    AppendHeaders([
        (SET_COOKIE, clear(STATE_COOKIE)),
        (SET_COOKIE, clear(VERIFIER_COOKIE)),
    ])
}

async fn mobile_redirect(RawQuery(query): RawQuery) -> impl IntoResponse {
    let target = format!("{MOBILE_REDIRECT}?{}", query.unwrap_or_default());
    (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, target)])
}

async fn authorize(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<OAuthConfigDto>,
) -> ApiResult<impl IntoResponse> {
    if body.redirect_uri.is_empty() {
        return Err(ApiError::bad_request("redirectUri should not be empty"));
    }
    let start = state
        .domain
        .oauth_authorize(&body.redirect_uri, body.state, body.code_challenge)
        .await?;
    Ok((
        StatusCode::CREATED,
        login_cookies(&start.state, start.code_verifier.as_deref()),
        Json(OAuthAuthorizeResponseDto { url: start.url }),
    ))
}

fn oauth_return<'a>(
    body: &'a OAuthCallbackDto,
    headers: &'a HeaderMap,
) -> ApiResult<OAuthReturn<'a>> {
    if body.url.is_empty() {
        return Err(ApiError::bad_request("url should not be empty"));
    }
    Ok(OAuthReturn {
        url: &body.url,
        state: body
            .state
            .as_deref()
            .or_else(|| cookie(headers, STATE_COOKIE)),
        code_verifier: body
            .code_verifier
            .as_deref()
            .or_else(|| cookie(headers, VERIFIER_COOKIE)),
    })
}

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<OAuthCallbackDto>,
) -> ApiResult<impl IntoResponse> {
    let back = oauth_return(&body, &headers)?;
    let outcome = state.domain.oauth_login(back, device_info(&headers)).await;
    // A used or failed login's state is spent either way.
    match outcome {
        Ok(outcome) => Ok((
            cleared_login_cookies(),
            login_response(&state, outcome, "oauth").await?,
        )
            .into_response()),
        Err(e) => Ok((cleared_login_cookies(), ApiError::from(e)).into_response()),
    }
}

async fn link(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Auth,
    ApiJson(body): ApiJson<OAuthCallbackDto>,
) -> ApiResult<impl IntoResponse> {
    let back = oauth_return(&body, &headers)?;
    let user = state.domain.oauth_link(&auth.0, back).await?;
    Ok((
        StatusCode::CREATED,
        cleared_login_cookies(),
        Json(dto::user_admin(&user, None)),
    ))
}

async fn unlink(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<UserAdminResponseDto>> {
    let user = state.domain.oauth_unlink(&auth.0).await?;
    Ok(Json(dto::user_admin(&user, None)))
}
