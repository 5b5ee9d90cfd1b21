//! `/users/*`: the caller's own account, and other users as others see them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shoebox_api_types::permission::Permission;
use shoebox_api_types::users::*;
use shoebox_domain::users::UserChanges;
use shoebox_store::records::UserRecord;
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(search_users))
        .route("/users/me", get(get_me).put(update_me))
        .route(
            "/users/me/preferences",
            get(get_preferences).put(update_preferences),
        )
        .route(
            "/users/me/onboarding",
            get(get_onboarding)
                .put(set_onboarding)
                .delete(delete_onboarding),
        )
        .route("/users/{id}", get(get_user))
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnboardingDto {
    is_onboarded: bool,
}

/// Stored preferences over the defaults.
pub fn preferences_of(user: &UserRecord) -> UserPreferencesResponseDto {
    user.preferences
        .clone()
        .and_then(|p| serde_json::from_value(p).ok())
        .unwrap_or_default()
}

async fn search_users(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<UserResponseDto>>> {
    auth.require(Permission::UserRead)?;
    let users = state.domain.list_users(false).await?;
    Ok(Json(users.iter().map(dto::user).collect()))
}

async fn usage_of(state: &AppState, id: Uuid) -> ApiResult<i64> {
    let usage = state.domain.usage_by_user().await?;
    Ok(usage
        .iter()
        .find(|u| u.user_id == id)
        .map_or(0, |u| u.usage))
}

async fn get_me(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<UserAdminResponseDto>> {
    let ctx = auth.require(Permission::UserRead)?;
    let usage = usage_of(&state, ctx.user_id()).await?;
    Ok(Json(dto::user_admin(&ctx.user, Some(usage))))
}

async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<UserUpdateMeDto>,
) -> ApiResult<Json<UserAdminResponseDto>> {
    let ctx = auth.require(Permission::UserUpdate)?;
    let changes = UserChanges {
        email: body.email,
        name: body.name,
        password: body.password,
        avatar_color: body.avatar_color.map(|c| c.map(|c| c.as_str().to_string())),
        ..UserChanges::default()
    };
    let user = state.domain.update_user(ctx.user_id(), changes).await?;
    Ok(Json(dto::user_admin(&user, None)))
}

async fn get_preferences(auth: Auth) -> ApiResult<Json<UserPreferencesResponseDto>> {
    let ctx = auth.require(Permission::UserPreferenceRead)?;
    Ok(Json(preferences_of(&ctx.user)))
}

/// Merges a partial update into stored preferences; `avatar` changes the user instead.
pub async fn apply_preferences(
    state: &AppState,
    user: &UserRecord,
    update: &UserPreferencesUpdateDto,
) -> ApiResult<UserPreferencesResponseDto> {
    let mut preferences = preferences_of(user);
    preferences.apply(update);
    let json = serde_json::to_value(&preferences).expect("preferences serialize");
    state.domain.set_preferences(user.id, json).await?;
    if let Some(color) = update.avatar.as_ref().and_then(|a| a.color) {
        let changes = UserChanges {
            avatar_color: Some(Some(color.as_str().to_string())),
            ..UserChanges::default()
        };
        state.domain.update_user(user.id, changes).await?;
    }
    Ok(preferences)
}

async fn update_preferences(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<UserPreferencesUpdateDto>,
) -> ApiResult<Json<UserPreferencesResponseDto>> {
    let ctx = auth.require(Permission::UserPreferenceUpdate)?;
    Ok(Json(apply_preferences(&state, &ctx.user, &body).await?))
}

async fn get_onboarding(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<OnboardingDto>> {
    let ctx = auth.require(Permission::UserOnboardingRead)?;
    let is_onboarded = state.domain.is_onboarded(ctx.user_id()).await?;
    Ok(Json(OnboardingDto { is_onboarded }))
}

async fn set_onboarding(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<OnboardingDto>,
) -> ApiResult<Json<OnboardingDto>> {
    let ctx = auth.require(Permission::UserOnboardingUpdate)?;
    state
        .domain
        .set_onboarded(ctx.user_id(), body.is_onboarded)
        .await?;
    Ok(Json(body))
}

async fn delete_onboarding(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::UserOnboardingDelete)?;
    state.domain.set_onboarded(ctx.user_id(), false).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<UserResponseDto>> {
    auth.require(Permission::UserRead)?;
    let user = state.domain.get_user(id, false).await?;
    Ok(Json(dto::user(&user)))
}
