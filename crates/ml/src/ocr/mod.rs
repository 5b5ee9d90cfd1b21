//! Text in pictures, as Immich's machine learning reads it: PP-OCR's DB detector finds the
//! text lines ([`detect`], [`db`]), each line is cut out upright ([`crop`]) and read by the
//! CTC recogniser ([`recognize`]). Models in Immich's layout under one pack name:
//! `<pack>/detection/model.onnx`, `<pack>/recognition/model.onnx` (its characters in the
//! model's `character` metadata or `<pack>/recognition/charset.txt`).

pub mod crop;
pub mod db;
pub mod detect;
pub mod geometry;
pub mod recognize;

use shoebox_media::thumbnails::RgbImage;

use crate::runtime::{MlError, MlResult, Runtime};

/// Four corners (x, y), clockwise from the top left.
pub type Quad = [[f32; 2]; 4];

/// Pictures narrower or lower than this have no text (Immich's rule).
pub const MIN_IMAGE_SIDE: usize = 32;

/// The largest `max_resolution` accepted: beyond it the detector's input alone would take
/// gigabytes (Immich sets no bound; its default is 736).
pub const MAX_RESOLUTION_LIMIT: u32 = 4096;

/// Which models to run and how sure each must be.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrRequest {
    pub detection_model: String,
    pub recognition_model: String,
    /// A text box's mean probability must reach this.
    pub min_detection_score: f32,
    /// A line's text is kept when its score is above this.
    pub min_recognition_score: f32,
    /// The detector sees the picture with its shorter side at this many pixels.
    pub max_resolution: u32,
}

impl OcrRequest {
    /// Detection and recognition from the same model pack, as Immich's configuration names it.
    pub fn for_model(
        name: &str,
        min_detection_score: f32,
        min_recognition_score: f32,
        max_resolution: u32,
    ) -> Self {
        Self {
            detection_model: name.to_string(),
            recognition_model: name.to_string(),
            min_detection_score,
            min_recognition_score,
            max_resolution,
        }
    }
}

/// One line of text: where it is and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// In fractions (0–1) of the picture's width and height.
    pub corners: Quad,
    pub box_score: f32,
    pub text: String,
    pub text_score: f32,
}

/// Every line read in one picture, with the size of the picture.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrAnalysis {
    pub image_width: u32,
    pub image_height: u32,
    pub lines: Vec<TextLine>,
}

/// Finds and reads the text of `image`. Blocking.
pub fn analyze(runtime: &Runtime, image: &RgbImage, request: &OcrRequest) -> MlResult<OcrAnalysis> {
    if !(1..=MAX_RESOLUTION_LIMIT).contains(&request.max_resolution) {
        return Err(MlError::BadRequest(format!(
            "maxResolution must be a whole number from 1 to {MAX_RESOLUTION_LIMIT}"
        )));
    }
    let (w, h) = (image.width as usize, image.height as usize);
    let detection = runtime.model_path(&request.detection_model, "detection");
    let boxes = runtime.with_session(&detection, |session, info| {
        detect::detect(
            session,
            info,
            &image.data,
            w,
            h,
            request.max_resolution,
            request.min_detection_score,
        )
    })?;
    let mut lines = Vec::new();
    if !boxes.is_empty() {
        let (boxes, crops): (Vec<_>, Vec<_>) = boxes
            .into_iter()
            .filter_map(|b| crop::crop_text(&image.data, w, h, &b.corners).map(|c| (b, c)))
            .unzip();
        let recognition = runtime.model_path(&request.recognition_model, "recognition");
        let read = runtime.with_session(&recognition, |session, info| {
            let charset = recognize::charset_of(session, info)?;
            recognize::read(session, info, &charset, &crops)
        })?;
        for (b, (text, text_score)) in boxes.into_iter().zip(read) {
            if text_score > request.min_recognition_score {
                lines.push(TextLine {
                    corners: b.corners.map(|[x, y]| [x / w as f32, y / h as f32]),
                    box_score: b.score,
                    text,
                    text_score,
                });
            }
        }
    }
    Ok(OcrAnalysis {
        image_width: image.width,
        image_height: image.height,
        lines,
    })
}
