//! Configuration of `shoebox serve`: every option is a flag and an environment
//! variable (documented in README.md, "Configuration").

use std::path::PathBuf;

use clap::Args;

/// Where the library lives: shared by every role.
#[derive(Debug, Clone, Args)]
pub struct StorageConfig {
    /// Folder for the database, originals and generated files (unless placed elsewhere below).
    #[arg(long, env = "SHOEBOX_DATA_DIR", default_value = "./shoebox-data")]
    pub data_dir: PathBuf,

    /// `postgres://…` to use PostgreSQL; default: SQLite at DATA_DIR/shoebox.db.
    #[arg(long, env = "SHOEBOX_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Where uploaded originals are kept; default: DATA_DIR/library.
    #[arg(long, env = "SHOEBOX_ORIGINALS_DIR")]
    pub originals_dir: Option<PathBuf>,

    /// Where thumbnails, previews and encoded videos are kept; default: DATA_DIR/generated.
    #[arg(long, env = "SHOEBOX_GENERATED_DIR")]
    pub generated_dir: Option<PathBuf>,

    /// Seconds a running job stays leased after its process's last heartbeat (which comes
    /// every third of it): after a crash, another process takes the job over this long
    /// after. Hidden from `--help`: tests that kill a worker shorten it.
    #[arg(long, env = "SHOEBOX_JOB_LEASE_SECONDS", default_value_t = 30, hide = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub job_lease_seconds: u64,

    /// MiB that all image decodes of this process may use together; the largest image that
    /// can be processed needs about this much (most need far less: JPEG and PNG decode at
    /// reduced scale). Decodes beyond it wait their turn.
    #[arg(long, env = "SHOEBOX_DECODE_MEMORY_MIB", default_value_t = 384,
          value_parser = clap::value_parser!(u64).range(16..))]
    pub decode_memory_mib: u64,

    #[command(flatten)]
    pub ml: MlOptions,
}

/// Machine learning: in this process on ONNX Runtime, or on ML services over HTTP.
#[derive(Debug, Clone, Default, Args)]
pub struct MlOptions {
    /// ONNX Runtime library (libonnxruntime.so); without it machine learning is off.
    #[arg(long, env = "SHOEBOX_ML_LIBRARY")]
    pub ml_library: Option<PathBuf>,

    /// Models in Immich's layout (`<name>/detection/model.onnx`, …); default: DATA_DIR/models.
    #[arg(long, env = "SHOEBOX_ML_MODELS_DIR")]
    pub ml_models_dir: Option<PathBuf>,

    /// ML services speaking Immich's protocol (`shoebox ml` or Immich's container), comma
    /// separated, tried in order; when set, no model runs in this process.
    #[arg(long, env = "SHOEBOX_ML_URLS", value_delimiter = ',')]
    pub ml_urls: Vec<String>,

    /// Execution providers in order of preference: cpu, cuda, openvino, rocm.
    #[arg(long, env = "SHOEBOX_ML_PROVIDERS", default_value = "cpu",
          value_parser = parse_providers)]
    pub ml_providers: Providers,

    /// Seconds a model stays loaded without use.
    #[arg(long, env = "SHOEBOX_ML_IDLE_SECONDS", default_value_t = 300)]
    pub ml_idle_seconds: u64,

    /// Where missing models are downloaded from (`<url>/immich-app/<name>`); empty: never.
    #[arg(long, env = "SHOEBOX_ML_HUB_URL", default_value = shoebox_ml::config::DEFAULT_HUB_URL)]
    pub ml_hub_url: String,

    /// Seconds one request to an ML service may take before the next URL is tried.
    #[arg(long, env = "SHOEBOX_ML_TIMEOUT_SECONDS", default_value_t = 120)]
    pub ml_timeout_seconds: u64,
}

/// A parsed `--ml-providers` list.
#[derive(Debug, Clone, Default)]
pub struct Providers(pub Vec<shoebox_ml::Provider>);

fn parse_providers(list: &str) -> Result<Providers, String> {
    shoebox_ml::Provider::parse_list(list).map(Providers)
}

impl MlOptions {
    /// Off: no library, no URLs. What tests start from.
    pub fn off() -> Self {
        Self {
            ml_providers: Providers(vec![shoebox_ml::Provider::Cpu]),
            ml_idle_seconds: 300,
            ml_timeout_seconds: 120,
            ..Self::default()
        }
    }

    /// The in-process runtime's configuration, with models under `data_dir` by default.
    pub fn runtime_config(&self, data_dir: &std::path::Path) -> shoebox_ml::MlConfig {
        let models = self
            .ml_models_dir
            .clone()
            .unwrap_or_else(|| data_dir.join("models"));
        let mut config = shoebox_ml::MlConfig::new(self.ml_library.clone(), models);
        config.providers = self.ml_providers.0.clone();
        config.idle_unload = std::time::Duration::from_secs(self.ml_idle_seconds);
        config.hub_url = (!self.ml_hub_url.is_empty()).then(|| self.ml_hub_url.clone());
        config
    }
}

/// `shoebox serve`: the API, and unless disabled the job workers.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    #[command(flatten)]
    pub storage: StorageConfig,

    /// Address to listen on.
    #[arg(long, env = "SHOEBOX_HOST", default_value = "0.0.0.0")]
    pub host: String,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "SHOEBOX_PORT", default_value_t = 2283)]
    pub port: u16,

    /// Run background jobs in this process; `false` leaves them to `shoebox worker` processes.
    #[arg(long, env = "SHOEBOX_WORKERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub workers: bool,
}

impl ServeConfig {
    /// Defaults for a data directory, as the command line would give them,
    /// on a free loopback port.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            storage: StorageConfig {
                data_dir: data_dir.into(),
                database_url: None,
                originals_dir: None,
                generated_dir: None,
                job_lease_seconds: 30,
                decode_memory_mib: 384,
                ml: MlOptions::off(),
            },
            host: "127.0.0.1".into(),
            port: 0,
            workers: true,
        }
    }
}

impl StorageConfig {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("shoebox.db").display()
            )
        })
    }

    pub fn originals_dir(&self) -> PathBuf {
        self.originals_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("library"))
    }

    pub fn generated_dir(&self) -> PathBuf {
        self.generated_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("generated"))
    }
}

/// `shoebox ml`: Immich's machine-learning HTTP service on this process's runtime.
#[derive(Debug, Clone, Args)]
pub struct MlServeConfig {
    /// Folder whose `models` subfolder holds the models (unless `--ml-models-dir`).
    #[arg(long, env = "SHOEBOX_DATA_DIR", default_value = "./shoebox-data")]
    pub data_dir: PathBuf,

    /// Address to listen on.
    #[arg(long, env = "SHOEBOX_ML_HOST", default_value = "0.0.0.0")]
    pub host: String,

    /// Port to listen on (Immich's ML service uses 3003; 0 picks a free one).
    #[arg(long, env = "SHOEBOX_ML_PORT", default_value_t = 3003)]
    pub port: u16,

    #[command(flatten)]
    pub ml: MlOptions,
}
