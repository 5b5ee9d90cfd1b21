//! `/search/*`: metadata search.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use shoebox_api_types::albums::AssetOrder;
use shoebox_api_types::assets::AssetTypeEnum;
use shoebox_api_types::permission::Permission;
use shoebox_api_types::search::*;
use shoebox_store::records::{AssetKind, AssetSearch};

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth};

pub fn routes() -> Router<AppState> {
    Router::new().route("/search/metadata", post(search_metadata))
}

fn to_search(dto: &MetadataSearchDto) -> ApiResult<AssetSearch> {
    let checksum =
        match &dto.checksum {
            Some(text) => Some(super::assets::parse_checksum(text).ok_or_else(|| {
                ApiError::bad_request("checksum must be a SHA-1 in hex or base64")
            })?),
            None => None,
        };
    Ok(AssetSearch {
        id: dto.id,
        album_ids: dto.album_ids.clone().unwrap_or_default(),
        not_in_album: dto.is_not_in_album.unwrap_or(false),
        // `null` asks for untagged assets; an empty list does not filter.
        tag_ids: match &dto.tag_ids {
            Some(None) => Some(Vec::new()),
            Some(Some(ids)) if !ids.is_empty() => Some(ids.clone()),
            _ => None,
        },
        person_ids: dto.person_ids.clone().unwrap_or_default(),
        checksum,
        original_file_name: dto.original_file_name.clone(),
        description: dto.description.clone(),
        device_id: dto.device_id.clone(),
        kind: dto.asset_type.map(|t| match t {
            AssetTypeEnum::Video => AssetKind::Video,
            _ => AssetKind::Image,
        }),
        is_favorite: dto.is_favorite,
        visibility: dto.visibility.map(|v| v.as_str().to_string()),
        with_deleted: dto.with_deleted.unwrap_or(false),
        trashed_after: dto.trashed_after,
        trashed_before: dto.trashed_before,
        taken_after: dto.taken_after,
        taken_before: dto.taken_before,
        created_after: dto.created_after,
        created_before: dto.created_before,
        updated_after: dto.updated_after,
        updated_before: dto.updated_before,
        ascending: dto.order == Some(AssetOrder::Asc),
        ..AssetSearch::default()
    })
}

async fn search_metadata(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<MetadataSearchDto>,
) -> ApiResult<Json<SearchResponseDto>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let page = state
        .domain
        .search_assets(ctx, to_search(&body)?, body.page, body.size)
        .await?;
    let items: Vec<_> = page.items.iter().map(dto::asset).collect();
    let count = items.len() as i64;
    Ok(Json(SearchResponseDto {
        albums: SearchAlbumResponseDto {
            count: 0,
            facets: Vec::new(),
            items: Vec::new(),
            total: 0,
        },
        assets: SearchAssetResponseDto {
            count,
            facets: Vec::new(),
            items,
            next_cursor: None,
            next_page: page.next_page.map(|p| p.to_string()),
            total: count,
        },
    }))
}
