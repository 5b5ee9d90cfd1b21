//! `POST /search/smart`: CLIP search with the metadata search's filters and answer.

use axum::Json;
use axum::extract::State;
use shoebox_api_types::permission::Permission;
use shoebox_api_types::search::{SearchResponseDto, SmartSearchDto};
use shoebox_domain::smart_search::SmartQuery;
use shoebox_store::records::AssetSearch;

use super::search::{filtered_search, search_response};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth};

pub(crate) async fn search_smart(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<SmartSearchDto>,
) -> ApiResult<Json<SearchResponseDto>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let search = AssetSearch {
        with_deleted: body.with_deleted.unwrap_or(false),
        ..filtered_search(&body.filter)?
    };
    // An empty or blank text asks for nothing, as Immich's falsy check treats "".
    let query = match (body.query.as_deref().map(str::trim), body.query_asset_id) {
        (Some(text), _) if !text.is_empty() => SmartQuery::Text {
            query: text.to_string(),
            language: body.language.clone(),
        },
        (_, Some(id)) => SmartQuery::Asset(id),
        _ => {
            return Err(ApiError::bad_request(
                "Either `query` or `queryAssetId` must be set",
            ));
        }
    };
    let page = state
        .domain
        .search_smart(ctx, search, query, body.page, body.size)
        .await?;
    Ok(Json(search_response(&page)))
}
