//! What the runtime needs to know: where ONNX Runtime and the models are, which execution
//! providers to try, and when idle models leave memory.

use std::path::PathBuf;
use std::time::Duration;

/// An ONNX Runtime execution provider, by the name an operator writes in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cpu,
    Cuda,
    OpenVino,
    Rocm,
}

impl Provider {
    pub fn parse(name: &str) -> Option<Provider> {
        match name.trim().to_ascii_lowercase().as_str() {
            "cpu" => Some(Provider::Cpu),
            "cuda" => Some(Provider::Cuda),
            "openvino" => Some(Provider::OpenVino),
            "rocm" => Some(Provider::Rocm),
            _ => None,
        }
    }

    /// A comma-separated list, in order of preference; unknown names are an error.
    pub fn parse_list(list: &str) -> Result<Vec<Provider>, String> {
        list.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| Provider::parse(s).ok_or_else(|| format!("unknown execution provider {s:?}")))
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct MlConfig {
    /// `libonnxruntime.so`; `None` leaves machine learning off.
    pub library: Option<PathBuf>,
    /// Models in Immich's layout: `<dir>/<model name>/<detection|recognition|visual|textual>/model.onnx`.
    pub models_dir: PathBuf,
    /// Tried in order; the CPU provider is always the last resort.
    pub providers: Vec<Provider>,
    /// A loaded model is dropped after this long unused (Immich's `MACHINE_LEARNING_MODEL_TTL`).
    pub idle_unload: Duration,
    /// Where missing models come from (`<hub>/immich-app/<name>/…`); `None`: no downloads.
    pub hub_url: Option<String>,
    /// Threads ONNX Runtime uses inside one model run; 0 lets it choose.
    pub intra_threads: usize,
}

/// Hugging Face, where Immich publishes its models.
pub const DEFAULT_HUB_URL: &str = "https://huggingface.co";

/// Immich's default face model.
pub const DEFAULT_FACE_MODEL: &str = "buffalo_l";

impl MlConfig {
    pub fn new(library: Option<PathBuf>, models_dir: impl Into<PathBuf>) -> Self {
        Self {
            library,
            models_dir: models_dir.into(),
            providers: vec![Provider::Cpu],
            idle_unload: Duration::from_secs(300),
            hub_url: Some(DEFAULT_HUB_URL.into()),
            intra_threads: 0,
        }
    }
}
