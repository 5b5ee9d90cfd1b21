//! `/assets/*`: upload, read, edit, delete.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use shoebox_api_types::assets::*;
use shoebox_api_types::permission::Permission;
use shoebox_domain::UploadPart;
use shoebox_domain::assets::{AssetChanges, UploadMetadata, UploadOutcome};
use shoebox_domain::auth::AuthContext;
use shoebox_domain::uploads::StagedUpload;
use shoebox_media::MediaKind;
use shoebox_store::records::{AssetKind, AssetRecord, AssetStatsFilter};
use tower::ServiceExt;
use uuid::Uuid;

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, SharedAuth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/assets",
            post(upload)
                .layer(DefaultBodyLimit::disable())
                .put(update_many)
                .delete(delete_many),
        )
        .route("/assets/bulk-upload-check", post(bulk_upload_check))
        .route("/assets/jobs", post(run_jobs))
        .route("/assets/statistics", get(statistics))
        .route("/assets/{id}", get(get_one).put(update_one))
        .route("/assets/{id}/original", get(download_original))
        .route("/assets/{id}/thumbnail", get(view_thumbnail))
        .route("/assets/{id}/video/playback", get(play_video))
}

/// Plain form fields are small; anything larger is not a field we know.
const MAX_FIELD_BYTES: usize = 64 * 1024;

fn malformed(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("Malformed multipart body: {e}"))
}

async fn read_text_field(mut field: Field<'_>) -> ApiResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(ApiError::bad_request("A form field is too large"));
        }
    }
    String::from_utf8(bytes).map_err(|_| ApiError::bad_request("Form fields must be UTF-8 text"))
}

/// Streams one file part to a staging file.
async fn stage_field(
    state: &AppState,
    mut field: Field<'_>,
    asset_id: Uuid,
    part: UploadPart,
    expected_size: Option<u64>,
) -> ApiResult<StagedUpload> {
    let mut writer = state
        .domain
        .begin_upload(asset_id, part, expected_size)
        .await?;
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        writer.write(&chunk).await?;
    }
    Ok(writer.finish().await?)
}

fn parse_date(fields: &HashMap<String, String>, name: &str) -> ApiResult<DateTime<Utc>> {
    let text = fields
        .get(name)
        .ok_or_else(|| ApiError::bad_request(format!("{name} must be a Date instance")))?;
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::bad_request(format!("{name} must be a Date instance")))
}

fn parse_bool(fields: &HashMap<String, String>, name: &str) -> ApiResult<bool> {
    match fields.get(name).map(|s| s.trim()) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::bad_request(format!(
            "{name} must be a boolean value"
        ))),
    }
}

fn parse_duration(fields: &HashMap<String, String>) -> ApiResult<Option<String>> {
    match fields
        .get("duration")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => Ok(None),
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite() && *d >= 0.0)
            .map(|d| Some((d.round() as i64).to_string()))
            .ok_or_else(|| ApiError::bad_request("duration must be a number of milliseconds")),
    }
}

async fn upload(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let ctx = auth.require(Permission::AssetUpload)?;
    state.domain.require_upload_access(ctx)?;
    let mut multipart = multipart.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let expected_size = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Answer before reading a body the disk could never hold.
    state.domain.check_free_space(expected_size)?;
    let asset_id = Uuid::new_v4();
    let mut fields = HashMap::new();
    let mut original: Option<(StagedUpload, String)> = None;
    let mut sidecar = None;
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "assetData" if original.is_none() => {
                let file_name = field.file_name().unwrap_or_default().to_string();
                // Refuse before reading the bytes: the extension decides what we accept.
                if !matches!(
                    shoebox_media::kind_by_name(&file_name),
                    Some(MediaKind::Image | MediaKind::Video)
                ) {
                    return Err(ApiError::bad_request(format!(
                        "Unsupported file type {file_name}"
                    )));
                }
                let staged =
                    stage_field(&state, field, asset_id, UploadPart::Original, expected_size)
                        .await?;
                original = Some((staged, file_name));
            }
            "sidecarData" if sidecar.is_none() => {
                sidecar = Some(
                    stage_field(&state, field, asset_id, UploadPart::Sidecar, expected_size)
                        .await?,
                );
            }
            "assetData" | "sidecarData" => {
                return Err(ApiError::bad_request(format!("{name} given twice")));
            }
            _ => {
                let value = read_text_field(field).await?;
                fields.insert(name, value);
            }
        }
    }
    let (staged, part_name) =
        original.ok_or_else(|| ApiError::bad_request("assetData is required"))?;
    let visibility = match fields
        .get("visibility")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        Some(v) => AssetVisibility::from_str(v).map_err(|_| {
            ApiError::bad_request("visibility must be one of: archive, timeline, hidden, locked")
        })?,
        None => AssetVisibility::Timeline,
    };
    let meta = UploadMetadata {
        original_file_name: fields.get("filename").cloned().unwrap_or(part_name),
        device_asset_id: fields.get("deviceAssetId").cloned().unwrap_or_default(),
        device_id: fields
            .get("deviceId")
            .cloned()
            .unwrap_or_else(|| "WEB".into()),
        file_created_at: parse_date(&fields, "fileCreatedAt")?,
        file_modified_at: parse_date(&fields, "fileModifiedAt")?,
        duration: parse_duration(&fields)?,
        is_favorite: parse_bool(&fields, "isFavorite")?,
        visibility: visibility.as_str().to_string(),
    };
    let live_photo_video_id = match fields.get("livePhotoVideoId").map(|v| v.trim()) {
        Some(v) if !v.is_empty() => Some(
            Uuid::parse_str(v)
                .map_err(|_| ApiError::bad_request("livePhotoVideoId must be a UUID"))?,
        ),
        _ => None,
    };
    let metadata = parse_upload_metadata(&fields)?;
    let outcome = state
        .domain
        .create_asset(ctx, meta, staged, sidecar)
        .await?;
    if let UploadOutcome::Created(id) = outcome {
        state
            .domain
            .finish_upload_from_app(ctx, id, live_photo_video_id, metadata)
            .await?;
    }
    Ok(match outcome {
        UploadOutcome::Created(id) => (
            StatusCode::CREATED,
            Json(AssetMediaResponseDto {
                id: id.to_string(),
                status: AssetMediaStatus::Created,
            }),
        )
            .into_response(),
        UploadOutcome::Duplicate(id) => (
            StatusCode::OK,
            Json(AssetMediaResponseDto {
                id: id.to_string(),
                status: AssetMediaStatus::Duplicate,
            }),
        )
            .into_response(),
    })
}

/// The `metadata` field: a JSON list of `{key, value}` with object values.
fn parse_upload_metadata(
    fields: &HashMap<String, String>,
) -> ApiResult<Vec<(String, serde_json::Value)>> {
    #[derive(serde::Deserialize)]
    struct Item {
        key: String,
        value: serde_json::Value,
    }
    let Some(raw) = fields.get("metadata").filter(|v| !v.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let items: Vec<Item> = serde_json::from_str(raw)
        .map_err(|_| ApiError::bad_request("metadata must be a list of {key, value}"))?;
    items
        .into_iter()
        .map(|i| {
            if i.value.is_object() {
                Ok((i.key, i.value))
            } else {
                Err(ApiError::bad_request("metadata values must be objects"))
            }
        })
        .collect()
}

/// SHA-1 as 40 hex digits or 28 base64 characters, as clients send it.
pub(crate) fn parse_checksum(text: &str) -> Option<Vec<u8>> {
    let bytes = if text.len() == 40 {
        hex::decode(text).ok()?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?
    };
    (bytes.len() == 20).then_some(bytes)
}

async fn bulk_upload_check(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<AssetBulkUploadCheckDto>,
) -> ApiResult<Json<AssetBulkUploadCheckResponseDto>> {
    let ctx = auth.require(Permission::AssetUpload)?;
    let checksums = body
        .assets
        .iter()
        .map(|item| {
            parse_checksum(&item.checksum).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "checksum of {} must be a SHA-1 in hex or base64",
                    item.id
                ))
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let matches = state.domain.check_checksums(ctx, &checksums).await?;
    let by_checksum: HashMap<&[u8], _> =
        matches.iter().map(|m| (m.checksum.as_slice(), m)).collect();
    let results = body
        .assets
        .iter()
        .zip(&checksums)
        .map(
            |(item, checksum)| match by_checksum.get(checksum.as_slice()) {
                Some(m) => AssetBulkUploadCheckResult::duplicate(
                    &item.id,
                    m.asset_id.to_string(),
                    m.is_trashed,
                ),
                None => AssetBulkUploadCheckResult::accept(&item.id),
            },
        )
        .collect();
    Ok(Json(AssetBulkUploadCheckResponseDto { results }))
}

async fn get_one(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<AssetResponseDto>> {
    let ctx = auth.require(Permission::AssetRead)?;
    let asset = state.domain.get_asset(ctx, id, "asset.read").await?;
    let body = single_asset(&state, ctx, &asset).await?;
    Ok(Json(match &ctx.shared_link {
        Some(link) if !link.show_metadata => dto::strip_metadata(body),
        _ => body,
    }))
}

/// One asset as its own view and its update answer show it: with its stack and tags, which
/// lists leave out (as Immich does) to stay one query, and with its owner when that is not
/// the caller.
async fn single_asset(
    state: &AppState,
    ctx: &AuthContext,
    asset: &AssetRecord,
) -> ApiResult<AssetResponseDto> {
    let mut body = dto::asset(asset);
    if let Some(stack) = state.domain.stack_of(asset.id).await? {
        body.stack = Some(dto::asset_stack(&stack));
    }
    let tags = state.domain.tags_of_asset(asset.id).await?;
    body.tags = Some(tags.iter().map(dto::tag).collect());
    let people = state.domain.people_of_asset(asset.id).await?;
    body.people = Some(
        people
            .iter()
            .map(|p| serde_json::to_value(dto::person(p)).unwrap_or_default())
            .collect(),
    );
    if asset.owner_id != ctx.user_id() {
        let owner = state.domain.get_user(asset.owner_id, true).await?;
        body.owner = Some(dto::user(&owner));
    }
    Ok(body)
}

/// The fields single and bulk updates share, in the domain's terms.
macro_rules! asset_changes {
    ($body:expr) => {
        AssetChanges {
            is_favorite: $body.is_favorite,
            visibility: $body.visibility.map(|v| v.as_str().to_string()),
            description: $body.description,
            date_time_original: $body.date_time_original,
            latitude: $body.latitude,
            longitude: $body.longitude,
            rating: $body.rating.map(|r| r.map(i64::from)),
        }
    };
}

async fn update_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateAssetDto>,
) -> ApiResult<Json<AssetResponseDto>> {
    let ctx = auth.require(Permission::AssetUpdate)?;
    state
        .domain
        .update_assets(ctx, &[id], &asset_changes!(body))
        .await?;
    let asset = state.domain.get_asset(ctx, id, "asset.read").await?;
    Ok(Json(single_asset(&state, ctx, &asset).await?))
}

async fn update_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(mut body): ApiJson<AssetBulkUpdateDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::AssetUpdate)?;
    let ids = std::mem::take(&mut body.ids);
    state
        .domain
        .update_assets(ctx, &ids, &asset_changes!(body))
        .await?;
    if let Some(duplicate_id) = body.duplicate_id {
        state
            .domain
            .set_duplicate_group(ctx, &ids, duplicate_id)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<AssetBulkDeleteDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::AssetDelete)?;
    state
        .domain
        .delete_assets(ctx, &body.ids, body.force.unwrap_or(false))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct StatisticsQuery {
    #[serde(default)]
    is_favorite: Option<bool>,
    #[serde(default)]
    is_trashed: Option<bool>,
    #[serde(default)]
    visibility: Option<AssetVisibility>,
}

async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<StatisticsQuery>,
) -> ApiResult<Json<AssetStatsResponseDto>> {
    let ctx = auth.require(Permission::AssetStatistics)?;
    let filter = AssetStatsFilter {
        visibility: q.visibility.map(|v| v.as_str().to_string()),
        is_favorite: q.is_favorite,
        is_trashed: q.is_trashed,
    };
    let stats = state.domain.asset_statistics(ctx, &filter).await?;
    Ok(Json(AssetStatsResponseDto {
        images: stats.images,
        videos: stats.videos,
        total: stats.images + stats.videos,
    }))
}

/// The original bytes, with HTTP Range and conditional requests.
async fn download_original(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiPath(id): ApiPath<Uuid>,
    request: Request,
) -> ApiResult<Response> {
    let ctx = auth.require(Permission::AssetDownload)?;
    let asset = state.domain.get_asset(ctx, id, "asset.download").await?;
    let path = state
        .domain
        .storage
        .original_abs(&asset.original_path)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let mime = shoebox_media::mime_type_for(&asset.original_file_name);
    serve_file(&path, mime, request, "original").await
}

/// A video for playing: the transcoded copy when one was made, otherwise the original,
/// with HTTP Range so players can seek.
async fn play_video(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiPath(id): ApiPath<Uuid>,
    request: Request,
) -> ApiResult<Response> {
    let ctx = auth.require(Permission::AssetView)?;
    let asset = state.domain.get_asset(ctx, id, "asset.view").await?;
    if asset.kind != AssetKind::Video {
        return Err(ApiError::bad_request("Asset is not a video"));
    }
    let encoded = state
        .domain
        .generated_file(ctx, id, shoebox_domain::processing::video::ENCODED_VIDEO)
        .await?;
    let internal =
        |e: std::io::Error| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    match encoded {
        Some((_, path)) => serve_file(&path, "video/mp4", request, "encoded video").await,
        None => {
            let path = state
                .domain
                .storage
                .original_abs(&asset.original_path)
                .map_err(internal)?;
            let mime = shoebox_media::mime_type_for(&asset.original_file_name);
            serve_file(&path, mime, request, "original").await
        }
    }
}

/// Streams a stored file with Range and conditional-request support. A file the database
/// knows but the disk lacks is a server fault, not a 404 for the client.
async fn serve_file(
    path: &std::path::Path,
    mime: &str,
    request: Request,
    what: &str,
) -> ApiResult<Response> {
    let service = tower_http::services::ServeFile::new_with_mime(
        path,
        &mime.parse().expect("known MIME types parse"),
    );
    let mut response = service
        .oneshot(request)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map(axum::body::Body::new);
    if response.status() == StatusCode::NOT_FOUND {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{what} file is missing from storage"),
        ));
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400, no-transform"),
    );
    Ok(response)
}

/// Runs one kind of processing again for the caller's assets.
async fn run_jobs(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<AssetJobsDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::JobCreate)?;
    state
        .domain
        .require_owned(ctx, &body.asset_ids, "asset.update")
        .await?;
    match body.name {
        AssetJobName::RefreshMetadata => {
            state
                .domain
                .queue_metadata_extraction(&body.asset_ids)
                .await?
        }
        AssetJobName::RegenerateThumbnail => {
            state
                .domain
                .queue_thumbnail_generation(&body.asset_ids)
                .await?
        }
        AssetJobName::TranscodeVideo => {
            state.domain.queue_video_conversion(&body.asset_ids).await?
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "{} is not available yet",
                other.as_str()
            )));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, Default)]
struct ThumbnailQuery {
    #[serde(default)]
    size: Option<AssetMediaSize>,
}

/// Immich's caching for renditions: private, a day fresh, long stale allowances.
const RENDITION_CACHE: &str =
    "private, max-age=86400, no-transform, stale-while-revalidate=2592000, stale-if-error=2592000";

/// Image formats every current browser displays.
fn is_web_image(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    [".avif", ".gif", ".jpeg", ".jpg", ".png", ".webp"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// A preview or thumbnail, with an ETag so clients revalidate cheaply.
async fn view_thumbnail(
    State(state): State<AppState>,
    SharedAuth(auth): SharedAuth,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ThumbnailQuery>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let ctx = auth.require(Permission::AssetView)?;
    // Relative; a link's visitor needs their key (or slug) on the original too.
    let credential: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k == "key" || k == "slug")
        .collect();
    let original = match serde_urlencoded::to_string(&credential) {
        Ok(query) if !query.is_empty() => format!("original?{query}"),
        _ => "original".to_string(),
    };
    let kind = match q.size.unwrap_or(AssetMediaSize::Thumbnail) {
        AssetMediaSize::Thumbnail => shoebox_domain::processing::thumbnails::THUMBNAIL,
        AssetMediaSize::Preview => shoebox_domain::processing::thumbnails::PREVIEW,
        // Without a separate full-size rendition (Immich's default), a browser gets the
        // original when it can show it and the preview when it cannot (HEIC, RAW, TIFF).
        AssetMediaSize::Fullsize => {
            let asset = state.domain.get_asset(ctx, id, "asset.view").await?;
            if asset.kind == AssetKind::Image && !is_web_image(&asset.original_file_name) {
                shoebox_domain::processing::thumbnails::PREVIEW
            } else {
                return Ok((StatusCode::FOUND, [(header::LOCATION, original)]).into_response());
            }
        }
        _ => {
            state.domain.get_asset(ctx, id, "asset.view").await?;
            return Ok((StatusCode::FOUND, [(header::LOCATION, original)]).into_response());
        }
    };
    let (file, path) = state
        .domain
        .generated_file(ctx, id, kind)
        .await?
        .ok_or_else(|| ApiError::not_found("Asset media not found"))?;
    let etag = format!("\"{id}-{kind}-{}\"", file.updated_at.timestamp_millis());
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let content_type = if kind == shoebox_domain::processing::thumbnails::PREVIEW {
        "image/jpeg"
    } else {
        "image/webp"
    };
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, RENDITION_CACHE.to_string()),
        (header::CONTENT_TYPE, content_type.to_string()),
    ];
    if cached {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::not_found("Asset media not found"))?;
    Ok((StatusCode::OK, common, bytes).into_response())
}
