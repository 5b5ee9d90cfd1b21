//! `/tags/*`: the caller's tags and the assets they mark.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use shoebox_api_types::common::{BulkIdResponseDto, BulkIdsDto};
use shoebox_api_types::permission::Permission;
use shoebox_api_types::tags::*;
use shoebox_domain::tags::NewTag;
use uuid::Uuid;

use super::albums::bulk_response;
use crate::AppState;
use crate::dto;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tags", get(list).post(create).put(upsert))
        .route("/tags/assets", put(bulk_tag_assets))
        .route("/tags/{id}", get(get_one).put(update).delete(delete))
        .route("/tags/{id}/assets", put(tag_assets).delete(untag_assets))
}

async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<TagResponseDto>>> {
    let ctx = auth.require(Permission::TagRead)?;
    let tags = state.domain.list_tags(ctx).await?;
    Ok(Json(tags.iter().map(dto::tag).collect()))
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<TagCreateDto>,
) -> ApiResult<(StatusCode, Json<TagResponseDto>)> {
    let ctx = auth.require(Permission::TagCreate)?;
    let new = NewTag {
        name: body.name,
        parent_id: body.parent_id,
        color: body.color,
    };
    let tag = state.domain.create_tag(ctx, new).await?;
    Ok((StatusCode::CREATED, Json(dto::tag(&tag))))
}

async fn upsert(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<TagUpsertDto>,
) -> ApiResult<Json<Vec<TagResponseDto>>> {
    let ctx = auth.require(Permission::TagCreate)?;
    let tags = state.domain.upsert_tags(ctx, &body.tags).await?;
    Ok(Json(tags.iter().map(dto::tag).collect()))
}

async fn bulk_tag_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<TagBulkAssetsDto>,
) -> ApiResult<Json<TagBulkAssetsResponseDto>> {
    let ctx = auth.require(Permission::TagAsset)?;
    let count = state
        .domain
        .bulk_tag_assets(ctx, &body.tag_ids, &body.asset_ids)
        .await?;
    Ok(Json(TagBulkAssetsResponseDto {
        count: count as i64,
    }))
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<TagResponseDto>> {
    let ctx = auth.require(Permission::TagRead)?;
    Ok(Json(dto::tag(&state.domain.get_tag(ctx, id).await?)))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TagUpdateDto>,
) -> ApiResult<Json<TagResponseDto>> {
    let ctx = auth.require(Permission::TagUpdate)?;
    let tag = state.domain.update_tag(ctx, id, body.color).await?;
    Ok(Json(dto::tag(&tag)))
}

async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::TagDelete)?;
    state.domain.delete_tag(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn tag_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponseDto>>> {
    let ctx = auth.require(Permission::TagAsset)?;
    Ok(bulk_response(
        state.domain.tag_assets(ctx, id, &body.ids).await?,
    ))
}

async fn untag_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponseDto>>> {
    let ctx = auth.require(Permission::TagAsset)?;
    Ok(bulk_response(
        state.domain.untag_assets(ctx, id, &body.ids).await?,
    ))
}
