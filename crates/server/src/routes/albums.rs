//! `/albums/*`: albums, their assets and their members.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use shoebox_api_types::albums::*;
use shoebox_api_types::common::{BulkIdErrorReason, BulkIdResponseDto, BulkIdsDto};
use shoebox_api_types::permission::Permission;
use shoebox_domain::albums::{AlbumChanges, BulkFailure, BulkResult, NewAlbum};
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, SharedAuth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/albums", get(list).post(create))
        .route("/albums/assets", put(add_assets_to_albums))
        .route("/albums/statistics", get(statistics))
        .route("/albums/{id}", get(get_one).patch(update).delete(delete))
        .route("/albums/{id}/assets", put(add_assets).delete(remove_assets))
        .route("/albums/{id}/users", put(add_users))
        .route(
            "/albums/{id}/user/{user_id}",
            put(update_user).delete(remove_user),
        )
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(default)]
    shared: Option<bool>,
    #[serde(default)]
    asset_id: Option<Uuid>,
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<AlbumResponseDto>>> {
    let ctx = auth.require(Permission::AlbumRead)?;
    let views = state.domain.list_albums(ctx, q.shared, q.asset_id).await?;
    Ok(Json(views.iter().map(dto::album).collect()))
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateAlbumDto>,
) -> ApiResult<(StatusCode, Json<AlbumResponseDto>)> {
    let ctx = auth.require(Permission::AlbumCreate)?;
    let new = NewAlbum {
        name: body.album_name,
        description: body.description,
        users: body
            .album_users
            .unwrap_or_default()
            .into_iter()
            .map(|u| (u.user_id, u.role.as_str().to_string()))
            .collect(),
        asset_ids: body.asset_ids.unwrap_or_default(),
    };
    let view = state.domain.create_album(ctx, new).await?;
    Ok((StatusCode::CREATED, Json(dto::album(&view))))
}

async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<AlbumStatisticsResponseDto>> {
    let ctx = auth.require(Permission::AlbumStatistics)?;
    let (owned, shared, not_shared) = state.domain.album_statistics(ctx).await?;
    Ok(Json(AlbumStatisticsResponseDto {
        owned: owned as i64,
        shared: shared as i64,
        not_shared: not_shared as i64,
    }))
}

async fn get_one(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<AlbumResponseDto>> {
    let ctx = auth.require(Permission::AlbumRead)?;
    Ok(Json(dto::album(&state.domain.get_album(ctx, id).await?)))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateAlbumDto>,
) -> ApiResult<Json<AlbumResponseDto>> {
    let ctx = auth.require(Permission::AlbumUpdate)?;
    let changes = AlbumChanges {
        name: body.album_name,
        description: body.description.map(Option::unwrap_or_default),
        thumbnail_asset_id: body.album_thumbnail_asset_id,
        is_activity_enabled: body.is_activity_enabled,
        order: body.order.map(|o| o.as_str().to_string()),
    };
    Ok(Json(dto::album(
        &state.domain.update_album(ctx, id, changes).await?,
    )))
}

async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::AlbumDelete)?;
    state.domain.delete_album(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) fn failure_reason(f: BulkFailure) -> BulkIdErrorReason {
    match f {
        BulkFailure::Duplicate => BulkIdErrorReason::Duplicate,
        BulkFailure::NoPermission => BulkIdErrorReason::NoPermission,
        BulkFailure::NotFound => BulkIdErrorReason::NotFound,
    }
}

pub(crate) fn bulk_response(results: BulkResult) -> Json<Vec<BulkIdResponseDto>> {
    Json(
        results
            .into_iter()
            .map(|(id, r)| match r {
                Ok(()) => BulkIdResponseDto::ok(id.to_string()),
                Err(f) => BulkIdResponseDto::failed(id.to_string(), failure_reason(f)),
            })
            .collect(),
    )
}

async fn add_assets(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponseDto>>> {
    let ctx = auth.require(Permission::AlbumAssetCreate)?;
    Ok(bulk_response(
        state.domain.add_assets_to_album(ctx, id, &body.ids).await?,
    ))
}

async fn remove_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponseDto>>> {
    let ctx = auth.require(Permission::AlbumAssetDelete)?;
    Ok(bulk_response(
        state
            .domain
            .remove_assets_from_album(ctx, id, &body.ids)
            .await?,
    ))
}

async fn add_assets_to_albums(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<AlbumsAddAssetsDto>,
) -> ApiResult<Json<AlbumsAddAssetsResponseDto>> {
    let ctx = auth.require(Permission::AlbumAssetCreate)?;
    let outcome = state
        .domain
        .add_assets_to_albums(ctx, &body.album_ids, &body.asset_ids)
        .await?;
    Ok(Json(AlbumsAddAssetsResponseDto {
        success: outcome.is_ok(),
        error: outcome.err().map(failure_reason),
    }))
}

async fn add_users(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AddUsersDto>,
) -> ApiResult<Json<AlbumResponseDto>> {
    let ctx = auth.require(Permission::AlbumUserCreate)?;
    let users: Vec<(Uuid, String)> = body
        .album_users
        .iter()
        .map(|u| {
            (
                u.user_id,
                u.role.unwrap_or(AlbumUserRole::Editor).as_str().to_string(),
            )
        })
        .collect();
    Ok(Json(dto::album(
        &state.domain.add_album_users(ctx, id, &users).await?,
    )))
}

/// `me` stands for the caller, as in Immich.
fn member_id(ctx_user: Uuid, raw: &str) -> ApiResult<Uuid> {
    if raw == "me" {
        return Ok(ctx_user);
    }
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_request("userId must be a UUID"))
}

async fn update_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, user_id)): ApiPath<(Uuid, String)>,
    ApiJson(body): ApiJson<UpdateAlbumUserDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::AlbumUserUpdate)?;
    let user_id = member_id(ctx.user_id(), &user_id)?;
    state
        .domain
        .update_album_user(ctx, id, user_id, body.role.as_str())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, user_id)): ApiPath<(Uuid, String)>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::AlbumUserDelete)?;
    let user_id = member_id(ctx.user_id(), &user_id)?;
    state.domain.remove_album_user(ctx, id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
