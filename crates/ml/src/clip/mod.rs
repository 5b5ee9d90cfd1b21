//! CLIP: image and text embeddings in one space, for smart search and duplicate detection.
//! Models in Immich's layout (`<name>/config.json`, `<name>/visual/model.onnx` with
//! `preprocess_cfg.json`, `<name>/textual/model.onnx` with the tokenizer files) and with the
//! input and output names Immich's exporter gives them: `image` [1, 3, S, S] float and `text`
//! [1, context length] int32 (int64 in older exports) in, the embedding the first output.
//! Embeddings are L2-normalised here, so cosine distance is `1 - a·b` whatever the model does.

pub mod preprocess;
pub mod tokenizer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use ort::value::{Tensor, TensorElementType};
use serde_json::Value;
use shoebox_media::thumbnails::RgbImage;

use crate::faces::recognize::l2_normalised;
use crate::runtime::{MlError, MlResult, Runtime};
pub use preprocess::PreprocessConfig;
pub use tokenizer::ClipTokenizer;

pub const VISUAL: &str = "visual";
pub const TEXTUAL: &str = "textual";

/// Immich's default CLIP model.
pub const DEFAULT_CLIP_MODEL: &str = "ViT-B-32__openai";

/// The longest query accepted, in characters: far beyond what fits in CLIP's 77 tokens
/// (the rest is cut off anyway), small enough that tokenizing it costs nothing.
pub const MAX_QUERY_CHARS: usize = 4096;

/// What `config.json` says about the text side.
#[derive(Debug, Clone, PartialEq)]
pub struct TextConfig {
    pub context_length: usize,
    /// open_clip's `clean: canonicalize` (punctuation dropped, lowercase) for some models.
    pub canonicalize: bool,
}

impl TextConfig {
    pub fn read(path: &Path) -> MlResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => MlError::ModelMissing(path.to_path_buf()),
            _ => layout(path, e.to_string()),
        })?;
        let config: Value = serde_json::from_str(&text).map_err(|e| layout(path, e.to_string()))?;
        let text_cfg = &config["text_cfg"];
        if !text_cfg.is_object() {
            return Err(layout(path, "no text_cfg"));
        }
        let context_length = match &text_cfg["context_length"] {
            Value::Null => 77,
            v => v
                .as_u64()
                .filter(|n| (2..=4096).contains(n))
                .ok_or_else(|| layout(path, format!("bad context_length {v}")))?
                as usize,
        };
        Ok(Self {
            context_length,
            canonicalize: text_cfg["tokenizer_kwargs"]["clean"].as_str() == Some("canonicalize"),
        })
    }
}

fn layout(path: &Path, message: impl Into<String>) -> MlError {
    MlError::ModelLayout {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Every file a model's part needs, for "is it ready" and downloads.
pub fn required_files(runtime: &Runtime, model: &str) -> Vec<PathBuf> {
    let dir = runtime.config().models_dir.join(model);
    vec![
        dir.join("config.json"),
        dir.join(VISUAL).join("model.onnx"),
        dir.join(VISUAL).join("preprocess_cfg.json"),
        dir.join(TEXTUAL).join("model.onnx"),
        dir.join(TEXTUAL).join("tokenizer.json"),
    ]
}

/// The image embedding of a decoded image. Blocking.
pub fn encode_image(runtime: &Runtime, image: &RgbImage, model: &str) -> MlResult<Vec<f32>> {
    let path = runtime.model_path(model, VISUAL);
    let config = PreprocessConfig::read(&path.with_file_name("preprocess_cfg.json"))?;
    let body = preprocess::image_tensor(
        &image.data,
        image.width as usize,
        image.height as usize,
        &config,
    );
    let input = Tensor::from_array((vec![1usize, 3, config.size, config.size], body))
        .map_err(|e| MlError::Inference(e.to_string()))?;
    runtime.with_session(&path, |session, info| {
        let name = info
            .inputs
            .first()
            .ok_or_else(|| layout(&info.path, "no input"))?
            .clone();
        let outputs = session
            .run(ort::inputs![name.as_str() => input])
            .map_err(|e| MlError::Inference(e.to_string()))?;
        first_embedding(&outputs, info)
    })
}

/// The text embedding of a query. Blocking.
pub fn encode_text(runtime: &Runtime, text: &str, model: &str) -> MlResult<Vec<f32>> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(MlError::BadRequest(format!(
            "text is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let path = runtime.model_path(model, TEXTUAL);
    let tokenizer = tokenizer_for(runtime, model)?;
    let ids = tokenizer.encode(text);
    runtime.with_session(&path, |session, info| {
        let (name, element) = {
            let input = session
                .inputs()
                .first()
                .ok_or_else(|| layout(&info.path, "no input"))?;
            (input.name().to_string(), input.dtype().tensor_type())
        };
        let shape = vec![1usize, ids.len()];
        let outputs = match element {
            Some(TensorElementType::Int64) => {
                let body: Vec<i64> = ids.iter().map(|&i| i64::from(i)).collect();
                let input = Tensor::from_array((shape, body))
                    .map_err(|e| MlError::Inference(e.to_string()))?;
                session.run(ort::inputs![name.as_str() => input])
            }
            Some(TensorElementType::Int32) => {
                let input = Tensor::from_array((shape, ids.clone()))
                    .map_err(|e| MlError::Inference(e.to_string()))?;
                session.run(ort::inputs![name.as_str() => input])
            }
            other => {
                return Err(layout(
                    &info.path,
                    format!("text input must be int32 or int64, not {other:?}"),
                ));
            }
        }
        .map_err(|e| MlError::Inference(e.to_string()))?;
        first_embedding(&outputs, info)
    })
}

fn first_embedding(
    outputs: &ort::session::SessionOutputs<'_>,
    info: &crate::runtime::ModelInfo,
) -> MlResult<Vec<f32>> {
    let name = info
        .outputs
        .first()
        .ok_or_else(|| layout(&info.path, "no output"))?;
    let (_, values) = outputs[name.as_str()]
        .try_extract_tensor::<f32>()
        .map_err(|e| MlError::Inference(format!("output {name}: {e}")))?;
    if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
        return Err(layout(&info.path, "empty or non-finite embedding"));
    }
    // A batch of one: the first row.
    Ok(l2_normalised(values))
}

/// Tokenizers stay loaded per model folder (the vocabulary takes a moment to read); a
/// changed `tokenizer.json` is read again.
fn tokenizer_for(runtime: &Runtime, model: &str) -> MlResult<Arc<ClipTokenizer>> {
    type Loaded = HashMap<PathBuf, (Option<SystemTime>, Arc<ClipTokenizer>)>;
    static LOADED: Mutex<Option<Loaded>> = Mutex::new(None);
    let dir = runtime.config().models_dir.join(model);
    let textual = dir.join(TEXTUAL);
    let modified = std::fs::metadata(textual.join("tokenizer.json"))
        .and_then(|m| m.modified())
        .ok();
    if let Some((stamp, tokenizer)) = LOADED
        .lock()
        .expect("tokenizers lock")
        .get_or_insert_default()
        .get(&textual)
        && *stamp == modified
    {
        return Ok(tokenizer.clone());
    }
    let text = TextConfig::read(&dir.join("config.json"))?;
    let tokenizer = Arc::new(ClipTokenizer::from_dir(
        &textual,
        text.context_length,
        text.canonicalize,
    )?);
    LOADED
        .lock()
        .expect("tokenizers lock")
        .get_or_insert_default()
        .insert(textual, (modified, tokenizer.clone()));
    Ok(tokenizer)
}
