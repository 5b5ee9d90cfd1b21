//! `GET /assets/{id}/ocr`: the text read in an asset, line by line in reading order.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use shoebox_api_types::ocr::AssetOcrResponseDto;
use shoebox_api_types::permission::Permission;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiPath, Auth};

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{id}/ocr", get(asset_ocr))
}

async fn asset_ocr(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<AssetOcrResponseDto>>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let lines = state.domain.asset_ocr(ctx, id).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| AssetOcrResponseDto {
                id: l.id.to_string(),
                asset_id: l.asset_id.to_string(),
                x1: l.x1,
                y1: l.y1,
                x2: l.x2,
                y2: l.y2,
                x3: l.x3,
                y3: l.y3,
                x4: l.x4,
                y4: l.y4,
                box_score: l.box_score,
                text_score: l.text_score,
                text: l.text,
            })
            .collect(),
    ))
}
