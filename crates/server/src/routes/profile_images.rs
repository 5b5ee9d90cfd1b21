//! `/users/profile-image` and `/users/{id}/profile-image`: avatars.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use shoebox_api_types::permission::Permission;
use shoebox_api_types::users::CreateProfileImageResponseDto;
use shoebox_domain::profile_images::MAX_PROFILE_IMAGE_BYTES;
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/users/profile-image",
            post(create)
                .layer(DefaultBodyLimit::max(MAX_PROFILE_IMAGE_BYTES + 64 * 1024))
                .delete(delete),
        )
        .route("/users/{id}/profile-image", get(get_one))
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<CreateProfileImageResponseDto>)> {
    let ctx = auth.require(Permission::UserProfileImageUpdate)?;
    let mut multipart = multipart.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let malformed = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(
            e.status(),
            format!("Malformed multipart body: {}", e.body_text()),
        )
    };
    let mut file = None;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_PROFILE_IMAGE_BYTES {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The profile image is too large",
                ));
            }
        }
        file = Some((name, bytes));
    }
    let (name, bytes) = file.ok_or_else(|| ApiError::bad_request("file is required"))?;
    let user = state.domain.set_profile_image(ctx, &name, bytes).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreateProfileImageResponseDto {
            user_id: user.id.to_string(),
            profile_image_path: user.profile_image_path,
            profile_changed_at: user.profile_changed_at,
        }),
    ))
}

async fn delete(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::UserProfileImageDelete)?;
    state.domain.delete_profile_image(ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    auth.require(Permission::UserProfileImageRead)?;
    let path = state.domain.profile_image(id).await?;
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("profile image file is missing from storage: {e}"),
        )
    })?;
    let mime = shoebox_media::mime_type_for(&path.to_string_lossy());
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, no-cache"),
        ],
        bytes,
    )
        .into_response())
}
