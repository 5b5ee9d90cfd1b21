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
    const TASKS: [&str; 3] = [
        protocol::TASK_FACIAL_RECOGNITION,
        protocol::TASK_OCR,
        protocol::TASK_CLIP,
    ];
    if let Some(task) = entries.keys().find(|t| !TASKS.contains(&t.as_str())) {
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
    let (faces, ocr) = match (
        protocol::face_request(&entries),
        protocol::ocr_request(&entries),
    ) {
        (Ok(faces), Ok(ocr)) => (faces, ocr),
        (Err(e), _) | (_, Err(e)) => return ml_error(e),
    };
    let Some(image) = image else {
        return detail(
            StatusCode::BAD_REQUEST,
            "facial recognition and OCR need an image",
        );
    };
    // Each task answers under its own key, beside the picture's size.
    let mut body = serde_json::Map::new();
    if let Some(request) = faces {
        match ml.detect_faces(image.clone(), &request).await {
            Ok(analysis) => merge(&mut body, protocol::face_response(&analysis)),
            Err(e) => return ml_error(e),
        }
    }
    if let Some(request) = ocr {
        match ml.ocr(image, &request).await {
            Ok(analysis) => merge(&mut body, protocol::ocr_response(&analysis)),
            Err(e) => return ml_error(e),
        }
    }
    Json(serde_json::Value::Object(body)).into_response()
}

fn merge(body: &mut serde_json::Map<String, serde_json::Value>, part: serde_json::Value) {
    if let serde_json::Value::Object(part) = part {
        body.extend(part);
    }
}
