//! Immich's machine-learning protocol: `POST /predict` takes a multipart form with an
//! `entries` JSON field (`{task: {type: {modelName, options}}}`) and an `image` file or a
//! `text` field, and answers an object keyed by task; with an image it adds `imageWidth` and
//! `imageHeight`. Faces come back as `[{boundingBox: {x1, y1, x2, y2}, embedding, score}]`
//! where the embedding is a JSON array written as a string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::faces::{BoundingBox, Face, FaceAnalysis, FaceRequest};
use crate::runtime::{MlError, MlResult};

pub const TASK_FACIAL_RECOGNITION: &str = "facial-recognition";
pub const TASK_CLIP: &str = "clip";
pub const TASK_OCR: &str = "ocr";
pub const TYPE_DETECTION: &str = "detection";
pub const TYPE_RECOGNITION: &str = "recognition";
pub const TYPE_VISUAL: &str = "visual";
pub const TYPE_TEXTUAL: &str = "textual";

mod ocr;
pub use ocr::{ocr_entries, ocr_json, ocr_request, ocr_response, parse_ocr_response};

/// One model of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryModel {
    pub model_name: String,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub options: serde_json::Map<String, Value>,
}

/// The `entries` field: task → model type → model.
pub type Entries = BTreeMap<String, BTreeMap<String, EntryModel>>;

/// The `entries` a face request sends.
pub fn face_entries(request: &FaceRequest) -> String {
    json!({
        TASK_FACIAL_RECOGNITION: {
            TYPE_DETECTION: {
                "modelName": request.detection_model,
                "options": { "minScore": request.min_score },
            },
            TYPE_RECOGNITION: { "modelName": request.recognition_model },
        }
    })
    .to_string()
}

/// Reads the `entries` field; a task this service does not run is a bad request.
pub fn parse_entries(text: &str) -> MlResult<Entries> {
    let entries: Entries = serde_json::from_str(text)
        .map_err(|e| MlError::BadRequest(format!("Invalid request format: {e}")))?;
    if entries.is_empty() {
        return Err(MlError::BadRequest(
            "Invalid request format: no entries".into(),
        ));
    }
    Ok(entries)
}

/// The face request in `entries`, if it has one. Immich runs recognition on detection's
/// output, so both must be named.
pub fn face_request(entries: &Entries) -> MlResult<Option<FaceRequest>> {
    let Some(models) = entries.get(TASK_FACIAL_RECOGNITION) else {
        return Ok(None);
    };
    let model = |kind: &str| {
        models.get(kind).ok_or_else(|| {
            MlError::BadRequest(format!(
                "Task {TASK_FACIAL_RECOGNITION} of type {TYPE_RECOGNITION} depends on output of {TYPE_DETECTION}"
            ))
        })
    };
    let detection = model(TYPE_DETECTION)?;
    let recognition = model(TYPE_RECOGNITION)?;
    let min_score = detection
        .options
        .get("minScore")
        .and_then(Value::as_f64)
        .unwrap_or(0.7);
    if !(0.0..=1.0).contains(&min_score) {
        return Err(MlError::BadRequest(
            "minScore must be between 0 and 1".into(),
        ));
    }
    Ok(Some(FaceRequest {
        detection_model: detection.model_name.clone(),
        recognition_model: recognition.model_name.clone(),
        min_score: min_score as f32,
    }))
}

/// The faces part of a response (`facial-recognition`), without the image size.
pub fn faces_json(analysis: &FaceAnalysis) -> Value {
    Value::Array(
        analysis
            .faces
            .iter()
            .map(|face| {
                json!({
                    "boundingBox": face.bbox,
                    "embedding": serde_json::to_string(&face.embedding).unwrap_or_default(),
                    "score": face.score,
                })
            })
            .collect(),
    )
}

/// A whole response to a face request.
pub fn face_response(analysis: &FaceAnalysis) -> Value {
    json!({
        TASK_FACIAL_RECOGNITION: faces_json(analysis),
        "imageWidth": analysis.image_width,
        "imageHeight": analysis.image_height,
    })
}

/// The `entries` of an image-embedding request.
pub fn clip_visual_entries(model: &str) -> String {
    json!({ TASK_CLIP: { TYPE_VISUAL: { "modelName": model } } }).to_string()
}

/// The `entries` of a text-embedding request; Immich sends the language as an option.
pub fn clip_textual_entries(model: &str, language: Option<&str>) -> String {
    let mut entry = json!({ "modelName": model });
    if let Some(language) = language {
        entry["options"] = json!({ "language": language });
    }
    json!({ TASK_CLIP: { TYPE_TEXTUAL: entry } }).to_string()
}

/// A CLIP request: which side of which model.
#[derive(Debug, Clone, PartialEq)]
pub enum ClipRequest {
    Visual {
        model: String,
    },
    Textual {
        model: String,
        language: Option<String>,
    },
}

/// The CLIP request in `entries`, if it has one (one side per request, as Immich sends).
pub fn clip_request(entries: &Entries) -> MlResult<Option<ClipRequest>> {
    let Some(models) = entries.get(TASK_CLIP) else {
        return Ok(None);
    };
    match (models.get(TYPE_VISUAL), models.get(TYPE_TEXTUAL)) {
        (Some(visual), None) => Ok(Some(ClipRequest::Visual {
            model: visual.model_name.clone(),
        })),
        (None, Some(textual)) => Ok(Some(ClipRequest::Textual {
            model: textual.model_name.clone(),
            language: textual
                .options
                .get("language")
                .and_then(Value::as_str)
                .map(str::to_string),
        })),
        _ => Err(MlError::BadRequest(format!(
            "Task {TASK_CLIP} needs exactly one of {TYPE_VISUAL} or {TYPE_TEXTUAL}"
        ))),
    }
}

/// The `clip` part of a response: the embedding as a JSON array in a string, as Immich's
/// service writes it.
pub fn clip_json(embedding: &[f32]) -> Value {
    Value::String(serde_json::to_string(embedding).unwrap_or_default())
}

/// Reads the embedding of a CLIP response; anything malformed is an error.
pub fn parse_clip_response(body: &Value) -> MlResult<Vec<f32>> {
    let garbage = |what: &str| MlError::Remote(format!("malformed response: {what}"));
    let embedding: Vec<f32> = match body.get(TASK_CLIP) {
        Some(Value::String(s)) => serde_json::from_str(s).map_err(|_| garbage("clip embedding"))?,
        Some(array @ Value::Array(_)) => {
            serde_json::from_value(array.clone()).map_err(|_| garbage("clip embedding"))?
        }
        _ => return Err(garbage(TASK_CLIP)),
    };
    if embedding.is_empty() || embedding.iter().any(|v| !v.is_finite()) {
        return Err(garbage("clip embedding"));
    }
    let norm = embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm == 0.0 {
        return Err(garbage("clip embedding is all zeros"));
    }
    Ok(embedding.iter().map(|v| v / norm).collect())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireFace {
    bounding_box: BoundingBox,
    embedding: Value,
    score: f32,
}

/// Reads a face response; anything malformed is an error, never a partial answer.
pub fn parse_face_response(body: &Value) -> MlResult<FaceAnalysis> {
    let garbage = |what: &str| MlError::Remote(format!("malformed response: {what}"));
    let size = |key: &str| {
        body.get(key)
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| garbage(key))
    };
    let faces: Vec<WireFace> = serde_json::from_value(
        body.get(TASK_FACIAL_RECOGNITION)
            .cloned()
            .ok_or_else(|| garbage(TASK_FACIAL_RECOGNITION))?,
    )
    .map_err(|e| garbage(&e.to_string()))?;
    let faces = faces
        .into_iter()
        .map(|f| {
            // Immich writes the vector as a string holding a JSON array; accept the array too.
            let embedding: Vec<f32> = match f.embedding {
                Value::String(s) => serde_json::from_str(&s).map_err(|_| garbage("embedding"))?,
                other => serde_json::from_value(other).map_err(|_| garbage("embedding"))?,
            };
            if embedding.is_empty() || embedding.iter().any(|v| !v.is_finite()) {
                return Err(garbage("embedding"));
            }
            Ok(Face {
                bbox: f.bounding_box,
                score: f.score,
                landmarks: None,
                embedding,
            })
        })
        .collect::<MlResult<Vec<_>>>()?;
    Ok(FaceAnalysis {
        image_width: size("imageWidth")?,
        image_height: size("imageHeight")?,
        faces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn face_request_round_trips_through_entries() {
        let request = FaceRequest::for_model("buffalo_l", 0.7);
        let entries = parse_entries(&face_entries(&request)).unwrap();
        assert_eq!(face_request(&entries).unwrap(), Some(request));
    }

    #[test]
    fn recognition_without_detection_is_refused() {
        let entries =
            parse_entries(r#"{"facial-recognition":{"recognition":{"modelName":"buffalo_l"}}}"#)
                .unwrap();
        assert!(matches!(
            face_request(&entries),
            Err(MlError::BadRequest(_))
        ));
    }

    #[test]
    fn face_response_round_trips_with_string_embeddings() {
        let analysis = FaceAnalysis {
            image_width: 640,
            image_height: 480,
            faces: vec![Face {
                bbox: BoundingBox {
                    x1: 1.0,
                    y1: 2.0,
                    x2: 30.0,
                    y2: 40.0,
                },
                score: 0.9,
                landmarks: None,
                embedding: vec![0.6, 0.8],
            }],
        };
        let body = face_response(&analysis);
        assert!(body[TASK_FACIAL_RECOGNITION][0]["embedding"].is_string());
        assert_eq!(parse_face_response(&body).unwrap(), analysis);
    }

    #[test]
    fn clip_requests_round_trip_through_entries() {
        let entries = parse_entries(&clip_visual_entries("ViT-B-32__openai")).unwrap();
        assert_eq!(
            clip_request(&entries).unwrap(),
            Some(ClipRequest::Visual {
                model: "ViT-B-32__openai".into()
            })
        );
        let text = clip_textual_entries("ViT-B-32__openai", Some("de"));
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            json!({"clip": {"textual": {"modelName": "ViT-B-32__openai", "options": {"language": "de"}}}})
        );
        assert_eq!(
            clip_request(&parse_entries(&text).unwrap()).unwrap(),
            Some(ClipRequest::Textual {
                model: "ViT-B-32__openai".into(),
                language: Some("de".into())
            })
        );
        let both =
            parse_entries(r#"{"clip":{"visual":{"modelName":"a"},"textual":{"modelName":"a"}}}"#)
                .unwrap();
        assert!(clip_request(&both).is_err());
    }

    #[test]
    fn clip_responses_carry_the_embedding_as_a_string() {
        let body = json!({ TASK_CLIP: clip_json(&[0.6, 0.8]) });
        assert!(body[TASK_CLIP].is_string());
        assert_eq!(parse_clip_response(&body).unwrap(), vec![0.6, 0.8]);
        for garbage in [
            json!({}),
            json!({"clip": "not json"}),
            json!({"clip": "[]"}),
            json!({"clip": "[0, 0]"}),
            json!({"clip": {"x": 1}}),
            json!({"clip": "[1, \"a\"]"}),
        ] {
            assert!(parse_clip_response(&garbage).is_err(), "{garbage}");
        }
    }

    #[test]
    fn garbage_responses_are_errors() {
        for body in [
            json!({}),
            json!({"facial-recognition": "x", "imageWidth": 1, "imageHeight": 1}),
            json!({"facial-recognition": [{"boundingBox": {"x1":0,"y1":0,"x2":1,"y2":1}, "embedding": "[nope", "score": 1}], "imageWidth": 1, "imageHeight": 1}),
        ] {
            assert!(parse_face_response(&body).is_err(), "{body}");
        }
    }
}
