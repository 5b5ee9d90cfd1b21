//! `/stacks/*`: several assets shown as one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use shoebox_api_types::common::BulkIdsDto;
use shoebox_api_types::permission::Permission;
use shoebox_api_types::stacks::*;
use shoebox_store::records::StackRecord;
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stacks", get(search).post(create).delete(delete_many))
        .route("/stacks/{id}", get(get_one).put(update).delete(delete_one))
        .route("/stacks/{id}/assets/{asset_id}", delete(remove_asset))
}

async fn response(state: &AppState, stack: &StackRecord) -> ApiResult<StackResponseDto> {
    let assets = state.domain.stack_members(stack).await?;
    Ok(StackResponseDto {
        id: stack.id.to_string(),
        primary_asset_id: stack.primary_asset_id.to_string(),
        assets: assets.iter().map(dto::asset).collect(),
    })
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<StackCreateDto>,
) -> ApiResult<(StatusCode, Json<StackResponseDto>)> {
    let ctx = auth.require(Permission::StackCreate)?;
    let stack = state.domain.create_stack(ctx, &body.asset_ids).await?;
    Ok((StatusCode::CREATED, Json(response(&state, &stack).await?)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchParams {
    #[serde(default)]
    primary_asset_id: Option<Uuid>,
}

async fn search(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<Vec<StackResponseDto>>> {
    let ctx = auth.require(Permission::StackRead)?;
    let stacks = state
        .domain
        .search_stacks(ctx, params.primary_asset_id)
        .await?;
    let mut out = Vec::with_capacity(stacks.len());
    for stack in &stacks {
        out.push(response(&state, stack).await?);
    }
    Ok(Json(out))
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<StackResponseDto>> {
    let ctx = auth.require(Permission::StackRead)?;
    let stack = state.domain.get_stack(ctx, id, "stack.read").await?;
    Ok(Json(response(&state, &stack).await?))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<StackUpdateDto>,
) -> ApiResult<Json<StackResponseDto>> {
    let ctx = auth.require(Permission::StackUpdate)?;
    let stack = state
        .domain
        .update_stack(ctx, id, body.primary_asset_id)
        .await?;
    Ok(Json(response(&state, &stack).await?))
}

async fn delete_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::StackDelete)?;
    state.domain.delete_stacks(ctx, &[id]).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::StackDelete)?;
    state.domain.delete_stacks(ctx, &body.ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_asset(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, asset_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::StackUpdate)?;
    state.domain.remove_from_stack(ctx, id, asset_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
