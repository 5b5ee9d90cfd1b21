//! Faces: SCRFD detection, alignment to ArcFace's reference points, recognition into
//! L2-normalised embeddings.

pub mod align;
pub mod detect;
pub mod recognize;

use serde::{Deserialize, Serialize};
use shoebox_media::thumbnails::RgbImage;

use crate::runtime::{MlResult, Runtime};

/// Eyes, nose tip, mouth corners, as (x, y) pixels.
pub type Landmarks = [[f32; 2]; 5];

/// A box in pixels of the analysed image: (x1, y1) top left, (x2, y2) bottom right.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
}

impl BoundingBox {
    pub fn area(&self) -> f32 {
        (self.x2 - self.x1).max(0.0) * (self.y2 - self.y1).max(0.0)
    }

    /// Intersection over union.
    pub fn iou(&self, other: &BoundingBox) -> f32 {
        let w = (self.x2.min(other.x2) - self.x1.max(other.x1)).max(0.0);
        let h = (self.y2.min(other.y2) - self.y1.max(other.y1)).max(0.0);
        let inter = w * h;
        let union = self.area() + other.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// One face: where it is, how sure the detector is, and its identity vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    pub bbox: BoundingBox,
    pub score: f32,
    /// Not part of Immich's protocol: `None` from a remote service.
    pub landmarks: Option<Landmarks>,
    pub embedding: Vec<f32>,
}

/// Every face of one image, with the size of the image the boxes refer to.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceAnalysis {
    pub image_width: u32,
    pub image_height: u32,
    pub faces: Vec<Face>,
}

/// Which models to run and how sure detection must be.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceRequest {
    pub detection_model: String,
    pub recognition_model: String,
    pub min_score: f32,
}

impl FaceRequest {
    /// Detection and recognition from the same model pack, as Immich's configuration names it.
    pub fn for_model(name: &str, min_score: f32) -> Self {
        Self {
            detection_model: name.to_string(),
            recognition_model: name.to_string(),
            min_score,
        }
    }
}

/// Detects the faces of `image` and embeds each. Blocking.
pub fn analyze(
    runtime: &Runtime,
    image: &RgbImage,
    request: &FaceRequest,
) -> MlResult<FaceAnalysis> {
    let (w, h) = (image.width as usize, image.height as usize);
    let detection = runtime.model_path(&request.detection_model, "detection");
    let found = runtime.with_session(&detection, |session, info| {
        detect::detect(session, info, &image.data, w, h, request.min_score)
    })?;
    let embeddings = if found.is_empty() {
        Vec::new()
    } else {
        let crops: Vec<Vec<u8>> = found
            .iter()
            .map(|d| align::aligned_crop(&image.data, w, h, &d.landmarks))
            .collect();
        let recognition = runtime.model_path(&request.recognition_model, "recognition");
        runtime.with_session(&recognition, |session, info| {
            recognize::embed(session, info, &crops)
        })?
    };
    Ok(FaceAnalysis {
        image_width: image.width,
        image_height: image.height,
        faces: found
            .into_iter()
            .zip(embeddings)
            .map(|(d, embedding)| Face {
                bbox: d.bbox,
                score: d.score,
                landmarks: Some(d.landmarks),
                embedding,
            })
            .collect(),
    })
}
