//! `/map/*` and `/albums/{id}/map-markers`: geotagged assets and place names.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use shoebox_api_types::map::*;
use shoebox_api_types::permission::Permission;
use shoebox_domain::map::MapQuery;
use shoebox_store::records::MapMarker;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery, Auth, SharedAuth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/map/markers", get(markers))
        .route("/map/reverse-geocode", get(reverse_geocode))
        .route("/albums/{id}/map-markers", get(album_markers))
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct MarkersQuery {
    #[serde(default)]
    is_archived: Option<bool>,
    #[serde(default)]
    is_favorite: Option<bool>,
    #[serde(default)]
    file_created_after: Option<DateTime<Utc>>,
    #[serde(default)]
    file_created_before: Option<DateTime<Utc>>,
    #[serde(default)]
    with_partners: Option<bool>,
    #[serde(default)]
    with_shared_albums: Option<bool>,
}

fn marker(m: MapMarker) -> MapMarkerResponseDto {
    MapMarkerResponseDto {
        id: m.id.to_string(),
        lat: m.latitude,
        lon: m.longitude,
        city: m.city,
        state: m.state,
        country: m.country,
    }
}

async fn markers(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<MarkersQuery>,
) -> ApiResult<Json<Vec<MapMarkerResponseDto>>> {
    let ctx = auth.require(Permission::MapRead)?;
    let query = MapQuery {
        is_archived: q.is_archived,
        is_favorite: q.is_favorite,
        file_created_after: q.file_created_after,
        file_created_before: q.file_created_before,
        with_partners: q.with_partners.unwrap_or(false),
        with_shared_albums: q.with_shared_albums.unwrap_or(false),
    };
    let markers = state.domain.map_markers(ctx, &query).await?;
    Ok(Json(markers.into_iter().map(marker).collect()))
}

async fn album_markers(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<MapMarkerResponseDto>>> {
    let ctx = auth.require(Permission::AlbumRead)?;
    let markers = state.domain.album_map_markers(ctx, id).await?;
    Ok(Json(markers.into_iter().map(marker).collect()))
}

#[derive(Debug, Deserialize)]
struct GeocodeQuery {
    lat: f64,
    lon: f64,
}

/// One place, or none where the position is far from any.
async fn reverse_geocode(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<GeocodeQuery>,
) -> ApiResult<Json<Vec<MapReverseGeocodeResponseDto>>> {
    auth.require(Permission::MapSearch)?;
    let place = state.domain.reverse_geocode(q.lat, q.lon)?;
    Ok(Json(
        place
            .into_iter()
            .map(|p| MapReverseGeocodeResponseDto {
                city: p.city,
                state: p.state,
                country: p.country,
            })
            .collect(),
    ))
}
