//! ONNX Runtime, loaded from the operator's `libonnxruntime.so`, and the model sessions it
//! runs: each loaded on first use and dropped again after `idle_unload` without use.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use ort::environment::Environment;
use ort::ep::ExecutionProviderDispatch;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

use crate::config::{MlConfig, Provider};

#[derive(Debug, thiserror::Error)]
pub enum MlError {
    #[error("ONNX Runtime is not configured (no library path)")]
    NoLibrary,
    #[error("cannot load ONNX Runtime: {0}")]
    Library(String),
    #[error("model file {0} is missing")]
    ModelMissing(PathBuf),
    #[error("cannot load model {path}: {message}")]
    ModelLoad { path: PathBuf, message: String },
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("model {path} has an unexpected layout: {message}")]
    ModelLayout { path: PathBuf, message: String },
    #[error("cannot decode image: {0}")]
    Image(String),
    #[error("cannot download model {name}: {message}")]
    Download { name: String, message: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("machine learning service: {0}")]
    Remote(String),
}

pub type MlResult<T> = Result<T, MlError>;

/// The inputs and outputs of a loaded model, as the graph declares them.
#[derive(Debug, Clone)]
pub struct ModelInfo {
    pub path: PathBuf,
    pub inputs: Vec<String>,
    /// The first input's dimensions; -1 where any size goes.
    pub input_shape: Vec<i64>,
    pub outputs: Vec<String>,
}

impl ModelInfo {
    /// The model takes exactly one image per run.
    pub fn fixed_batch_of_one(&self) -> bool {
        self.input_shape.first() == Some(&1)
    }
}

struct Slot {
    session: Option<(Session, ModelInfo)>,
    last_used: Instant,
}

/// The loaded ONNX Runtime and the models it has open.
pub struct Runtime {
    config: MlConfig,
    environment: Environment,
    slots: Mutex<HashMap<PathBuf, Arc<Mutex<Slot>>>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Loads ONNX Runtime from the configured library and starts the thread that unloads idle
    /// models. A process loads one library: later calls reuse the first.
    pub fn open(config: MlConfig) -> MlResult<Arc<Runtime>> {
        let library = config.library.clone().ok_or(MlError::NoLibrary)?;
        if !library.is_file() {
            return Err(MlError::Library(format!(
                "{} does not exist",
                library.display()
            )));
        }
        let environment = shared_environment(&library)?;
        let runtime = Arc::new(Runtime {
            config,
            environment,
            slots: Mutex::default(),
        });
        spawn_reaper(Arc::downgrade(&runtime));
        Ok(runtime)
    }

    pub fn config(&self) -> &MlConfig {
        &self.config
    }

    /// `<models dir>/<name>/<part>/model.onnx`, Immich's layout.
    pub fn model_path(&self, name: &str, part: &str) -> PathBuf {
        self.config
            .models_dir
            .join(name)
            .join(part)
            .join("model.onnx")
    }

    /// Runs `f` on the session of the model at `path`, loading it first if needed. Blocking:
    /// call from a thread that may block. Runs of one model take turns; different models run
    /// side by side.
    pub fn with_session<T>(
        &self,
        path: &Path,
        f: impl FnOnce(&mut Session, &ModelInfo) -> MlResult<T>,
    ) -> MlResult<T> {
        let slot = {
            let mut slots = self.slots.lock().expect("slots lock");
            slots
                .entry(path.to_path_buf())
                .or_insert_with(|| {
                    Arc::new(Mutex::new(Slot {
                        session: None,
                        last_used: Instant::now(),
                    }))
                })
                .clone()
        };
        let mut slot = slot.lock().expect("slot lock");
        if slot.session.is_none() {
            slot.session = Some(self.load(path)?);
        }
        slot.last_used = Instant::now();
        let (session, info) = slot.session.as_mut().expect("loaded above");
        let result = f(session, info);
        slot.last_used = Instant::now();
        result
    }

    fn load(&self, path: &Path) -> MlResult<(Session, ModelInfo)> {
        if !path.is_file() {
            return Err(MlError::ModelMissing(path.to_path_buf()));
        }
        let err = |e: &dyn std::fmt::Display| MlError::ModelLoad {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let mut builder = Session::builder(&self.environment)
            .map_err(|e| err(&e))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| err(&e))?
            .with_execution_providers(execution_providers(&self.config.providers))
            .map_err(|e| err(&e))?;
        if self.config.intra_threads > 0 {
            builder = builder
                .with_intra_threads(self.config.intra_threads)
                .map_err(|e| err(&e))?;
        }
        let session = builder.commit_from_file(path).map_err(|e| err(&e))?;
        let input_shape = session
            .inputs()
            .first()
            .and_then(|i| i.dtype().tensor_shape())
            .map(|shape| shape.iter().copied().collect())
            .unwrap_or_default();
        let info = ModelInfo {
            path: path.to_path_buf(),
            input_shape,
            inputs: session
                .inputs()
                .iter()
                .map(|o| o.name().to_string())
                .collect(),
            outputs: session
                .outputs()
                .iter()
                .map(|o| o.name().to_string())
                .collect(),
        };
        tracing::info!(model = %path.display(), "loaded model");
        Ok((session, info))
    }

    /// Drops the sessions unused for longer than `idle_unload`; returns how many.
    pub fn unload_idle(&self) -> usize {
        let slots: Vec<_> = self
            .slots
            .lock()
            .expect("slots lock")
            .iter()
            .map(|(path, slot)| (path.clone(), slot.clone()))
            .collect();
        let mut unloaded = 0;
        for (path, slot) in slots {
            // A slot in use is not idle: skip it rather than wait for it.
            let Ok(mut slot) = slot.try_lock() else {
                continue;
            };
            if slot.session.is_some() && slot.last_used.elapsed() >= self.config.idle_unload {
                slot.session = None;
                unloaded += 1;
                tracing::info!(model = %path.display(), "unloaded idle model");
            }
        }
        if unloaded > 0 {
            release_free_memory();
        }
        unloaded
    }

    /// How many models are in memory now.
    pub fn loaded_models(&self) -> usize {
        self.slots
            .lock()
            .expect("slots lock")
            .values()
            .filter(|slot| slot.lock().is_ok_and(|s| s.session.is_some()))
            .count()
    }
}

/// Hands the heap a dropped model freed back to the system. glibc keeps freed memory in its
/// arenas: with every model unloaded, a release server still held 475 of its 586 MiB.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists; it touches no memory of ours.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// ONNX Runtime allows one environment per process (and `ort` loads one library): every
/// runtime opened here shares the first.
fn shared_environment(library: &Path) -> MlResult<Environment> {
    static SHARED: Mutex<Option<Environment>> = Mutex::new(None);
    let mut shared = SHARED.lock().expect("environment lock");
    if let Some(environment) = shared.as_ref() {
        return Ok(environment.clone());
    }
    let environment = ort::init_from(library)
        .map_err(|e| MlError::Library(e.to_string()))?
        .with_name("shoebox")
        .build()
        .map_err(|e| MlError::Library(e.to_string()))?;
    *shared = Some(environment.clone());
    Ok(environment)
}

/// Checks for idle models a few times per `idle_unload`, until the runtime is dropped.
fn spawn_reaper(runtime: Weak<Runtime>) {
    let Some(ttl) = runtime.upgrade().map(|r| r.config.idle_unload) else {
        return;
    };
    let period = (ttl / 4).clamp(Duration::from_millis(50), Duration::from_secs(30));
    std::thread::Builder::new()
        .name("ml-idle-unload".into())
        .spawn(move || {
            loop {
                std::thread::sleep(period);
                match runtime.upgrade() {
                    Some(runtime) => {
                        runtime.unload_idle();
                    }
                    None => return,
                }
            }
        })
        .expect("spawn idle-unload thread");
}

fn execution_providers(providers: &[Provider]) -> Vec<ExecutionProviderDispatch> {
    providers
        .iter()
        .map(|p| match p {
            Provider::Cpu => ort::ep::CPU::default().build(),
            Provider::Cuda => ort::ep::CUDA::default().build(),
            Provider::OpenVino => ort::ep::OpenVINO::default().build(),
            Provider::Rocm => ort::ep::ROCm::default().build(),
        })
        .collect()
}

/// A float tensor of `shape` from `data` (row-major).
pub fn tensor(shape: &[usize], data: Vec<f32>) -> MlResult<Tensor<f32>> {
    Tensor::from_array((shape.to_vec(), data)).map_err(|e| MlError::Inference(e.to_string()))
}

/// Runs `session` on one input and returns every output as (shape, values), in the graph's
/// output order.
pub fn run_single(
    session: &mut Session,
    info: &ModelInfo,
    input: Tensor<f32>,
) -> MlResult<Vec<(Vec<i64>, Vec<f32>)>> {
    let input_name = info
        .inputs
        .first()
        .ok_or_else(|| MlError::Inference("model has no input".into()))?;
    let outputs = session
        .run(ort::inputs![input_name.as_str() => input])
        .map_err(|e| MlError::Inference(e.to_string()))?;
    info.outputs
        .iter()
        .map(|name| {
            let (shape, values) = outputs[name.as_str()]
                .try_extract_tensor::<f32>()
                .map_err(|e| MlError::Inference(format!("output {name}: {e}")))?;
            Ok((shape.iter().copied().collect(), values.to_vec()))
        })
        .collect()
}
