//! `/assets/metadata` and `/assets/{id}/metadata[/{key}]`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use shoebox_api_types::asset_metadata::*;
use shoebox_api_types::permission::Permission;
use shoebox_store::asset_metadata::AssetMetadataRecord;
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/metadata", put(upsert_many).delete(delete_many))
        .route("/assets/{id}/metadata", get(list).put(upsert))
        .route(
            "/assets/{id}/metadata/{key}",
            get(get_one).delete(delete_one),
        )
}

fn asset_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_request("assetId must be a UUID"))
}

/// Immich keeps only JSON objects as values.
fn object(value: serde_json::Value) -> ApiResult<serde_json::Value> {
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::bad_request("value must be an object"))
    }
}

fn response(m: AssetMetadataRecord) -> AssetMetadataResponseDto {
    AssetMetadataResponseDto {
        key: m.key,
        value: m.value,
        updated_at: m.updated_at,
    }
}

async fn upsert_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<AssetMetadataBulkUpsertDto>,
) -> ApiResult<Json<Vec<AssetMetadataBulkResponseDto>>> {
    let ctx = auth.require(Permission::AssetUpdate)?;
    let items = body
        .items
        .into_iter()
        .map(|i| Ok((asset_id(&i.asset_id)?, i.key, object(i.value)?)))
        .collect::<ApiResult<Vec<_>>>()?;
    let saved = state
        .domain
        .upsert_asset_metadata(ctx, items, false)
        .await?;
    Ok(Json(
        saved
            .into_iter()
            .map(|m| AssetMetadataBulkResponseDto {
                asset_id: m.asset_id.to_string(),
                key: m.key,
                value: m.value,
                updated_at: m.updated_at,
            })
            .collect(),
    ))
}

async fn delete_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<AssetMetadataBulkDeleteDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::AssetUpdate)?;
    let items = body
        .items
        .into_iter()
        .map(|i| Ok((asset_id(&i.asset_id)?, i.key)))
        .collect::<ApiResult<Vec<_>>>()?;
    state.domain.delete_asset_metadata(ctx, items).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<AssetMetadataResponseDto>>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let all = state.domain.asset_metadata(ctx, id).await?;
    Ok(Json(all.into_iter().map(response).collect()))
}

async fn upsert(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AssetMetadataUpsertDto>,
) -> ApiResult<Json<Vec<AssetMetadataResponseDto>>> {
    let ctx = auth.require(Permission::AssetUpdate)?;
    let items = body
        .items
        .into_iter()
        .map(|i| Ok((id, i.key, object(i.value)?)))
        .collect::<ApiResult<Vec<_>>>()?;
    if items.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let saved = state.domain.upsert_asset_metadata(ctx, items, true).await?;
    Ok(Json(saved.into_iter().map(response).collect()))
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, key)): ApiPath<(Uuid, String)>,
) -> ApiResult<Json<AssetMetadataResponseDto>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let found = state.domain.asset_metadata_value(ctx, id, &key).await?;
    Ok(Json(response(found)))
}

async fn delete_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, key)): ApiPath<(Uuid, String)>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::AssetUpdate)?;
    state
        .domain
        .delete_asset_metadata(ctx, vec![(id, key)])
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
