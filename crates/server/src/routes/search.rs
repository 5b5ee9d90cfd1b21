//! `/search/*`: metadata, random, statistics and large-asset searches, suggestions, cities
//! and explore.

use axum::extract::{RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value};
use shoebox_api_types::albums::AssetOrder;
use shoebox_api_types::assets::AssetResponseDto;
use shoebox_api_types::permission::Permission;
use shoebox_api_types::search::*;
use shoebox_store::records::{AssetSearch, ExifField, ExifSearch, SearchOrder};

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/search/metadata", post(search_metadata))
        .route("/search/smart", post(super::smart_search::search_smart))
        .route("/search/random", post(search_random))
        .route("/search/statistics", post(search_statistics))
        .route("/search/large-assets", post(search_large_assets))
        .route("/search/suggestions", get(search_suggestions))
        .route("/search/cities", get(assets_by_city))
        .route("/search/explore", get(explore))
}

/// The search the shared filters describe; the caller adds what its endpoint has beyond them.
pub(crate) fn filtered_search(f: &SearchFilterDto) -> ApiResult<AssetSearch> {
    if let Some(Some(rating)) = f.rating
        && !(-1..=5).contains(&rating)
    {
        return Err(ApiError::bad_request("rating must be between -1 and 5"));
    }
    Ok(AssetSearch {
        album_ids: f.album_ids.clone().unwrap_or_default(),
        not_in_album: f.is_not_in_album.unwrap_or(false),
        // `null` asks for untagged assets; an empty list does not filter.
        tag_ids: match &f.tag_ids {
            Some(None) => Some(Vec::new()),
            Some(Some(ids)) if !ids.is_empty() => Some(ids.clone()),
            _ => None,
        },
        person_ids: f.person_ids.clone().unwrap_or_default(),
        ocr: f.ocr.clone(),
        asset_type: f.asset_type.map(|t| t.as_str().to_string()),
        is_favorite: f.is_favorite,
        is_encoded: f.is_encoded,
        is_motion: f.is_motion,
        is_offline: f.is_offline,
        library_id: f.library_id,
        exif: ExifSearch {
            city: f.city.clone(),
            state: f.state.clone(),
            country: f.country.clone(),
            make: f.make.clone(),
            model: f.model.clone(),
            lens_model: f.lens_model.clone(),
            rating: f.rating,
        },
        visibility: f.visibility.map(|v| v.as_str().to_string()),
        trashed_after: f.trashed_after,
        trashed_before: f.trashed_before,
        taken_after: f.taken_after,
        taken_before: f.taken_before,
        created_after: f.created_after,
        created_before: f.created_before,
        updated_after: f.updated_after,
        updated_before: f.updated_before,
        ..AssetSearch::default()
    })
}

fn metadata_search(dto: &MetadataSearchDto) -> ApiResult<AssetSearch> {
    let checksum =
        match &dto.checksum {
            Some(text) => Some(super::assets::parse_checksum(text).ok_or_else(|| {
                ApiError::bad_request("checksum must be a SHA-1 in hex or base64")
            })?),
            None => None,
        };
    let generated_file = [
        ("encoded_video", &dto.encoded_video_path),
        ("preview", &dto.preview_path),
        ("thumbnail", &dto.thumbnail_path),
    ]
    .into_iter()
    .find_map(|(kind, path)| path.clone().map(|p| (kind.to_string(), p)));
    Ok(AssetSearch {
        id: dto.id,
        checksum,
        original_file_name: dto.original_file_name.clone(),
        original_path: dto.original_path.clone(),
        description: dto.description.clone(),
        device_id: dto.device_id.clone(),
        generated_file,
        with_deleted: dto.with_deleted.unwrap_or(false),
        with_stacked: dto.with_stacked,
        order: if dto.order == Some(AssetOrder::Asc) {
            SearchOrder::TakenAsc
        } else {
            SearchOrder::TakenDesc
        },
        ..filtered_search(&dto.filter)?
    })
}

fn asset_list(items: &[shoebox_store::records::AssetRecord]) -> Json<Vec<AssetResponseDto>> {
    Json(items.iter().map(dto::asset).collect())
}

async fn search_metadata(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<MetadataSearchDto>,
) -> ApiResult<Json<SearchResponseDto>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let page = state
        .domain
        .search_assets(ctx, metadata_search(&body)?, body.page, body.size)
        .await?;
    Ok(Json(search_response(&page)))
}

/// Assets of one page in the shape metadata and smart search answer with.
pub(crate) fn search_response(page: &shoebox_domain::search::SearchPage) -> SearchResponseDto {
    let items: Vec<_> = page.items.iter().map(dto::asset).collect();
    let count = items.len() as i64;
    SearchResponseDto {
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
    }
}

async fn search_random(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<RandomSearchDto>,
) -> ApiResult<Json<Vec<AssetResponseDto>>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let search = AssetSearch {
        with_deleted: body.with_deleted.unwrap_or(false),
        with_stacked: body.with_stacked,
        ..filtered_search(&body.filter)?
    };
    let found = state.domain.search_random(ctx, search, body.size).await?;
    Ok(asset_list(&found))
}

async fn search_statistics(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<StatisticsSearchDto>,
) -> ApiResult<Json<SearchStatisticsResponseDto>> {
    let ctx = auth.require(Permission::AssetStatistics)?;
    let search = AssetSearch {
        description: body.description.clone(),
        ..filtered_search(&body.filter)?
    };
    let total = state.domain.search_statistics(ctx, search).await?;
    Ok(Json(SearchStatisticsResponseDto { total }))
}

/// The query string as the JSON object the DTO reads: repeated and list keys become arrays,
/// numbers and booleans their JSON types, an empty value `null`.
fn query_as_json(query: &str) -> ApiResult<Map<String, Value>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| ApiError::bad_request(format!("invalid query: {e}")))?;
    let mut object = Map::new();
    for (key, value) in pairs {
        let typed = if value.is_empty() {
            Value::Null
        } else if LargeAssetSearchDto::NUMBER_KEYS.contains(&key.as_str()) {
            value
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(value))
        } else if LargeAssetSearchDto::BOOL_KEYS.contains(&key.as_str()) {
            match value.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(value),
            }
        } else {
            Value::String(value)
        };
        if LargeAssetSearchDto::LIST_KEYS.contains(&key.as_str()) {
            let list = object
                .entry(key)
                .or_insert_with(|| Value::Array(Vec::new()));
            if let (Value::Array(items), false) = (list, typed.is_null()) {
                items.push(typed);
            }
        } else {
            object.insert(key, typed);
        }
    }
    Ok(object)
}

async fn search_large_assets(
    State(state): State<AppState>,
    auth: Auth,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<AssetResponseDto>>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let query = query_as_json(query.as_deref().unwrap_or_default())?;
    let params: LargeAssetSearchDto = serde_json::from_value(Value::Object(query))
        .map_err(|e| ApiError::bad_request(format!("invalid query: {e}")))?;
    let search = AssetSearch {
        min_file_size: params.min_file_size,
        with_deleted: params.with_deleted.unwrap_or(false),
        ..filtered_search(&params.filter)?
    };
    let found = state
        .domain
        .search_large_assets(ctx, search, params.size)
        .await?;
    Ok(asset_list(&found))
}

async fn search_suggestions(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SearchSuggestionRequestDto>,
) -> ApiResult<Json<Vec<Option<String>>>> {
    let ctx = auth.require(Permission::AssetRead)?;
    // Which field is listed, and which chosen values narrow it (as Immich narrows them).
    let (field, narrowing) = match q.suggestion_type {
        SearchSuggestionType::Country => (ExifField::Country, vec![]),
        SearchSuggestionType::State => (ExifField::State, vec![(ExifField::Country, &q.country)]),
        SearchSuggestionType::City => (
            ExifField::City,
            vec![
                (ExifField::Country, &q.country),
                (ExifField::State, &q.state),
            ],
        ),
        SearchSuggestionType::CameraMake => (
            ExifField::Make,
            vec![
                (ExifField::Model, &q.model),
                (ExifField::LensModel, &q.lens_model),
            ],
        ),
        SearchSuggestionType::CameraModel => (
            ExifField::Model,
            vec![
                (ExifField::Make, &q.make),
                (ExifField::LensModel, &q.lens_model),
            ],
        ),
        SearchSuggestionType::CameraLensModel => (
            ExifField::LensModel,
            vec![(ExifField::Make, &q.make), (ExifField::Model, &q.model)],
        ),
    };
    let narrowed_by: Vec<(ExifField, String)> = narrowing
        .into_iter()
        .filter_map(|(f, v)| v.clone().filter(|v| !v.is_empty()).map(|v| (f, v)))
        .collect();
    let values = state
        .domain
        .search_suggestions(ctx, field, &narrowed_by)
        .await?;
    let mut suggestions: Vec<Option<String>> = values.into_iter().map(Some).collect();
    if q.include_null == Some(true) {
        suggestions.push(None);
    }
    Ok(Json(suggestions))
}

async fn assets_by_city(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<AssetResponseDto>>> {
    let ctx = auth.require(Permission::AssetRead)?;
    Ok(asset_list(&state.domain.assets_by_city(ctx).await?))
}

async fn explore(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<SearchExploreResponseDto>>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let items = state
        .domain
        .explore_cities(ctx)
        .await?
        .into_iter()
        .map(|(city, asset)| SearchExploreItem {
            data: dto::asset(&asset),
            value: city,
        })
        .collect();
    Ok(Json(vec![SearchExploreResponseDto {
        field_name: "exifInfo.city".into(),
        items,
    }]))
}
