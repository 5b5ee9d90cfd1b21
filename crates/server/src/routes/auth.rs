//! `/auth/*`: sign-up, login, logout, token checks, password change.

use axum::extract::State;
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use shoebox_api_types::auth::*;
use shoebox_api_types::permission::Permission;
use shoebox_api_types::users::UserAdminResponseDto;
use shoebox_domain::auth::{DeviceInfo, LoginOutcome};

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ACCESS_TOKEN_COOKIE, ApiJson, Auth, cookie};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/admin-sign-up", post(sign_up_admin))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/validateToken", post(validate_token))
        .route("/auth/change-password", post(change_password))
        .route("/auth/status", get(status))
}

async fn sign_up_admin(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignUpDto>,
) -> ApiResult<(StatusCode, Json<UserAdminResponseDto>)> {
    let user = state
        .domain
        .sign_up_admin(&body.email, &body.name, &body.password)
        .await?;
    Ok((StatusCode::CREATED, Json(dto::user_admin(&user, Some(0)))))
}

/// What we can tell about the client from its User-Agent.
pub(crate) fn device_info(headers: &HeaderMap) -> DeviceInfo {
    let agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let os = ["Android", "iPhone", "iPad", "Mac OS", "Windows", "Linux"]
        .into_iter()
        .find(|os| agent.contains(os))
        .unwrap_or_default();
    DeviceInfo {
        device_type: agent
            .split(['/', ' '])
            .next()
            .unwrap_or_default()
            .to_string(),
        device_os: os.to_string(),
        app_version: None,
    }
}

/// Which login made a session, in the `immich_auth_type` cookie: logout then knows whether
/// to send the person on to the OpenID Connect provider.
pub(crate) const AUTH_TYPE_COOKIE: &str = "immich_auth_type";

/// Cookies the web client reads, as Immich sets them.
pub(crate) fn session_cookies(
    token: &str,
    auth_type: &str,
) -> AppendHeaders<[(axum::http::HeaderName, String); 3]> {
    const YEAR: u32 = 400 * 24 * 3600;
    AppendHeaders([
        (
            SET_COOKIE,
            format!(
                "{ACCESS_TOKEN_COOKIE}={token}; Path=/; Max-Age={YEAR}; HttpOnly; SameSite=Lax"
            ),
        ),
        (
            SET_COOKIE,
            format!(
                "{AUTH_TYPE_COOKIE}={auth_type}; Path=/; Max-Age={YEAR}; HttpOnly; SameSite=Lax"
            ),
        ),
        (
            SET_COOKIE,
            format!("immich_is_authenticated=true; Path=/; Max-Age={YEAR}; SameSite=Lax"),
        ),
    ])
}

fn cleared_cookies() -> AppendHeaders<[(axum::http::HeaderName, String); 3]> {
    let clear = |name: &str| format!("{name}=; Path=/; Max-Age=0");
    AppendHeaders([
        (SET_COOKIE, clear(ACCESS_TOKEN_COOKIE)),
        (SET_COOKIE, clear(AUTH_TYPE_COOKIE)),
        (SET_COOKIE, clear("immich_is_authenticated")),
    ])
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginCredentialDto>,
) -> ApiResult<impl IntoResponse> {
    let outcome = state
        .domain
        .login(&body.email, &body.password, device_info(&headers))
        .await?;
    login_response(&state, outcome, "password").await
}

/// A new session's answer: Immich's login body and the web client's cookies.
pub(crate) async fn login_response(
    state: &AppState,
    outcome: LoginOutcome,
    auth_type: &str,
) -> ApiResult<impl IntoResponse + use<>> {
    let user = &outcome.user;
    let is_onboarded = state.domain.is_onboarded(user.id).await?;
    let body = LoginResponseDto {
        access_token: outcome.access_token.clone(),
        user_id: user.id.to_string(),
        user_email: user.email.clone(),
        name: user.name.clone(),
        profile_image_path: user.profile_image_path.clone(),
        is_admin: user.is_admin,
        is_onboarded,
        should_change_password: user.should_change_password,
    };
    Ok((
        StatusCode::CREATED,
        session_cookies(&outcome.access_token, auth_type),
        Json(body),
    ))
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Auth,
) -> ApiResult<impl IntoResponse> {
    state.domain.logout(&auth.0).await?;
    let after_oauth = cookie(&headers, AUTH_TYPE_COOKIE) == Some("oauth");
    let provider_logout = match after_oauth {
        true => state.domain.oauth_logout_url().await,
        false => None,
    };
    let body = LogoutResponseDto {
        successful: true,
        redirect_uri: provider_logout.unwrap_or_else(|| "/auth/login?autoLaunch=0".into()),
    };
    Ok((cleared_cookies(), Json(body)))
}

async fn validate_token(_auth: Auth) -> Json<ValidateAccessTokenResponseDto> {
    Json(ValidateAccessTokenResponseDto { auth_status: true })
}

async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ChangePasswordDto>,
) -> ApiResult<Json<UserAdminResponseDto>> {
    let ctx = auth.require(Permission::AuthChangePassword)?;
    // Immich's ChangePasswordDto asks for at least 8 characters.
    if body.new_password.chars().count() < 8 {
        return Err(ApiError::bad_request(
            "newPassword must be longer than or equal to 8 characters",
        ));
    }
    let user = state
        .domain
        .change_password(
            ctx,
            &body.password,
            &body.new_password,
            body.invalidate_sessions.unwrap_or(false),
        )
        .await?;
    Ok(Json(dto::user_admin(&user, None)))
}

async fn status(auth: Auth) -> Json<AuthStatusResponseDto> {
    Json(AuthStatusResponseDto {
        password: !auth.0.user.password_hash.is_empty(),
        pin_code: false,
        is_elevated: false,
        expires_at: None,
        pin_expires_at: None,
    })
}
