//! `/memories/*`: "on this day" and other memories, and their assets.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use shoebox_api_types::common::{BulkIdResponseDto, BulkIdsDto};
use shoebox_api_types::memories::*;
use shoebox_api_types::permission::Permission;
use shoebox_domain::memories::{MemoryQuery, MemoryView, NewMemory};
use shoebox_store::records::MemoryPatch;
use std::str::FromStr;
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::routes::albums::bulk_response;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/memories", get(search).post(create))
        .route("/memories/statistics", get(statistics))
        .route("/memories/{id}", get(get_one).put(update).delete(delete))
        .route(
            "/memories/{id}/assets",
            put(add_assets).delete(remove_assets),
        )
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SearchQuery {
    #[serde(default, rename = "for")]
    for_time: Option<DateTime<Utc>>,
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(default)]
    is_saved: Option<bool>,
    #[serde(default)]
    is_trashed: Option<bool>,
    #[serde(default)]
    is_upcoming: Option<bool>,
    #[serde(default)]
    order: Option<MemorySearchOrder>,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    size: Option<i64>,
    #[serde(default, rename = "type")]
    memory_type: Option<MemoryType>,
}

impl SearchQuery {
    fn into_domain(self) -> MemoryQuery {
        MemoryQuery {
            for_time: self.for_time,
            id: self.id,
            is_saved: self.is_saved,
            is_trashed: self.is_trashed,
            is_upcoming: self.is_upcoming,
            memory_type: self.memory_type.map(|t| t.as_str().to_string()),
            order: self.order.map(|o| o.as_str().to_string()),
            page: self.page,
            size: self.size,
        }
    }
}

fn memory(view: &MemoryView) -> MemoryResponseDto {
    let m = &view.memory;
    MemoryResponseDto {
        id: m.id.to_string(),
        created_at: m.created_at,
        updated_at: m.updated_at,
        deleted_at: m.deleted_at,
        memory_at: m.memory_at,
        seen_at: m.seen_at,
        show_at: m.show_at,
        hide_at: m.hide_at,
        owner_id: m.owner_id.to_string(),
        memory_type: MemoryType::from_str(&m.memory_type).unwrap_or(MemoryType::OnThisDay),
        data: m.data.clone(),
        is_saved: m.is_saved,
        assets: view.assets.iter().map(dto::asset).collect(),
    }
}

async fn search(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<MemoryResponseDto>>> {
    let ctx = auth.require(Permission::MemoryRead)?;
    let views = state.domain.search_memories(ctx, &q.into_domain()).await?;
    Ok(Json(views.iter().map(memory).collect()))
}

async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<MemoryStatisticsResponseDto>> {
    let ctx = auth.require(Permission::MemoryStatistics)?;
    let total = state
        .domain
        .memory_statistics(ctx, &q.into_domain())
        .await?;
    Ok(Json(MemoryStatisticsResponseDto { total }))
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<MemoryCreateDto>,
) -> ApiResult<(StatusCode, Json<MemoryResponseDto>)> {
    let ctx = auth.require(Permission::MemoryCreate)?;
    let new = NewMemory {
        memory_type: body.memory_type.as_str().to_string(),
        data: serde_json::json!({ "year": body.data.year }),
        asset_ids: body.asset_ids.unwrap_or_default(),
        is_saved: body.is_saved,
        memory_at: body.memory_at,
        seen_at: body.seen_at,
        show_at: body.show_at,
        hide_at: body.hide_at,
    };
    let view = state.domain.create_memory(ctx, new).await?;
    Ok((StatusCode::CREATED, Json(memory(&view))))
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<MemoryResponseDto>> {
    let ctx = auth.require(Permission::MemoryRead)?;
    Ok(Json(memory(&state.domain.get_memory(ctx, id).await?)))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MemoryUpdateDto>,
) -> ApiResult<Json<MemoryResponseDto>> {
    let ctx = auth.require(Permission::MemoryUpdate)?;
    let patch = MemoryPatch {
        is_saved: body.is_saved,
        memory_at: body.memory_at,
        seen_at: body.seen_at,
    };
    Ok(Json(memory(
        &state.domain.update_memory(ctx, id, patch).await?,
    )))
}

async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::MemoryDelete)?;
    state.domain.delete_memory(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponseDto>>> {
    let ctx = auth.require(Permission::MemoryAssetCreate)?;
    Ok(bulk_response(
        state.domain.add_memory_assets(ctx, id, &body.ids).await?,
    ))
}

async fn remove_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponseDto>>> {
    let ctx = auth.require(Permission::MemoryAssetDelete)?;
    Ok(bulk_response(
        state
            .domain
            .remove_memory_assets(ctx, id, &body.ids)
            .await?,
    ))
}
