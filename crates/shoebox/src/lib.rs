//! Wiring of the roles: configuration in, a running server out.

pub mod config;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use shoebox_domain::events::ChannelEventBus;
use shoebox_domain::{Domain, MediaPaths, Storage};
use shoebox_jobs::{WorkerPool, Workers};
use shoebox_server::{Router, ServerSettings};
use tokio::net::TcpListener;

pub use config::{MlOptions, MlServeConfig, ServeConfig, StorageConfig};

/// Every role allocates with mimalloc, which also replaces `malloc` for the C libraries
/// linked in (SQLite, the codecs): rows and pictures are allocated on one thread (SQLite's,
/// a decoder's) and freed on another, which glibc's allocator serialises on its arena locks.
/// Measured on the initial sync of 100,000 assets on SQLite: 33,000 lines/s with glibc,
/// 46,000 with mimalloc for Rust alone, 74,000 with SQLite on it too. Declared in the
/// library that every binary and test of Shoebox links, so they all run one allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Opens the database and storage named by `config`, applies migrations and repairs what
/// processes that are gone left unfinished: their staged uploads and temporary files, and
/// assets left without their first job.
pub async fn open_domain(config: &StorageConfig) -> anyhow::Result<Domain> {
    shoebox_media::thumbnails::set_decode_memory(config.decode_memory_mib << 20);
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let store = shoebox_store_sql::open(&config.database_url())
        .await
        .context("cannot open the database")?;
    let storage = Storage::open(MediaPaths {
        originals: config.originals_dir(),
        generated: config.generated_dir(),
    })
    .context("cannot open media storage")?;
    storage
        .recover_uploads(&store)
        .await
        .context("cannot recover interrupted uploads")?;
    let domain = Domain::new(store, storage).with_ml(open_ml(&config.ml, &config.data_dir));
    let stranded = domain
        .queue_stranded_assets()
        .await
        .context("cannot queue assets a crash left without jobs")?;
    if stranded > 0 {
        tracing::info!(
            assets = stranded,
            "queued metadata extraction for assets a crash left without a job"
        );
    }
    open_events(domain, &config.database_url()).await
}

/// Live events over the database when processes share it (PostgreSQL), so a worker's
/// events reach the API process's socket.io clients and a configuration change reaches
/// every process; within this process otherwise.
async fn open_events(domain: Domain, database_url: &str) -> anyhow::Result<Domain> {
    let Some(channel) = shoebox_store_sql::message_channel(database_url)
        .context("cannot open the database's event channel")?
    else {
        return Ok(domain);
    };
    let bus = ChannelEventBus::start(Arc::new(channel))
        .await
        .context("cannot listen for events on the database")?;
    let domain = domain.with_events(Arc::new(bus));
    // Lives as long as the process; nothing to stop.
    drop(domain.follow_config_updates());
    Ok(domain)
}

/// Machine learning as configured: ML services over HTTP when URLs are given, else ONNX
/// Runtime in this process; `None` (logged once) when neither can run.
pub fn open_ml(
    options: &MlOptions,
    data_dir: &std::path::Path,
) -> Option<std::sync::Arc<dyn shoebox_ml::MachineLearning>> {
    let urls: Vec<String> = options
        .ml_urls
        .iter()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if !urls.is_empty() {
        tracing::info!(urls = ?urls, "machine learning on ML services");
        return Some(std::sync::Arc::new(shoebox_ml::RemoteMl::new(
            urls,
            Duration::from_secs(options.ml_timeout_seconds),
        )));
    }
    shoebox_ml::open_local(options.runtime_config(data_dir))
        .map(|ml| ml as std::sync::Arc<dyn shoebox_ml::MachineLearning>)
}

/// `shoebox ml` bound to its port: Immich's ML protocol on this process's runtime.
pub struct BoundMlServer {
    pub addr: SocketAddr,
    listener: TcpListener,
    router: Router,
}

impl BoundMlServer {
    pub async fn bind(config: &MlServeConfig) -> anyhow::Result<Self> {
        let ml = shoebox_ml::open_local(config.ml.runtime_config(&config.data_dir))
            .context("machine learning cannot run here (see the log line above)")?;
        let listener = TcpListener::bind((config.host.as_str(), config.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
        Ok(Self {
            addr: listener.local_addr()?,
            listener,
            router: shoebox_server::ml_router(ml),
        })
    }

    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        shoebox_server::serve(self.listener, self.router, shutdown).await?;
        Ok(())
    }
}

/// The job workers this build has, each on its queue with Immich's default concurrency.
pub fn workers(domain: &Domain) -> Workers {
    shoebox_domain::processing::register(Workers::new(), domain)
}

fn start_workers(domain: &Domain, config: &StorageConfig) -> WorkerPool {
    // Unique to this instance: a restarted server in a container has the same host name
    // and pid, and must not keep the dead instance's jobs leased.
    let instance = uuid::Uuid::new_v4().simple().to_string();
    let id = format!("{}-{}-{}", hostname(), std::process::id(), &instance[..8]);
    workers(domain)
        .lease(Duration::from_secs(config.job_lease_seconds))
        .start(domain.store.clone(), id, domain.job_wake.clone())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "shoebox".into())
}

/// `shoebox worker`: runs jobs until `shutdown`, then lets running jobs finish.
pub async fn run_workers(
    config: &StorageConfig,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let domain = open_domain(config).await?;
    let pool = start_workers(&domain, config);
    tracing::info!("workers started");
    shutdown.await;
    pool.shutdown().await;
    Ok(())
}

/// A server bound to its port, ready to serve.
pub struct BoundServer {
    pub addr: SocketAddr,
    listener: TcpListener,
    router: Router,
    workers: Option<WorkerPool>,
    /// Queues the nightly jobs; only where this process runs workers.
    nightly: Option<tokio::task::JoinHandle<()>>,
}

impl BoundServer {
    pub async fn bind(config: &ServeConfig) -> anyhow::Result<Self> {
        let domain = open_domain(&config.storage).await?;
        let listener = TcpListener::bind((config.host.as_str(), config.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
        let addr = listener.local_addr()?;
        let workers = config
            .workers
            .then(|| start_workers(&domain, &config.storage));
        let nightly = config
            .workers
            .then(|| tokio::spawn(domain.clone().run_nightly_tasks()));
        let router = shoebox_server::router(domain, ServerSettings::default());
        Ok(Self {
            addr,
            listener,
            router,
            workers,
            nightly,
        })
    }

    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        shoebox_server::serve(self.listener, self.router, shutdown).await?;
        if let Some(nightly) = self.nightly {
            nightly.abort();
        }
        if let Some(workers) = self.workers {
            workers.shutdown().await;
        }
        Ok(())
    }
}
