//! `/admin/users/*`: account management for admins.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use shoebox_api_types::permission::Permission;
use shoebox_api_types::sessions::SessionResponseDto;
use shoebox_api_types::users::*;
use shoebox_domain::users::{NewUser, UserChanges};
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, OptionalJson};
use crate::routes::users::{apply_preferences, preferences_of};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/{id}", get(get_one).put(update).delete(delete))
        .route("/admin/users/{id}/restore", post(restore))
        .route(
            "/admin/users/{id}/preferences",
            get(get_preferences).put(update_preferences),
        )
        .route("/admin/users/{id}/sessions", get(sessions))
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(default)]
    with_deleted: Option<bool>,
    #[serde(default)]
    id: Option<Uuid>,
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<UserAdminResponseDto>>> {
    auth.require_admin(Permission::AdminUserRead)?;
    let usage = state.domain.usage_by_user().await?;
    let users = state
        .domain
        .list_users(q.with_deleted.unwrap_or(false))
        .await?;
    Ok(Json(
        users
            .iter()
            .filter(|u| q.id.is_none_or(|id| id == u.id))
            .map(|u| {
                let used = usage
                    .iter()
                    .find(|x| x.user_id == u.id)
                    .map_or(0, |x| x.usage);
                dto::user_admin(u, Some(used))
            })
            .collect(),
    ))
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<UserAdminCreateDto>,
) -> ApiResult<(StatusCode, Json<UserAdminResponseDto>)> {
    auth.require_admin(Permission::AdminUserCreate)?;
    let user = state
        .domain
        .create_user(NewUser {
            email: body.email,
            name: body.name,
            password: body.password,
            is_admin: body.is_admin.unwrap_or(false),
            avatar_color: body.avatar_color.map(|c| c.as_str().to_string()),
            storage_label: body.storage_label,
            quota_size_bytes: body.quota_size_in_bytes,
            should_change_password: body.should_change_password.unwrap_or(true),
            ..NewUser::default()
        })
        .await?;
    Ok((StatusCode::CREATED, Json(dto::user_admin(&user, Some(0)))))
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<UserAdminResponseDto>> {
    auth.require_admin(Permission::AdminUserRead)?;
    let user = state.domain.get_user(id, true).await?;
    Ok(Json(dto::user_admin(&user, None)))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UserAdminUpdateDto>,
) -> ApiResult<Json<UserAdminResponseDto>> {
    let ctx = auth.require_admin(Permission::AdminUserUpdate)?;
    if id == ctx.user_id() && body.is_admin == Some(false) {
        return Err(crate::ApiError::bad_request(
            "Admins cannot remove their own admin status",
        ));
    }
    let changes = UserChanges {
        email: body.email,
        name: body.name,
        password: body.password,
        is_admin: body.is_admin,
        avatar_color: body.avatar_color.map(|c| c.map(|c| c.as_str().to_string())),
        storage_label: body.storage_label,
        quota_size_bytes: body.quota_size_in_bytes,
        should_change_password: body.should_change_password,
    };
    let user = state.domain.update_user(id, changes).await?;
    Ok(Json(dto::user_admin(&user, None)))
}

async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    OptionalJson(body): OptionalJson<UserAdminDeleteDto>,
) -> ApiResult<Json<UserAdminResponseDto>> {
    let ctx = auth.require_admin(Permission::AdminUserDelete)?;
    let force = body.and_then(|b| b.force).unwrap_or(false);
    let user = state.domain.delete_user(ctx.user_id(), id, force).await?;
    Ok(Json(dto::user_admin(&user, None)))
}

async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<UserAdminResponseDto>> {
    auth.require_admin(Permission::AdminUserDelete)?;
    let user = state.domain.restore_user(id).await?;
    Ok(Json(dto::user_admin(&user, None)))
}

async fn get_preferences(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<UserPreferencesResponseDto>> {
    auth.require_admin(Permission::AdminUserRead)?;
    let user = state.domain.get_user(id, true).await?;
    Ok(Json(preferences_of(&user)))
}

async fn update_preferences(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UserPreferencesUpdateDto>,
) -> ApiResult<Json<UserPreferencesResponseDto>> {
    auth.require_admin(Permission::AdminUserUpdate)?;
    let user = state.domain.get_user(id, false).await?;
    Ok(Json(apply_preferences(&state, &user, &body).await?))
}

async fn sessions(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<SessionResponseDto>>> {
    let ctx = auth.require_admin(Permission::AdminSessionRead)?;
    let sessions = state.domain.list_sessions(id).await?;
    let current = ctx.session_id;
    Ok(Json(
        sessions.iter().map(|s| dto::session(s, current)).collect(),
    ))
}
