//! socket.io at `/api/socket.io/`, as Immich serves it to its web and mobile apps: Engine.IO
//! v4 over a websocket only (no long-polling), the main namespace only, rooms per user and
//! per login session, and events from the domain's event bus.

mod hub;
mod packet;
mod render;

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use shoebox_domain::auth::AuthContext;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep_until};

use hub::Rooms;
pub use hub::SocketHub;
use packet::{Handshake, Incoming};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::Auth;

/// socket.io's defaults, which Immich keeps.
const PING_INTERVAL: Duration = Duration::from_secs(25);
const PING_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(45);
const MAX_PAYLOAD: usize = 1_000_000;

pub fn routes() -> Router<AppState> {
    // socket.io clients add the trailing slash; without one is the same place.
    Router::new()
        .route("/socket.io/", get(open))
        .route("/socket.io", get(open))
}

/// Engine.IO's answer to a request it cannot serve (`code` as Engine.IO numbers them).
fn refuse(code: u8, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "code": code, "message": message })),
    )
        .into_response()
}

/// The upgrade. Credentials come from its headers exactly as for the HTTP API; a caller
/// without valid ones is still upgraded and then turned away the way Immich does it (an
/// `error` event, then a disconnect), so clients see why and do not retry.
async fn open(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    auth: Result<Auth, ApiError>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if query.get("EIO").map(String::as_str) != Some("4") {
        return refuse(5, "Unsupported protocol version");
    }
    let (Ok(upgrade), Some("websocket")) = (upgrade, query.get("transport").map(String::as_str))
    else {
        return refuse(0, "Transport unknown");
    };
    let auth = match auth {
        Ok(Auth(ctx)) => Some(ctx),
        Err(e) => {
            tracing::debug!(error = %e.message, "socket.io connection without valid credentials");
            None
        }
    };
    upgrade
        .max_message_size(MAX_PAYLOAD)
        .on_upgrade(move |socket| async move {
            Connection::new(socket, state, auth).run().await;
        })
}

/// One client's session, from the Engine.IO open to the close.
struct Connection {
    socket: WebSocket,
    state: AppState,
    auth: Option<AuthContext>,
    /// Set once the client has joined the main namespace.
    rooms: Option<Rooms>,
}

/// Why a connection ends; each is logged the same way, kept apart to say which.
#[derive(Debug)]
enum End {
    ClientLeft,
    NoPong,
    NoConnect,
    Refused,
    Malformed,
    SendFailed,
}

impl Connection {
    fn new(socket: WebSocket, state: AppState, auth: Option<AuthContext>) -> Self {
        Self {
            socket,
            state,
            auth,
            rooms: None,
        }
    }

    async fn run(mut self) {
        let end = self.serve().await;
        tracing::debug!(?end, "socket.io connection closed");
        let _ = self.socket.send(Message::Close(None)).await;
    }

    async fn serve(&mut self) -> End {
        let handshake = Handshake {
            sid: uuid::Uuid::new_v4().simple().to_string(),
            ping_interval: PING_INTERVAL,
            ping_timeout: PING_TIMEOUT,
            max_payload: MAX_PAYLOAD,
        };
        if self.send(packet::open(&handshake)).await.is_err() {
            return End::SendFailed;
        }
        let mut frames = self.state.sockets.subscribe(&self.state.domain);
        let connect_deadline = Instant::now() + CONNECT_TIMEOUT;
        let mut next_ping = Instant::now() + PING_INTERVAL;
        let mut pong_deadline: Option<Instant> = None;
        loop {
            let mut wake = pong_deadline.unwrap_or(next_ping).min(next_ping);
            if self.rooms.is_none() {
                wake = wake.min(connect_deadline);
            }
            tokio::select! {
                message = self.socket.recv() => {
                    let text = match message {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return End::ClientLeft,
                        // Binary frames carry attachments Immich's clients never send;
                        // websocket pings are answered by the websocket layer.
                        Some(Ok(_)) => continue,
                    };
                    match packet::parse(text.as_str()) {
                        Incoming::Pong => pong_deadline = None,
                        Incoming::Ping => {
                            if self.send(packet::PONG.into()).await.is_err() {
                                return End::SendFailed;
                            }
                        }
                        Incoming::Connect { namespace } => {
                            if let Err(end) = self.join(&namespace).await {
                                return end;
                            }
                        }
                        Incoming::Close | Incoming::Disconnect => return End::ClientLeft,
                        Incoming::Ignored => {}
                        Incoming::Malformed => return End::Malformed,
                    }
                }
                frame = frames.recv() => match frame {
                    Ok(frame) => {
                        if self.rooms.is_some_and(|rooms| rooms.hears(frame.audience))
                            && self.send(frame.text.clone()).await.is_err()
                        {
                            return End::SendFailed;
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a socket.io client fell behind and missed events");
                    }
                    // The relay only stops with the process.
                    Err(RecvError::Closed) => return End::ClientLeft,
                },
                () = sleep_until(wake) => {
                    let now = Instant::now();
                    if pong_deadline.is_some_and(|deadline| now >= deadline) {
                        return End::NoPong;
                    }
                    if self.rooms.is_none() && now >= connect_deadline {
                        return End::NoConnect;
                    }
                    if now >= next_ping {
                        if self.send(packet::PING.into()).await.is_err() {
                            return End::SendFailed;
                        }
                        pong_deadline = Some(now + PING_TIMEOUT);
                        next_ping = now + PING_INTERVAL;
                    }
                }
            }
        }
    }

    /// A namespace connect: the main namespace joins the caller's rooms, then hears the
    /// server's version as Immich's clients expect on connect; a caller without credentials
    /// is told `unauthorized` and disconnected, as Immich does.
    async fn join(&mut self, namespace: &str) -> Result<(), End> {
        if namespace != packet::MAIN_NAMESPACE {
            return self
                .send(packet::connect_error(namespace, "Invalid namespace"))
                .await;
        }
        if self.rooms.is_some() {
            return Ok(());
        }
        let socket_id = uuid::Uuid::new_v4().simple().to_string();
        self.send(packet::connected(&socket_id)).await?;
        let Some(auth) = &self.auth else {
            self.send(packet::event("error", &[json!("unauthorized")]))
                .await?;
            self.send(packet::DISCONNECT.into()).await?;
            return Err(End::Refused);
        };
        self.rooms = Some(Rooms {
            user: auth.user_id(),
            session: auth.session_id,
        });
        let version =
            serde_json::to_value(crate::routes::server::server_version()).unwrap_or_default();
        self.send(packet::event("on_server_version", &[version]))
            .await
    }

    async fn send(&mut self, text: String) -> Result<(), End> {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .map_err(|_| End::SendFailed)
    }
}
