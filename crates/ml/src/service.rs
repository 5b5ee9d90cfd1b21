//! What the server asks of machine learning, answered in this process ([`LocalMl`], no HTTP
//! hop) or by ML services over Immich's protocol ([`RemoteMl`]: a `shoebox ml` or an Immich
//! machine-learning container), tried in order until one answers.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::faces::{FaceAnalysis, FaceRequest, analyze};
use crate::ocr::{OcrAnalysis, OcrRequest};
use crate::runtime::{MlError, MlResult, Runtime};
use crate::{clip, hub, image, protocol};

#[async_trait]
pub trait MachineLearning: Send + Sync + 'static {
    /// Whether faces can be analysed with this model pack now. In-process, a missing model
    /// starts its download (once) when downloads are allowed, and is ready when it lands.
    fn faces_ready(&self, model: &str) -> bool;

    /// Detects and embeds the faces of an encoded image (JPEG, PNG, WebP, …).
    async fn detect_faces(&self, image: Vec<u8>, request: &FaceRequest) -> MlResult<FaceAnalysis>;

    /// Whether text can be read with this model pack now; in-process, a missing pack starts
    /// its download as for faces.
    fn ocr_ready(&self, model: &str) -> bool;

    /// Finds and reads the text of an encoded image.
    async fn ocr(&self, image: Vec<u8>, request: &OcrRequest) -> MlResult<OcrAnalysis>;

    /// Whether this CLIP model can embed images and text now (in-process: its files are
    /// here, or their download starts once).
    fn clip_ready(&self, model: &str) -> bool;

    /// The CLIP embedding of an encoded image (unit length).
    async fn encode_image(&self, image: Vec<u8>, model: &str) -> MlResult<Vec<f32>>;

    /// The CLIP embedding of a search text (unit length). `language` matters only to
    /// multilingual models; it travels in the request as Immich sends it.
    async fn encode_text(
        &self,
        text: &str,
        model: &str,
        language: Option<&str>,
    ) -> MlResult<Vec<f32>>;
}

/// The parts of a model pack each task needs.
const DETECT_AND_RECOGNIZE: &[&str] = &["detection", "recognition"];

/// Machine learning in this process, on the loaded runtime.
pub struct LocalMl {
    runtime: Arc<Runtime>,
    http: reqwest::Client,
    downloads: Arc<Mutex<HashSet<String>>>,
}

impl LocalMl {
    pub fn new(runtime: Arc<Runtime>) -> Self {
        Self {
            runtime,
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            downloads: Arc::default(),
        }
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    fn model_present(&self, model: &str, parts: &[&str]) -> bool {
        parts
            .iter()
            .all(|part| self.runtime.model_path(model, part).is_file())
    }

    /// Fetches a missing model pack in the background, at most once per model and process;
    /// `feature` names what stays off until it lands.
    fn start_download(&self, model: &str, parts: &'static [&'static str], feature: &'static str) {
        let Some(hub_url) = self.runtime.config().hub_url.clone() else {
            return;
        };
        if !self
            .downloads
            .lock()
            .expect("downloads lock")
            .insert(model.to_string())
        {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let http = self.http.clone();
        let dir = self.runtime.config().models_dir.clone();
        let model = model.to_string();
        tracing::warn!(
            model,
            hub = hub_url,
            "model missing: {feature} is off until it is downloaded"
        );
        handle.spawn(async move {
            match hub::download_model(&http, &hub_url, &dir, &model, parts).await {
                Ok(_) => tracing::info!(model, "model downloaded: {feature} is on"),
                Err(e) => tracing::warn!(model, "{feature} stays off: {e}"),
            }
        });
    }
}

#[async_trait]
impl MachineLearning for LocalMl {
    fn faces_ready(&self, model: &str) -> bool {
        if self.model_present(model, DETECT_AND_RECOGNIZE) {
            return true;
        }
        self.start_download(model, DETECT_AND_RECOGNIZE, "facial recognition");
        false
    }

    async fn detect_faces(&self, bytes: Vec<u8>, request: &FaceRequest) -> MlResult<FaceAnalysis> {
        let runtime = self.runtime.clone();
        let request = request.clone();
        tokio::task::spawn_blocking(move || {
            let decoded = image::decode(&bytes)?;
            analyze(&runtime, &decoded, &request)
        })
        .await
        .map_err(|e| MlError::Inference(format!("face analysis crashed: {e}")))?
    }

    fn ocr_ready(&self, model: &str) -> bool {
        if self.model_present(model, DETECT_AND_RECOGNIZE) {
            return true;
        }
        self.start_download(model, DETECT_AND_RECOGNIZE, "OCR");
        false
    }

    async fn ocr(&self, bytes: Vec<u8>, request: &OcrRequest) -> MlResult<OcrAnalysis> {
        let runtime = self.runtime.clone();
        let request = request.clone();
        tokio::task::spawn_blocking(move || {
            let decoded = image::decode(&bytes)?;
            crate::ocr::analyze(&runtime, &decoded, &request)
        })
        .await
        .map_err(|e| MlError::Inference(format!("text recognition crashed: {e}")))?
    }

    fn clip_ready(&self, model: &str) -> bool {
        if clip::required_files(&self.runtime, model)
            .iter()
            .all(|f| f.is_file())
        {
            return true;
        }
        self.start_download(model, &[clip::VISUAL, clip::TEXTUAL], "smart search");
        false
    }

    async fn encode_image(&self, bytes: Vec<u8>, model: &str) -> MlResult<Vec<f32>> {
        let runtime = self.runtime.clone();
        let model = model.to_string();
        tokio::task::spawn_blocking(move || {
            let decoded = image::decode(&bytes)?;
            clip::encode_image(&runtime, &decoded, &model)
        })
        .await
        .map_err(|e| MlError::Inference(format!("image encoding crashed: {e}")))?
    }

    async fn encode_text(
        &self,
        text: &str,
        model: &str,
        _language: Option<&str>,
    ) -> MlResult<Vec<f32>> {
        let runtime = self.runtime.clone();
        let (text, model) = (text.to_string(), model.to_string());
        tokio::task::spawn_blocking(move || clip::encode_text(&runtime, &text, &model))
            .await
            .map_err(|e| MlError::Inference(format!("text encoding crashed: {e}")))?
    }
}

/// What a predict request carries besides `entries`.
enum PredictInput {
    Image(Vec<u8>),
    Text(String),
}

/// ML services reached over HTTP, tried in the configured order.
pub struct RemoteMl {
    urls: Vec<String>,
    http: reqwest::Client,
}

impl RemoteMl {
    /// `timeout` bounds each request to one service, so one that hangs passes the turn on.
    pub fn new(urls: Vec<String>, timeout: Duration) -> Self {
        Self {
            urls: urls
                .into_iter()
                .map(|u| u.trim_end_matches('/').to_string())
                .collect(),
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(timeout)
                .build()
                .unwrap_or_default(),
        }
    }

    /// Sends one predict request to each service in turn until one answers. A service that
    /// cannot be reached, times out or fails (5xx) passes the turn on; a 4xx answer is about
    /// the request, so it is final.
    async fn predict(&self, entries: String, image: Vec<u8>) -> MlResult<serde_json::Value> {
        self.predict_input(entries, PredictInput::Image(image))
            .await
    }

    async fn predict_input(
        &self,
        entries: String,
        input: PredictInput,
    ) -> MlResult<serde_json::Value> {
        let mut failures = Vec::new();
        for url in &self.urls {
            let form = reqwest::multipart::Form::new().text("entries", entries.clone());
            let form = match &input {
                PredictInput::Image(image) => form.part(
                    "image",
                    reqwest::multipart::Part::bytes(image.clone()).file_name("image"),
                ),
                PredictInput::Text(text) => form.text("text", text.clone()),
            };
            let response = match self
                .http
                .post(format!("{url}/predict"))
                .multipart(form)
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{url}: {e}"));
                    continue;
                }
            };
            let status = response.status();
            if status.is_server_error() {
                failures.push(format!("{url}: HTTP {status}"));
                continue;
            }
            let body: serde_json::Value = match response.json().await {
                Ok(body) => body,
                Err(e) => {
                    failures.push(format!("{url}: unreadable answer: {e}"));
                    continue;
                }
            };
            if status.is_client_error() {
                let detail = body
                    .get("detail")
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                return Err(MlError::BadRequest(format!(
                    "{url}: HTTP {status} {detail}"
                )));
            }
            return Ok(body);
        }
        Err(MlError::Remote(if failures.is_empty() {
            "no machine-learning URL configured".into()
        } else {
            failures.join("; ")
        }))
    }
}

#[async_trait]
impl MachineLearning for RemoteMl {
    fn faces_ready(&self, _model: &str) -> bool {
        !self.urls.is_empty()
    }

    async fn detect_faces(&self, image: Vec<u8>, request: &FaceRequest) -> MlResult<FaceAnalysis> {
        let body = self.predict(protocol::face_entries(request), image).await?;
        protocol::parse_face_response(&body)
    }

    fn ocr_ready(&self, _model: &str) -> bool {
        !self.urls.is_empty()
    }

    async fn ocr(&self, image: Vec<u8>, request: &OcrRequest) -> MlResult<OcrAnalysis> {
        let body = self.predict(protocol::ocr_entries(request), image).await?;
        protocol::parse_ocr_response(&body)
    }

    fn clip_ready(&self, _model: &str) -> bool {
        !self.urls.is_empty()
    }

    async fn encode_image(&self, image: Vec<u8>, model: &str) -> MlResult<Vec<f32>> {
        let body = self
            .predict(protocol::clip_visual_entries(model), image)
            .await?;
        protocol::parse_clip_response(&body)
    }

    async fn encode_text(
        &self,
        text: &str,
        model: &str,
        language: Option<&str>,
    ) -> MlResult<Vec<f32>> {
        let body = self
            .predict_input(
                protocol::clip_textual_entries(model, language),
                PredictInput::Text(text.to_string()),
            )
            .await?;
        protocol::parse_clip_response(&body)
    }
}
