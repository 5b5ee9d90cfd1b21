//! `/trash/*`: restore or empty the caller's trash.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use shoebox_api_types::common::BulkIdsDto;
use shoebox_api_types::permission::Permission;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/trash/restore", post(restore_all))
        .route("/trash/empty", post(empty))
        .route("/trash/restore/assets", post(restore_assets))
}

#[derive(Serialize)]
struct TrashResponseDto {
    count: usize,
}

async fn restore_all(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<TrashResponseDto>> {
    let ctx = auth.require(Permission::AssetDelete)?;
    let count = state.domain.restore_trash(ctx).await?;
    Ok(Json(TrashResponseDto { count }))
}

async fn empty(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<TrashResponseDto>> {
    let ctx = auth.require(Permission::AssetDelete)?;
    let count = state.domain.empty_trash(ctx).await?;
    Ok(Json(TrashResponseDto { count }))
}

async fn restore_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<(StatusCode, Json<TrashResponseDto>)> {
    let ctx = auth.require(Permission::AssetDelete)?;
    state.domain.restore_assets(ctx, &body.ids).await?;
    Ok((
        StatusCode::OK,
        Json(TrashResponseDto {
            count: body.ids.len(),
        }),
    ))
}
