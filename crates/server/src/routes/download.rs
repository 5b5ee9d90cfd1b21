//! `/download/*`: archive plans and streamed zips of originals, also for link visitors.

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use shoebox_api_types::download::*;
use shoebox_api_types::permission::Permission;
use shoebox_domain::downloads::DownloadSource;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SharedAuth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/download/info", post(info))
        .route("/download/archive", post(archive))
}

async fn info(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiJson(body): ApiJson<DownloadInfoDto>,
) -> ApiResult<(StatusCode, Json<DownloadResponseDto>)> {
    let ctx = auth.require(Permission::AssetDownload)?;
    let source = match (body.asset_ids, body.album_id, body.user_id) {
        (Some(ids), _, _) => DownloadSource::Assets(ids),
        (None, Some(album), _) => DownloadSource::Album(album),
        (None, None, Some(user)) => DownloadSource::User(user),
        (None, None, None) => {
            return Err(ApiError::bad_request(
                "assetIds, albumId, or userId is required",
            ));
        }
    };
    let (parts, total_size) = state
        .domain
        .download_info(ctx, source, body.archive_size)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DownloadResponseDto {
            archives: parts
                .into_iter()
                .map(|p| DownloadArchiveInfo {
                    asset_ids: p.asset_ids.iter().map(ToString::to_string).collect(),
                    size: p.size,
                })
                .collect(),
            total_size,
        }),
    ))
}

/// The zip streams as it is written; its length is not known in advance.
async fn archive(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiJson(body): ApiJson<DownloadArchiveDto>,
) -> ApiResult<Response> {
    let ctx = auth.require(Permission::AssetDownload)?;
    let chunks = state.domain.download_archive(ctx, &body.asset_ids).await?;
    let stream = futures_util::stream::unfold(chunks, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        Body::from_stream(stream),
    )
        .into_response())
}
