//! Face detection with SCRFD (InsightFace's detector; Immich's `buffalo_*/detection` and the
//! model in the PyPI `scrfd` package share its output format): three strides (8, 16, 32), each
//! with a score, a box (distances from the anchor centre) and five landmarks per anchor.

use ort::session::Session;

use crate::faces::{BoundingBox, Landmarks};
use crate::image::{letterbox, planar_normalised};
use crate::runtime::{MlError, MlResult, ModelInfo, run_single, tensor};

/// The square the detector sees; Immich runs SCRFD at 640×640.
pub const INPUT_SIZE: usize = 640;
const STRIDES: [usize; 3] = [8, 16, 32];
/// Overlap above which the weaker of two boxes is the same face (InsightFace's 0.4).
const NMS_THRESHOLD: f32 = 0.4;

/// A face the detector found, in the input image's pixel coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub bbox: BoundingBox,
    pub score: f32,
    pub landmarks: Landmarks,
}

/// Finds the faces scoring at least `min_score` in an RGB image.
pub fn detect(
    session: &mut Session,
    info: &ModelInfo,
    rgb: &[u8],
    width: usize,
    height: usize,
    min_score: f32,
) -> MlResult<Vec<Detection>> {
    if info.outputs.len() != 3 * STRIDES.len() {
        return Err(layout(
            info,
            format!(
                "{} outputs, SCRFD has 9 (scores, boxes, landmarks per stride)",
                info.outputs.len()
            ),
        ));
    }
    let (canvas, scale) = letterbox(rgb, width, height, INPUT_SIZE);
    let input = tensor(
        &[1, 3, INPUT_SIZE, INPUT_SIZE],
        planar_normalised(&canvas, 127.5, 128.0),
    )?;
    let outputs = run_single(session, info, input)?;
    let mut found = Vec::new();
    for (level, stride) in STRIDES.iter().enumerate() {
        let cells = (INPUT_SIZE / stride) * (INPUT_SIZE / stride);
        let scores = &outputs[level].1;
        let boxes = &outputs[level + STRIDES.len()].1;
        let points = &outputs[level + 2 * STRIDES.len()].1;
        let anchors = scores.len() / cells;
        if anchors == 0
            || scores.len() != cells * anchors
            || boxes.len() != scores.len() * 4
            || points.len() != scores.len() * 10
        {
            return Err(layout(
                info,
                format!("stride {stride} outputs do not match"),
            ));
        }
        let side = INPUT_SIZE / stride;
        for (i, &score) in scores.iter().enumerate() {
            if score < min_score {
                continue;
            }
            let cell = i / anchors;
            let cx = ((cell % side) * stride) as f32;
            let cy = ((cell / side) * stride) as f32;
            let s = *stride as f32;
            let d = &boxes[i * 4..i * 4 + 4];
            let bbox = BoundingBox {
                x1: (cx - d[0] * s) / scale,
                y1: (cy - d[1] * s) / scale,
                x2: (cx + d[2] * s) / scale,
                y2: (cy + d[3] * s) / scale,
            };
            let p = &points[i * 10..i * 10 + 10];
            let landmarks = std::array::from_fn(|k| {
                [(cx + p[2 * k] * s) / scale, (cy + p[2 * k + 1] * s) / scale]
            });
            found.push(Detection {
                bbox,
                score,
                landmarks,
            });
        }
    }
    Ok(non_maximum_suppression(found, NMS_THRESHOLD))
}

fn layout(info: &ModelInfo, message: String) -> MlError {
    MlError::ModelLayout {
        path: info.path.clone(),
        message,
    }
}

/// Keeps the best-scoring box of every group overlapping by more than `threshold` (IoU),
/// strongest first.
pub fn non_maximum_suppression(mut found: Vec<Detection>, threshold: f32) -> Vec<Detection> {
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    for candidate in found {
        if kept
            .iter()
            .all(|k| k.bbox.iou(&candidate.bbox) <= threshold)
        {
            kept.push(candidate);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, score: f32) -> Detection {
        Detection {
            bbox: BoundingBox {
                x1: x,
                y1: 0.0,
                x2: x + 10.0,
                y2: 10.0,
            },
            score,
            landmarks: [[0.0; 2]; 5],
        }
    }

    #[test]
    fn overlapping_boxes_keep_only_the_strongest() {
        let kept =
            non_maximum_suppression(vec![face(0.0, 0.8), face(1.0, 0.9), face(50.0, 0.75)], 0.4);
        let scores: Vec<f32> = kept.iter().map(|d| d.score).collect();
        assert_eq!(scores, vec![0.9, 0.75]);
    }
}
