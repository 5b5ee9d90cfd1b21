use std::io::IsTerminal;

use clap::{Parser, Subcommand};
use shoebox::{BoundMlServer, BoundServer, MlServeConfig, ServeConfig, StorageConfig};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "shoebox",
    version,
    about = "A photo and video library server that speaks the Immich API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server (and, unless `--workers false`, the job workers).
    Serve(ServeConfig),
    /// Run only job workers, against the database and storage a server uses.
    Worker(StorageConfig),
    /// Serve Immich's machine-learning protocol (for servers with `--ml-urls`).
    Ml(MlServeConfig),
    /// Operator commands.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Set a new random password for a user and print it.
    ResetPassword {
        #[command(flatten)]
        config: StorageConfig,
        /// The user's email address.
        #[arg(long)]
        email: String,
    },
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler installs");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_env("SHOEBOX_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve(config) => {
            let server = BoundServer::bind(&config).await?;
            tracing::info!(addr = %server.addr, "Shoebox is listening");
            server.serve(shutdown_signal()).await
        }
        Command::Worker(config) => shoebox::run_workers(&config, shutdown_signal()).await,
        Command::Ml(config) => {
            let server = BoundMlServer::bind(&config).await?;
            tracing::info!(addr = %server.addr, "Shoebox ML is listening");
            server.serve(shutdown_signal()).await
        }
        Command::Admin(AdminCommand::ResetPassword { config, email }) => {
            let domain = shoebox::open_domain(&config).await?;
            let password = domain.reset_password(&email).await?;
            println!("New password for {email}: {password}");
            Ok(())
        }
    }
}
