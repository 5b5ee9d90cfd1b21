//! The `clip` task of `shoebox ml`'s `/predict`: an image (`visual`) or a text (`textual`)
//! embedded by the named model, answered as Immich's service does, `{"clip": "<JSON array>"}`
//! (with the image's size for images).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use shoebox_ml::protocol::{self, ClipRequest};
use shoebox_ml::{MachineLearning, clip};

use crate::ml_service::{detail, ml_error};

pub(crate) async fn predict(
    ml: &dyn MachineLearning,
    request: ClipRequest,
    image: Option<Vec<u8>>,
    text: Option<String>,
) -> Response {
    match request {
        ClipRequest::Visual { model } => {
            let Some(image) = image else {
                return detail(StatusCode::BAD_REQUEST, "clip visual needs an image");
            };
            // Immich's service answers every image request with the image's size.
            let bytes = image.clone();
            let size = tokio::task::spawn_blocking(move || {
                shoebox_ml::image::decode(&bytes).map(|i| (i.width, i.height))
            })
            .await;
            let (width, height) = match size {
                Ok(Ok(size)) => size,
                Ok(Err(e)) => return ml_error(e),
                Err(e) => {
                    return detail(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("decode crashed: {e}"),
                    );
                }
            };
            match ml.encode_image(image, &model).await {
                Ok(embedding) => Json(json!({
                    protocol::TASK_CLIP: protocol::clip_json(&embedding),
                    "imageWidth": width,
                    "imageHeight": height,
                }))
                .into_response(),
                Err(e) => ml_error(e),
            }
        }
        ClipRequest::Textual { model, language } => {
            let Some(text) = text else {
                return detail(StatusCode::BAD_REQUEST, "clip textual needs a text");
            };
            if text.chars().count() > clip::MAX_QUERY_CHARS {
                return detail(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("text is longer than {} characters", clip::MAX_QUERY_CHARS),
                );
            }
            match ml.encode_text(&text, &model, language.as_deref()).await {
                Ok(embedding) => {
                    Json(json!({ protocol::TASK_CLIP: protocol::clip_json(&embedding) }))
                        .into_response()
                }
                Err(e) => ml_error(e),
            }
        }
    }
}
