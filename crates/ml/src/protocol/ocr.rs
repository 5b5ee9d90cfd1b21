//! The `ocr` task of Immich's protocol. The request names the model twice (`detection` with
//! `minScore` and `maxResolution`, `recognition` with `minScore`); the answer holds parallel
//! lists — `text`, `textScore`, `boxScore`, and `box` with eight numbers per line (the four
//! corners x1, y1 … x4, y4 in fractions of the picture, clockwise from the top left).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Entries, TASK_OCR, TYPE_DETECTION, TYPE_RECOGNITION};
use crate::ocr::{MAX_RESOLUTION_LIMIT, OcrAnalysis, OcrRequest, TextLine};
use crate::runtime::{MlError, MlResult};

/// Immich's machine-learning defaults when a request leaves an option out.
const DEFAULT_MIN_DETECTION_SCORE: f64 = 0.5;
const DEFAULT_MIN_RECOGNITION_SCORE: f64 = 0.9;
const DEFAULT_MAX_RESOLUTION: u64 = 736;

/// The `entries` an OCR request sends.
pub fn ocr_entries(request: &OcrRequest) -> String {
    json!({
        TASK_OCR: {
            TYPE_DETECTION: {
                "modelName": request.detection_model,
                "options": {
                    "minScore": request.min_detection_score,
                    "maxResolution": request.max_resolution,
                },
            },
            TYPE_RECOGNITION: {
                "modelName": request.recognition_model,
                "options": { "minScore": request.min_recognition_score },
            },
        }
    })
    .to_string()
}

fn score(options: &serde_json::Map<String, Value>, default: f64) -> MlResult<f32> {
    let value = match options.get("minScore") {
        None | Some(Value::Null) => default,
        Some(v) => v
            .as_f64()
            .ok_or_else(|| MlError::BadRequest("minScore must be a number".into()))?,
    };
    if !(0.0..=1.0).contains(&value) {
        return Err(MlError::BadRequest(
            "minScore must be between 0 and 1".into(),
        ));
    }
    Ok(value as f32)
}

/// The OCR request in `entries`, if it has one. Recognition reads what detection found, so
/// both must be named.
pub fn ocr_request(entries: &Entries) -> MlResult<Option<OcrRequest>> {
    let Some(models) = entries.get(TASK_OCR) else {
        return Ok(None);
    };
    let model = |kind: &str| {
        models.get(kind).ok_or_else(|| {
            MlError::BadRequest(format!(
                "Task {TASK_OCR} of type {TYPE_RECOGNITION} depends on output of {TYPE_DETECTION}"
            ))
        })
    };
    let detection = model(TYPE_DETECTION)?;
    let recognition = model(TYPE_RECOGNITION)?;
    let max_resolution = match detection.options.get("maxResolution") {
        None | Some(Value::Null) => DEFAULT_MAX_RESOLUTION,
        Some(v) => v
            .as_u64()
            .filter(|r| (1..=u64::from(MAX_RESOLUTION_LIMIT)).contains(r))
            .ok_or_else(|| {
                MlError::BadRequest(format!(
                    "maxResolution must be a whole number from 1 to {MAX_RESOLUTION_LIMIT}"
                ))
            })?,
    };
    Ok(Some(OcrRequest {
        detection_model: detection.model_name.clone(),
        recognition_model: recognition.model_name.clone(),
        min_detection_score: score(&detection.options, DEFAULT_MIN_DETECTION_SCORE)?,
        min_recognition_score: score(&recognition.options, DEFAULT_MIN_RECOGNITION_SCORE)?,
        max_resolution: max_resolution as u32,
    }))
}

/// The `ocr` part of a response, without the picture's size.
pub fn ocr_json(analysis: &OcrAnalysis) -> Value {
    let lines = &analysis.lines;
    json!({
        "text": lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        "box": lines.iter().flat_map(|l| l.corners.iter().flatten().copied()).collect::<Vec<f32>>(),
        "boxScore": lines.iter().map(|l| l.box_score).collect::<Vec<_>>(),
        "textScore": lines.iter().map(|l| l.text_score).collect::<Vec<_>>(),
    })
}

/// A whole response to an OCR request.
pub fn ocr_response(analysis: &OcrAnalysis) -> Value {
    json!({
        TASK_OCR: ocr_json(analysis),
        "imageWidth": analysis.image_width,
        "imageHeight": analysis.image_height,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOcr {
    text: Vec<String>,
    #[serde(rename = "box")]
    corners: Vec<f32>,
    box_score: Vec<f32>,
    text_score: Vec<f32>,
}

/// Reads an OCR response; lists of different lengths, coordinates outside the picture or
/// scores outside 0–1 are garbage, never a partial answer.
pub fn parse_ocr_response(body: &Value) -> MlResult<OcrAnalysis> {
    let garbage = |what: &str| MlError::Remote(format!("malformed response: {what}"));
    let size = |key: &str| {
        body.get(key)
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| garbage(key))
    };
    let wire: WireOcr = serde_json::from_value(
        body.get(TASK_OCR)
            .cloned()
            .ok_or_else(|| garbage(TASK_OCR))?,
    )
    .map_err(|e| garbage(&e.to_string()))?;
    let n = wire.text.len();
    if wire.corners.len() != n * 8 || wire.box_score.len() != n || wire.text_score.len() != n {
        return Err(garbage("ocr lists of different lengths"));
    }
    // A little slack: a remote service may round a corner just past the edge.
    let fraction = |v: &f32| v.is_finite() && (-0.01..=1.01).contains(v);
    if !wire.corners.iter().all(fraction)
        || !wire.box_score.iter().chain(&wire.text_score).all(fraction)
    {
        return Err(garbage("ocr box or score out of range"));
    }
    let lines = (0..n)
        .map(|i| {
            let c = &wire.corners[i * 8..i * 8 + 8];
            TextLine {
                corners: std::array::from_fn(|k| {
                    [c[2 * k].clamp(0.0, 1.0), c[2 * k + 1].clamp(0.0, 1.0)]
                }),
                box_score: wire.box_score[i],
                text: wire.text[i].clone(),
                text_score: wire.text_score[i],
            }
        })
        .collect();
    Ok(OcrAnalysis {
        image_width: size("imageWidth")?,
        image_height: size("imageHeight")?,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::parse_entries;

    #[test]
    fn ocr_request_round_trips_through_entries() {
        let request = OcrRequest::for_model("PP-OCRv5_mobile", 0.5, 0.8, 736);
        let entries = parse_entries(&ocr_entries(&request)).unwrap();
        assert_eq!(ocr_request(&entries).unwrap(), Some(request));
    }

    #[test]
    fn missing_options_take_immichs_defaults() {
        let entries = parse_entries(
            r#"{"ocr":{"detection":{"modelName":"m"},"recognition":{"modelName":"m"}}}"#,
        )
        .unwrap();
        let request = ocr_request(&entries).unwrap().unwrap();
        assert_eq!(
            (
                request.min_detection_score,
                request.min_recognition_score,
                request.max_resolution
            ),
            (0.5, 0.9, 736)
        );
    }

    #[test]
    fn bad_ocr_requests_are_refused() {
        for entries in [
            r#"{"ocr":{"recognition":{"modelName":"m"}}}"#,
            r#"{"ocr":{"detection":{"modelName":"m","options":{"minScore":2}},"recognition":{"modelName":"m"}}}"#,
            r#"{"ocr":{"detection":{"modelName":"m","options":{"maxResolution":0}},"recognition":{"modelName":"m"}}}"#,
            r#"{"ocr":{"detection":{"modelName":"m","options":{"maxResolution":100000}},"recognition":{"modelName":"m"}}}"#,
            r#"{"ocr":{"detection":{"modelName":"m"},"recognition":{"modelName":"m","options":{"minScore":"high"}}}}"#,
        ] {
            let entries = parse_entries(entries).unwrap();
            assert!(
                matches!(ocr_request(&entries), Err(MlError::BadRequest(_))),
                "{entries:?}"
            );
        }
    }

    #[test]
    fn ocr_response_round_trips_as_parallel_lists() {
        let analysis = OcrAnalysis {
            image_width: 1440,
            image_height: 1080,
            lines: vec![TextLine {
                corners: [[0.25, 0.5], [0.75, 0.5], [0.75, 0.625], [0.25, 0.625]],
                box_score: 0.875,
                text: "KIRIN".into(),
                text_score: 0.5,
            }],
        };
        let body = ocr_response(&analysis);
        assert_eq!(body["ocr"]["box"].as_array().unwrap().len(), 8);
        assert_eq!(body["ocr"]["text"], json!(["KIRIN"]));
        assert_eq!(parse_ocr_response(&body).unwrap(), analysis);
    }

    #[test]
    fn garbage_ocr_responses_are_errors() {
        let ok = |ocr: Value| json!({"ocr": ocr, "imageWidth": 10, "imageHeight": 10});
        for body in [
            json!({}),
            ok(json!("text")),
            ok(json!({"text": ["a"], "box": [0.1], "boxScore": [0.9], "textScore": [0.9]})),
            ok(
                json!({"text": ["a"], "box": [0,0,1,0,1,1,0,1], "boxScore": [], "textScore": [0.9]}),
            ),
            ok(
                json!({"text": ["a"], "box": [0,0,5,0,1,1,0,1], "boxScore": [0.9], "textScore": [0.9]}),
            ),
            ok(
                json!({"text": ["a"], "box": [0,0,1,0,1,1,0,1], "boxScore": [0.9], "textScore": [7]}),
            ),
            json!({"ocr": {"text": [], "box": [], "boxScore": [], "textScore": []}}),
        ] {
            assert!(parse_ocr_response(&body).is_err(), "{body}");
        }
    }
}
