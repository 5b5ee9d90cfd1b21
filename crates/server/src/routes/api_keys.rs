//! `/api-keys/*`: the caller's API keys.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use shoebox_api_types::api_keys::*;
use shoebox_api_types::permission::Permission;
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api-keys", get(list).post(create))
        .route("/api-keys/me", get(me))
        .route("/api-keys/{id}", get(get_one).put(update).delete(delete))
}

fn permission_strings(permissions: &[Permission]) -> Vec<String> {
    permissions.iter().map(|p| p.as_str().to_string()).collect()
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ApiKeyCreateDto>,
) -> ApiResult<(StatusCode, Json<ApiKeyCreateResponseDto>)> {
    let ctx = auth.require(Permission::ApiKeyCreate)?;
    let (key, secret) = state
        .domain
        .create_api_key(ctx, body.name, permission_strings(&body.permissions))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiKeyCreateResponseDto::new(dto::api_key(&key), secret)),
    ))
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<ApiKeyResponseDto>>> {
    let ctx = auth.require(Permission::ApiKeyRead)?;
    let keys = state.domain.list_api_keys(ctx).await?;
    Ok(Json(keys.iter().map(dto::api_key).collect()))
}

/// The key the request is authenticated with; a session is not a key.
async fn me(auth: Auth) -> ApiResult<Json<ApiKeyResponseDto>> {
    match &auth.0.api_key {
        Some(key) => Ok(Json(dto::api_key(key))),
        None => Err(ApiError::forbidden("Not authenticated with an API key")),
    }
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ApiKeyResponseDto>> {
    let ctx = auth.require(Permission::ApiKeyRead)?;
    Ok(Json(dto::api_key(
        &state.domain.get_api_key(ctx, id).await?,
    )))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ApiKeyUpdateDto>,
) -> ApiResult<Json<ApiKeyResponseDto>> {
    let ctx = auth.require(Permission::ApiKeyUpdate)?;
    let permissions = body.permissions.as_deref().map(permission_strings);
    let key = state
        .domain
        .update_api_key(ctx, id, body.name, permissions)
        .await?;
    Ok(Json(dto::api_key(&key)))
}

async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::ApiKeyDelete)?;
    state.domain.delete_api_key(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
