//! Text read in an asset: `GET /assets/{id}/ocr`.

use serde::{Deserialize, Serialize};

/// One line of text and its box: corners in fractions (0–1) of the picture, clockwise from
/// the top left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetOcrResponseDto {
    pub id: String,
    pub asset_id: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    pub x3: f64,
    pub y3: f64,
    pub x4: f64,
    pub y4: f64,
    /// How sure the detector is that the box holds text.
    pub box_score: f64,
    /// How sure the recogniser is of the text.
    pub text_score: f64,
    pub text: String,
}
