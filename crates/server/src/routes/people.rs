//! `/people/*` and `/faces/*`: who appears in the caller's assets, and where.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use shoebox_api_types::common::{BulkIdResponseDto, BulkIdsDto};
use shoebox_api_types::people::*;
use shoebox_api_types::permission::Permission;
use shoebox_domain::people::{Closest, NewFace, PersonChanges};
use uuid::Uuid;

use super::albums::bulk_response;
use crate::AppState;
use crate::dto;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};

/// Immich's default page size for `GET /people`.
const DEFAULT_PAGE_SIZE: u32 = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/people",
            get(list).post(create).put(update_many).delete(delete_many),
        )
        .route("/people/{id}", get(get_one).put(update).delete(delete_one))
        .route("/people/{id}/merge", post(merge))
        .route("/people/{id}/reassign", put(reassign))
        .route("/people/{id}/statistics", get(statistics))
        .route("/people/{id}/thumbnail", get(thumbnail))
        .route("/faces", get(faces_of_asset).post(create_face))
        .route("/search/person", get(search_people))
        .route("/faces/{id}", put(reassign_face).delete(delete_face))
}

fn changes(body: PersonUpdateDto) -> PersonChanges {
    PersonChanges {
        name: body.name,
        birth_date: body.birth_date,
        is_hidden: body.is_hidden,
        is_favorite: body.is_favorite,
        color: body.color,
        feature_face_asset_id: body.feature_face_asset_id,
    }
}

async fn search_people(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SearchPeopleDto>,
) -> ApiResult<Json<Vec<PersonResponseDto>>> {
    let ctx = auth.require(Permission::PersonRead)?;
    let people = state
        .domain
        .search_people(ctx, &query.name, query.with_hidden.unwrap_or(false))
        .await?;
    Ok(Json(people.iter().map(dto::person).collect()))
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PeopleQuery>,
) -> ApiResult<Json<PeopleResponseDto>> {
    let ctx = auth.require(Permission::PersonRead)?;
    let size = query.size.unwrap_or(DEFAULT_PAGE_SIZE);
    let page = query.page.unwrap_or(1);
    if size == 0 || page == 0 {
        return Err(shoebox_domain::DomainError::BadRequest(
            "page and size must be at least 1".into(),
        )
        .into());
    }
    let result = state
        .domain
        .list_people(
            ctx,
            query.with_hidden.unwrap_or(false),
            query
                .closest_person_id
                .map(Closest::Person)
                .or(query.closest_asset_id.map(Closest::Face)),
            page as usize,
            size as usize,
        )
        .await?;
    Ok(Json(PeopleResponseDto {
        total: result.total,
        hidden: result.hidden,
        people: result
            .people
            .iter()
            .map(|p| dto::person(&p.person))
            .collect(),
        has_next_page: result.has_next_page,
    }))
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PersonUpdateDto>,
) -> ApiResult<(StatusCode, Json<PersonResponseDto>)> {
    let ctx = auth.require(Permission::PersonCreate)?;
    let person = state.domain.create_person(ctx, changes(body)).await?;
    Ok((StatusCode::CREATED, Json(dto::person(&person))))
}

async fn update_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PeopleUpdateDto>,
) -> ApiResult<Json<Vec<BulkIdResponseDto>>> {
    let ctx = auth.require(Permission::PersonUpdate)?;
    let mut results = Vec::new();
    for item in body.people {
        let Some(id) = item.id else {
            return Err(shoebox_domain::DomainError::BadRequest("id is required".into()).into());
        };
        results.push(
            match state.domain.update_person(ctx, id, changes(item)).await {
                Ok(_) => BulkIdResponseDto::ok(id.to_string()),
                Err(e) => BulkIdResponseDto {
                    error_message: Some(e.to_string()),
                    ..BulkIdResponseDto::failed(
                        id.to_string(),
                        shoebox_api_types::common::BulkIdErrorReason::Unknown,
                    )
                },
            },
        );
    }
    Ok(Json(results))
}

async fn delete_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<BulkIdsDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::PersonDelete)?;
    state.domain.delete_people(ctx, &body.ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<PersonResponseDto>> {
    let ctx = auth.require(Permission::PersonRead)?;
    let person = state.domain.get_person(ctx, id, "person.read").await?;
    Ok(Json(dto::person(&person)))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PersonUpdateDto>,
) -> ApiResult<Json<PersonResponseDto>> {
    let ctx = auth.require(Permission::PersonUpdate)?;
    let person = state.domain.update_person(ctx, id, changes(body)).await?;
    Ok(Json(dto::person(&person)))
}

async fn delete_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::PersonDelete)?;
    state.domain.delete_people(ctx, &[id]).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MergePersonDto>,
) -> ApiResult<Json<Vec<BulkIdResponseDto>>> {
    let ctx = auth.require(Permission::PersonMerge)?;
    let results = state.domain.merge_people(ctx, id, &body.ids).await?;
    Ok(bulk_response(results))
}

async fn reassign(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AssetFaceUpdateDto>,
) -> ApiResult<Json<Vec<PersonResponseDto>>> {
    let ctx = auth.require(Permission::PersonReassign)?;
    let items: Vec<(Uuid, Uuid)> = body
        .data
        .iter()
        .map(|i| (i.asset_id, i.person_id))
        .collect();
    let people = state.domain.reassign_faces(ctx, id, &items).await?;
    Ok(Json(people.iter().map(dto::person).collect()))
}

async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<PersonStatisticsResponseDto>> {
    let ctx = auth.require(Permission::PersonStatistics)?;
    let summary = state.domain.person_summary(ctx, id).await?;
    Ok(Json(PersonStatisticsResponseDto {
        assets: summary.asset_count,
    }))
}

async fn thumbnail(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let ctx = auth.require(Permission::PersonRead)?;
    let jpeg = state.domain.person_thumbnail(ctx, id).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (
                header::CACHE_CONTROL,
                "private, max-age=86400, no-transform",
            ),
        ],
        jpeg,
    )
        .into_response())
}

async fn faces_of_asset(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<FacesQuery>,
) -> ApiResult<Json<Vec<AssetFaceResponseDto>>> {
    let ctx = auth.require(Permission::FaceRead)?;
    let faces = state.domain.faces_of_asset(ctx, query.id).await?;
    Ok(Json(
        faces
            .iter()
            .map(|(face, person)| dto::face(face, person.as_ref()))
            .collect(),
    ))
}

async fn create_face(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<AssetFaceCreateDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::FaceCreate)?;
    let new = NewFace {
        asset_id: body.asset_id,
        person_id: body.person_id,
        image_width: body.image_width,
        image_height: body.image_height,
        x: body.x,
        y: body.y,
        width: body.width,
        height: body.height,
    };
    state.domain.create_face(ctx, new).await?;
    Ok(StatusCode::CREATED)
}

async fn reassign_face(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<FaceDto>,
) -> ApiResult<Json<PersonResponseDto>> {
    let ctx = auth.require(Permission::FaceUpdate)?;
    let person = state.domain.reassign_face(ctx, id, body.id).await?;
    Ok(Json(dto::person(&person)))
}

async fn delete_face(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(_body): ApiJson<AssetFaceDeleteDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::FaceDelete)?;
    state.domain.delete_face(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
