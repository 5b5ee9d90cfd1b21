//! `/timeline/*`: month buckets and their assets, in Immich's columnar shape.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use shoebox_api_types::albums::AssetOrder;
use shoebox_api_types::assets::AssetVisibility;
use shoebox_api_types::permission::Permission;
use shoebox_api_types::timeline::*;
use shoebox_domain::timeline::TimelineQuery;
use shoebox_store::records::{AssetKind, TimelineAsset};
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, SharedAuth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/timeline/buckets", get(buckets))
        .route("/timeline/bucket", get(bucket))
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Params {
    #[serde(default)]
    time_bucket: Option<String>,
    #[serde(default)]
    user_id: Option<Uuid>,
    #[serde(default)]
    album_id: Option<Uuid>,
    #[serde(default)]
    tag_id: Option<Uuid>,
    #[serde(default)]
    person_id: Option<Uuid>,
    #[serde(default)]
    is_favorite: Option<bool>,
    #[serde(default)]
    is_trashed: Option<bool>,
    #[serde(default)]
    visibility: Option<AssetVisibility>,
    #[serde(default)]
    with_partners: Option<bool>,
    #[serde(default)]
    with_coordinates: Option<bool>,
    #[serde(default)]
    with_stacked: Option<bool>,
    #[serde(default)]
    order: Option<AssetOrder>,
}

impl Params {
    fn query(&self) -> TimelineQuery {
        TimelineQuery {
            user_id: self.user_id,
            album_id: self.album_id,
            tag_id: self.tag_id,
            person_id: self.person_id,
            is_favorite: self.is_favorite,
            is_trashed: self.is_trashed,
            visibility: self.visibility.map(|v| v.as_str().to_string()),
            with_partners: self.with_partners.unwrap_or(false),
            with_stacked: self.with_stacked.unwrap_or(false),
            ascending: self.order == Some(AssetOrder::Asc),
        }
    }
}

async fn buckets(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiQuery(params): ApiQuery<Params>,
) -> ApiResult<Json<Vec<TimeBucketsResponseDto>>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let buckets = state.domain.time_buckets(ctx, &params.query()).await?;
    Ok(Json(
        buckets
            .into_iter()
            .map(|(time_bucket, count)| TimeBucketsResponseDto { time_bucket, count })
            .collect(),
    ))
}

/// Width over height to three decimals; 1 while dimensions are unknown.
fn ratio(a: &TimelineAsset) -> f64 {
    match (a.width, a.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w as f64 / h as f64 * 1000.0).round() / 1000.0,
        _ => 1.0,
    }
}

fn zoneless(t: chrono::DateTime<chrono::Utc>) -> String {
    t.naive_utc().format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

async fn bucket(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiQuery(params): ApiQuery<Params>,
) -> ApiResult<Json<TimeBucketAssetResponseDto>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let time_bucket = params
        .time_bucket
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("timeBucket is required"))?;
    let assets = state
        .domain
        .time_bucket(ctx, &params.query(), time_bucket)
        .await?;
    let me = ctx.user_id();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = TimeBucketAssetResponseDto::default();
    let coordinates = params.with_coordinates.unwrap_or(false);
    let (mut lats, mut lons) = (Vec::new(), Vec::new());
    let mut stacks = Vec::new();
    for a in &assets {
        out.id.push(a.id.to_string());
        out.owner_id.push(a.owner_id.to_string());
        out.ratio.push(ratio(a));
        out.is_favorite.push(a.is_favorite && a.owner_id == me);
        out.visibility.push(a.visibility.clone());
        out.is_trashed.push(a.deleted_at.is_some());
        out.is_image.push(a.kind == AssetKind::Image);
        out.thumbhash
            .push(a.thumbhash.as_ref().map(|t| b64.encode(t)));
        out.created_at.push(zoneless(a.created_at));
        out.file_created_at.push(zoneless(a.file_created_at));
        let offset = a.local_date_time - a.file_created_at.naive_utc();
        out.local_offset_hours
            .push(offset.num_seconds() as f64 / 3600.0);
        out.duration
            .push(a.duration.as_deref().and_then(|d| d.parse().ok()));
        out.projection_type.push(a.projection_type.clone());
        out.live_photo_video_id
            .push(a.live_photo_video_id.map(|id| id.to_string()));
        out.city.push(a.city.clone());
        out.country.push(a.country.clone());
        lats.push(a.latitude);
        lons.push(a.longitude);
        // Immich sends both as strings.
        stacks.push(a.stack.map(|(id, n)| [id.to_string(), n.to_string()]));
    }
    if params.with_stacked == Some(true) {
        out.stack = Some(stacks);
    }
    if coordinates {
        out.latitude = Some(lats);
        out.longitude = Some(lons);
    }
    Ok(Json(out))
}
