//! One SQL implementation of the store traits for SQLite and PostgreSQL.
//!
//! Both backends run the same portable SQL through sqlx's `Any` driver; each
//! has its own migrations folder so its schema can use its own types and
//! extensions. Ids and times are stored as text (see the migrations), which
//! keeps rows identical across backends and lets times sort as strings.

mod albums;
mod api_keys;
mod asset_media;
mod asset_metadata;
mod asset_search;
mod assets;
mod codec;
mod duplicates;
mod id_lists;
mod jobs;
mod map;
mod memories;
mod notifications;
mod notify;
mod ocr;
mod partners;
mod people;
mod pgvector;
mod search;
mod sessions;
mod shared_links;
mod smart_search;
mod stacks;
mod sync;
mod system;
mod tags;
mod timeline;
mod users;
pub mod vector_index;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use notify::{PgMessageChannel, message_channel};
use shoebox_store::{Store, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The pool shared by every repository of one database.
pub(crate) struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// A transaction that will write. On SQLite it takes the write lock at once: a
    /// transaction that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT when
    /// another connection wrote in between, and waiting does not help it.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(codec::db_err)
    }
}

/// Opens the database at `url` (`sqlite://PATH` or `postgres://…`), applies
/// its migrations and returns the repositories over it.
pub async fn open(url: &str) -> Result<Store, StoreError> {
    sqlx::any::install_default_drivers();
    let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Backend::Postgres
    } else if url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        return Err(StoreError::Backend(format!(
            "unsupported database URL (want sqlite:// or postgres://): {url}"
        )));
    };
    let options = AnyConnectOptions::from_str(url).map_err(codec::db_err)?;
    let pool = match backend {
        Backend::Sqlite => {
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // NORMAL is durable across application crashes in WAL mode;
                        // only an OS crash can lose the last commits.
                        conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL")
                            .await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .map_err(codec::db_err)?;
            pool.execute("PRAGMA journal_mode = WAL")
                .await
                .map_err(codec::db_err)?;
            pool
        }
        Backend::Postgres => AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(codec::db_err)?,
    };
    let migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    };
    migrator
        .run(&pool)
        .await
        .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
    tracing::info!(backend = backend.name(), "database ready");

    let sql = Arc::new(SqlStore { pool, backend });
    let smart_search = Arc::new(smart_search::SqlSmartSearch::open(sql.clone()).await);
    Ok(Store {
        users: sql.clone(),
        sessions: sql.clone(),
        api_keys: sql.clone(),
        assets: sql.clone(),
        asset_metadata: sql.clone(),
        albums: sql.clone(),
        partners: sql.clone(),
        stacks: sql.clone(),
        tags: sql.clone(),
        system: sql.clone(),
        shared_links: sql.clone(),
        map: sql.clone(),
        memories: sql.clone(),
        notifications: sql.clone(),
        jobs: sql.clone(),
        people: sql.clone(),
        faces: sql.clone(),
        duplicates: sql.clone(),
        face_search: sql.clone(),
        ocr: sql.clone(),
        sync: sql,
        smart_search,
    })
}
