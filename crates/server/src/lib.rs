//! The Immich-compatible HTTP API, grouped like Immich's API tags.

mod dto;
mod error;
mod extract;
mod ml_clip;
mod ml_service;
mod routes;
mod socketio;
mod sync_lines;
mod web;

use std::future::Future;
use std::sync::Arc;

use axum::http::{StatusCode, Uri};
use shoebox_domain::Domain;
use tokio::net::TcpListener;

pub use axum::Router;
pub use error::{ApiError, ApiResult};
pub use ml_service::ml_router;

/// Settings the API reports or obeys.
#[derive(Debug, Clone, Default)]
pub struct ServerSettings {
    /// Shown on the login page.
    pub login_page_message: String,
    /// The address clients should use for links, if not the one they called.
    pub external_domain: String,
}

#[derive(Clone)]
pub struct AppState {
    pub domain: Domain,
    pub settings: Arc<ServerSettings>,
    /// Relays the domain's events to this process's socket.io clients.
    pub sockets: Arc<socketio::SocketHub>,
}

async fn api_not_found(uri: Uri, method: axum::http::Method) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("Cannot {method} {}", uri.path()),
    )
}

pub fn router(domain: Domain, settings: ServerSettings) -> Router {
    let state = AppState {
        domain,
        settings: Arc::new(settings),
        sockets: Arc::default(),
    };
    // A known path with the wrong method also answers Immich's JSON 404
    // ("Cannot POST /…"), not axum's empty 405: clients need a JSON body.
    let api = routes::api_routes()
        .merge(socketio::routes())
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_not_found);
    Router::new()
        .route(
            "/.well-known/immich",
            axum::routing::get(routes::server::well_known),
        )
        .method_not_allowed_fallback(api_not_found)
        .nest("/api", api)
        .fallback(web::serve)
        .with_state(state)
}

/// Serves until `shutdown` completes, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Streamed answers (the sync stream, zips) are written in small pieces; without
    // TCP_NODELAY each piece after the first waits for the client's delayed ACK (~40 ms).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
