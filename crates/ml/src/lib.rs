//! Machine learning on ONNX Runtime, compatible with Immich's machine-learning service:
//! the same models (Immich's layout and names), the same protocol.
//!
//! - [`runtime`]: ONNX Runtime loaded from a library file, sessions loaded on first use and
//!   unloaded when idle. Every model family (faces now; CLIP, OCR next) runs through it.
//! - [`hub`]: models downloaded by name from Hugging Face.
//! - [`image`]: decoding and the pixel work models need.
//! - [`faces`]: SCRFD detection, alignment, ArcFace-layout recognition.
//! - [`ocr`]: PP-OCR text detection and recognition.
//! - [`clip`]: CLIP image and text embeddings (smart search, duplicates), its tokenizer.
//! - [`protocol`]: the wire format of `POST /predict`.
//! - [`service`]: what the server calls, in-process or over HTTP with failover.

pub mod clip;
pub mod config;
pub mod faces;
pub mod hub;
pub mod image;
pub mod ocr;
pub mod protocol;
pub mod runtime;
pub mod service;

use std::sync::Arc;

pub use config::{MlConfig, Provider};
pub use faces::{BoundingBox, Face, FaceAnalysis, FaceRequest};
pub use ocr::{OcrAnalysis, OcrRequest, TextLine};
pub use runtime::{MlError, MlResult, Runtime};
pub use service::{LocalMl, MachineLearning, RemoteMl};

/// In-process machine learning, or `None` with one log line saying why it is off.
pub fn open_local(config: MlConfig) -> Option<Arc<LocalMl>> {
    match Runtime::open(config) {
        Ok(runtime) => {
            tracing::info!(
                models = %runtime.config().models_dir.display(),
                "machine learning on (ONNX Runtime loaded)"
            );
            Some(Arc::new(LocalMl::new(runtime)))
        }
        Err(e) => {
            tracing::warn!("machine learning is off: {e}");
            None
        }
    }
}
