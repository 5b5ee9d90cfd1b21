//! Wiring of the roles: configuration in, a running server out.

pub mod config;

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use shoebox_domain::{Domain, MediaPaths, Storage};
use shoebox_server::{Router, ServerSettings};
use tokio::net::TcpListener;

pub use config::ServeConfig;

/// Opens the database and storage named by `config`, applies migrations and
/// finishes any upload a crash interrupted.
pub async fn open_domain(config: &ServeConfig) -> anyhow::Result<Domain> {
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
    Ok(Domain::new(store, storage))
}

/// A server bound to its port, ready to serve.
pub struct BoundServer {
    pub addr: SocketAddr,
    listener: TcpListener,
    router: Router,
}

impl BoundServer {
    pub async fn bind(config: &ServeConfig) -> anyhow::Result<Self> {
        let domain = open_domain(config).await?;
        let router = shoebox_server::router(domain, ServerSettings::default());
        let listener = TcpListener::bind((config.host.as_str(), config.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
        let addr = listener.local_addr()?;
        Ok(Self {
            addr,
            listener,
            router,
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
