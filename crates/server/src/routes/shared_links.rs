//! `/shared-links/*`: links that let people without an account see an album or some assets.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use shoebox_api_types::assets::AssetIdsDto;
use shoebox_api_types::permission::Permission;
use shoebox_api_types::shared_links::*;
use shoebox_domain::albums::{BulkFailure, BulkResult};
use shoebox_domain::shared_links::NewSharedLink;
use shoebox_store::records::SharedLinkPatch;
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{
    ApiJson, ApiPath, ApiQuery, Auth, SHARED_LINK_TOKEN_COOKIE, SharedAuth, SharedLinkVisitor,
    shared_link_tokens,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/shared-links", get(list).post(create))
        .route("/shared-links/me", get(get_mine))
        .route("/shared-links/login", post(login))
        .route(
            "/shared-links/{id}",
            get(get_one).patch(update).delete(delete),
        )
        .route(
            "/shared-links/{id}/assets",
            put(add_assets).delete(remove_assets),
        )
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(default)]
    album_id: Option<Uuid>,
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<SharedLinkResponseDto>>> {
    let ctx = auth.require(Permission::SharedLinkRead)?;
    let views = state
        .domain
        .list_shared_links(ctx, q.id, q.album_id)
        .await?;
    Ok(Json(
        views.iter().map(|v| dto::shared_link(v, false)).collect(),
    ))
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<SharedLinkCreateDto>,
) -> ApiResult<(StatusCode, Json<SharedLinkResponseDto>)> {
    let ctx = auth.require(Permission::SharedLinkCreate)?;
    let new = NewSharedLink {
        link_type: body.link_type.as_str().to_string(),
        album_id: body.album_id,
        asset_ids: body.asset_ids.unwrap_or_default(),
        description: body.description,
        password: body.password,
        expires_at: body.expires_at,
        allow_upload: body.allow_upload,
        allow_download: body.allow_download,
        show_metadata: body.show_metadata,
        slug: body.slug,
    };
    let view = state.domain.create_shared_link(ctx, new).await?;
    Ok((StatusCode::CREATED, Json(dto::shared_link(&view, false))))
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SharedLinkResponseDto>> {
    let ctx = auth.require(Permission::SharedLinkRead)?;
    let view = state.domain.get_shared_link(ctx, id).await?;
    Ok(Json(dto::shared_link(&view, false)))
}

fn parse_expiry(text: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::bad_request("expiresAt must be a Date instance"))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SharedLinkEditDto>,
) -> ApiResult<Json<SharedLinkResponseDto>> {
    let ctx = auth.require(Permission::SharedLinkUpdate)?;
    let expires_at = match body.expires_at {
        Some(Some(text)) => Some(Some(parse_expiry(&text)?)),
        Some(None) => Some(None),
        None if body.change_expiry_time == Some(true) => Some(None),
        None => None,
    };
    let patch = SharedLinkPatch {
        description: body.description,
        password: body.password,
        expires_at,
        allow_upload: body.allow_upload,
        allow_download: body.allow_download,
        show_metadata: body.show_metadata,
        slug: body.slug,
    };
    let view = state.domain.update_shared_link(ctx, id, patch).await?;
    Ok(Json(dto::shared_link(&view, false)))
}

async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::SharedLinkDelete)?;
    state.domain.delete_shared_link(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn asset_ids_response(results: BulkResult) -> Json<Vec<AssetIdsResponseDto>> {
    Json(
        results
            .into_iter()
            .map(|(id, r)| AssetIdsResponseDto {
                asset_id: id.to_string(),
                success: r.is_ok(),
                error: r.err().map(|f| match f {
                    BulkFailure::Duplicate => AssetIdErrorReason::Duplicate,
                    BulkFailure::NoPermission => AssetIdErrorReason::NoPermission,
                    BulkFailure::NotFound => AssetIdErrorReason::NotFound,
                }),
            })
            .collect(),
    )
}

async fn add_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AssetIdsDto>,
) -> ApiResult<Json<Vec<AssetIdsResponseDto>>> {
    let ctx = auth.require(Permission::SharedLinkUpdate)?;
    let results = state
        .domain
        .add_shared_link_assets(ctx, id, &body.asset_ids)
        .await?;
    Ok(asset_ids_response(results))
}

async fn remove_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AssetIdsDto>,
) -> ApiResult<Json<Vec<AssetIdsResponseDto>>> {
    let ctx = auth.require(Permission::SharedLinkUpdate)?;
    let results = state
        .domain
        .remove_shared_link_assets(ctx, id, &body.asset_ids)
        .await?;
    Ok(asset_ids_response(results))
}

/// The link the visitor came through, as they may see it.
async fn get_mine(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
) -> ApiResult<Json<SharedLinkResponseDto>> {
    let link = state.domain.visited_shared_link(&auth.0)?.clone();
    let strip = !link.show_metadata;
    let view = state.domain.shared_link_view(link).await?;
    Ok(Json(dto::shared_link(&view, strip)))
}

/// Enters a link's password; the answer sets the cookie that proves it for a day.
async fn login(
    State(state): State<AppState>,
    SharedLinkVisitor(ctx): SharedLinkVisitor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SharedLinkLoginDto>,
) -> ApiResult<Response> {
    let (view, token) = state.domain.shared_link_login(&ctx, &body.password).await?;
    // Keep the tokens of other links the visitor already entered.
    let mut tokens: Vec<String> = shared_link_tokens(&headers)
        .into_iter()
        .map(str::to_string)
        .collect();
    if !tokens.contains(&token) {
        tokens.push(token);
    }
    let cookie = format!(
        "{SHARED_LINK_TOKEN_COOKIE}={}; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax",
        tokens.join(",")
    );
    let mut response = (
        StatusCode::CREATED,
        Json(dto::shared_link(&view, !view.link.show_metadata)),
    )
        .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::bad_request(e.to_string()))?,
    );
    Ok(response)
}
