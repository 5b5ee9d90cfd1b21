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

    /// Seconds a worker holds a job before another may take it over; also each job's time
    /// limit. Hidden from `--help`: tests that kill a worker shorten it so that the takeover
    /// comes in seconds, not the 10 minutes a slow video job needs.
    #[arg(long, env = "SHOEBOX_JOB_LEASE_SECONDS", default_value_t = 600, hide = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub job_lease_seconds: u64,
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
                job_lease_seconds: 600,
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
