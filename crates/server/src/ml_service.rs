//! `shoebox ml`: Immich's machine-learning protocol over HTTP, so that a Shoebox or an
//! Immich server can hand its ML work to this process. Errors answer as FastAPI does,
//! `{"detail": "…"}`: 4xx when the request is at fault, 5xx when this service is (a client
//! then tries its next URL).

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use shoebox_ml::{MachineLearning, MlError, protocol};

/// The largest request accepted; Immich's service spools anything up to this size.
const MAX_BODY: usize = 64 << 20;

pub fn ml_router(ml: Arc<dyn MachineLearning>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { Json(json!({ "message": "Immich ML" })) }),
        )
        .route("/ping", get(|| async { "pong" }))
        .route("/predict", post(predict))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(ml)
}

pub(crate) fn detail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "detail": message.into() }))).into_response()
}

pub(crate) fn ml_error(e: MlError) -> Response {
    let status = match e {
        MlError::BadRequest(_) | MlError::Image(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    detail(status, e.to_string())
}

async fn predict(State(ml): State<Arc<dyn MachineLearning>>, mut form: Multipart) -> Response {
    let (mut entries, mut image, mut text) = (None, None, None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return detail(StatusCode::BAD_REQUEST, format!("bad multipart body: {e}")),
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return detail(StatusCode::BAD_REQUEST, format!("bad multipart body: {e}")),
        };
        match name.as_str() {
            "entries" => entries = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "image" => image = Some(bytes.to_vec()),
            "text" => text = Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => {}
        }
    }
    let Some(entries) = entries else {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, "entries is required");
    };
    let entries = match protocol::parse_entries(&entries) {
        Ok(entries) => entries,
        Err(e) => return ml_error(e),
    };
    if image.is_none() && text.is_none() {
        return detail(
            StatusCode::BAD_REQUEST,
            "Either image or text must be provided",
        );
    }
    if let Some(task) = entries.keys().find(|t| {
        t.as_str() != protocol::TASK_FACIAL_RECOGNITION && t.as_str() != protocol::TASK_CLIP
    }) {
        return detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("task {task} is not available on this service"),
        );
    }
    let clip = match protocol::clip_request(&entries) {
        Ok(clip) => clip,
        Err(e) => return ml_error(e),
    };
    if let Some(clip) = clip {
        if entries.len() > 1 {
            return detail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "clip cannot be combined with other tasks here",
            );
        }
        return crate::ml_clip::predict(ml.as_ref(), clip, image, text).await;
    }
    let request = match protocol::face_request(&entries) {
        Ok(Some(request)) => request,
        Ok(None) => return detail(StatusCode::UNPROCESSABLE_ENTITY, "no task requested"),
        Err(e) => return ml_error(e),
    };
    let Some(image) = image else {
        return detail(StatusCode::BAD_REQUEST, "facial recognition needs an image");
    };
    match ml.detect_faces(image, &request).await {
        Ok(analysis) => Json(protocol::face_response(&analysis)).into_response(),
        Err(e) => ml_error(e),
    }
}
