//! `/sessions/*`: the caller's logins on other devices.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use shoebox_api_types::permission::Permission;
use shoebox_api_types::sessions::{SessionResponseDto, SessionUpdateDto};
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions", get(list).delete(delete_all))
        .route("/sessions/{id}", delete(delete_one).put(update_one))
}

async fn update_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SessionUpdateDto>,
) -> ApiResult<Json<SessionResponseDto>> {
    let ctx = auth.require(Permission::SessionUpdate)?;
    let session = state
        .domain
        .update_session(ctx, id, body.is_pending_sync_reset)
        .await?;
    Ok(Json(dto::session(&session, ctx.session_id)))
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<SessionResponseDto>>> {
    let ctx = auth.require(Permission::SessionRead)?;
    let sessions = state.domain.list_sessions(ctx.user_id()).await?;
    Ok(Json(
        sessions
            .iter()
            .map(|s| dto::session(s, ctx.session_id))
            .collect(),
    ))
}

async fn delete_all(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::SessionDelete)?;
    state.domain.delete_other_sessions(ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::SessionDelete)?;
    state.domain.delete_session(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
