//! `/duplicates`: the caller's near-duplicate groups, dismissing and resolving them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use shoebox_api_types::common::{BulkIdErrorReason, BulkIdResponseDto, BulkIdsDto};
use shoebox_api_types::duplicates::{DuplicateResolveDto, DuplicateResponseDto};
use shoebox_api_types::permission::Permission;
use shoebox_domain::duplicates::{Resolution, ResolveFailure};
use uuid::Uuid;

use super::albums::failure_reason;
use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/duplicates", get(list).delete(dismiss_many))
        .route("/duplicates/resolve", post(resolve))
        .route("/duplicates/{id}", delete(dismiss_one))
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<DuplicateResponseDto>>> {
    let ctx = auth.require(Permission::DuplicateRead)?;
    let groups = state.domain.list_duplicates(ctx).await?;
    Ok(Json(
        groups
            .iter()
            .map(|g| DuplicateResponseDto {
                assets: g.assets.iter().map(dto::asset).collect(),
                duplicate_id: g.id.to_string(),
                suggested_keep_asset_ids: g.suggested_keep.iter().map(Uuid::to_string).collect(),
            })
            .collect(),
    ))
}

async fn dismiss_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::DuplicateDelete)?;
    state.domain.dismiss_duplicates(ctx, &[id]).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn dismiss_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::DuplicateDelete)?;
    state.domain.dismiss_duplicates(ctx, &body.ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn resolve(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<DuplicateResolveDto>,
) -> ApiResult<Json<Vec<BulkIdResponseDto>>> {
    let ctx = auth.require(Permission::DuplicateDelete)?;
    if body.groups.is_empty() {
        return Err(ApiError::bad_request(
            "groups must contain at least 1 elements",
        ));
    }
    let groups: Vec<Resolution> = body
        .groups
        .iter()
        .map(|g| Resolution {
            duplicate_id: g.duplicate_id,
            keep: g.keep_asset_ids.clone(),
            trash: g.trash_asset_ids.clone(),
        })
        .collect();
    let results = state.domain.resolve_duplicates(ctx, &groups).await?;
    Ok(Json(
        results
            .into_iter()
            .map(|(id, outcome)| match outcome {
                Ok(()) => BulkIdResponseDto::ok(id.to_string()),
                Err(ResolveFailure::Bulk(f)) => {
                    BulkIdResponseDto::failed(id.to_string(), failure_reason(f))
                }
                Err(ResolveFailure::Validation(message)) => BulkIdResponseDto {
                    id: id.to_string(),
                    success: false,
                    error: Some(BulkIdErrorReason::Validation),
                    error_message: Some(message),
                },
            })
            .collect(),
    ))
}
