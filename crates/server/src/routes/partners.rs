//! `/partners/*`: partner sharing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use shoebox_api_types::partners::*;
use shoebox_api_types::permission::Permission;
use shoebox_domain::partners::{Direction, Partner};
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/partners", get(list).post(create))
        .route(
            "/partners/{id}",
            put(update).delete(remove).post(create_deprecated),
        )
}

fn partner(p: &Partner) -> PartnerResponseDto {
    PartnerResponseDto {
        user: dto::user(&p.user),
        in_timeline: Some(p.in_timeline),
    }
}

#[derive(Debug, Deserialize)]
struct ListParams {
    direction: PartnerDirection,
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Vec<PartnerResponseDto>>> {
    let ctx = auth.require(Permission::PartnerRead)?;
    let direction = match params.direction {
        PartnerDirection::SharedBy => Direction::SharedBy,
        PartnerDirection::SharedWith => Direction::SharedWith,
    };
    let partners = state.domain.list_partners(ctx, direction).await?;
    Ok(Json(partners.iter().map(partner).collect()))
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PartnerCreateDto>,
) -> ApiResult<(StatusCode, Json<PartnerResponseDto>)> {
    let ctx = auth.require(Permission::PartnerCreate)?;
    let created = state
        .domain
        .create_partner(ctx, body.shared_with_id)
        .await?;
    Ok((StatusCode::CREATED, Json(partner(&created))))
}

/// The older form, still sent by earlier mobile apps: the partner's id in the path.
async fn create_deprecated(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<(StatusCode, Json<PartnerResponseDto>)> {
    let ctx = auth.require(Permission::PartnerCreate)?;
    let created = state.domain.create_partner(ctx, id).await?;
    Ok((StatusCode::CREATED, Json(partner(&created))))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PartnerUpdateDto>,
) -> ApiResult<Json<PartnerResponseDto>> {
    let ctx = auth.require(Permission::PartnerUpdate)?;
    let updated = state
        .domain
        .update_partner(ctx, id, body.in_timeline)
        .await?;
    Ok(Json(partner(&updated)))
}

async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::PartnerDelete)?;
    state.domain.remove_partner(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
