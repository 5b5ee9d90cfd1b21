//! One relay per process from the event bus to the sockets: each event is turned into its
//! socket.io frame once, then every socket sends it if it is in the event's room.

use std::sync::{Arc, OnceLock};

use shoebox_domain::Domain;
use shoebox_domain::events::{Audience, Event};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use super::{packet, render};

/// Frames a slow socket may fall behind by before it loses some.
const BUFFERED_FRAMES: usize = 1024;

/// An event ready to send, with who may hear it.
#[derive(Debug)]
pub struct Frame {
    pub audience: Audience,
    pub text: String,
}

/// The rooms one socket is in: its user's, and its login session's when it has one (an API
/// key has none).
#[derive(Debug, Clone, Copy)]
pub struct Rooms {
    pub user: uuid::Uuid,
    pub session: Option<uuid::Uuid>,
}

impl Rooms {
    pub fn hears(&self, audience: Audience) -> bool {
        match audience {
            Audience::User(id) => id == self.user,
            Audience::Session(id) => Some(id) == self.session,
            Audience::Everyone => true,
        }
    }
}

/// The process's relay, started by the first socket.
#[derive(Default)]
pub struct SocketHub {
    frames: OnceLock<broadcast::Sender<Arc<Frame>>>,
}

impl SocketHub {
    /// The frames of the events published from now on.
    pub fn subscribe(&self, domain: &Domain) -> broadcast::Receiver<Arc<Frame>> {
        self.frames
            .get_or_init(|| {
                let sender = broadcast::channel(BUFFERED_FRAMES).0;
                tokio::spawn(relay(
                    domain.clone(),
                    domain.events.subscribe(),
                    sender.clone(),
                ));
                sender
            })
            .subscribe()
    }
}

async fn relay(
    domain: Domain,
    mut events: broadcast::Receiver<Event>,
    frames: broadcast::Sender<Arc<Frame>>,
) {
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "socket.io fell behind the event bus");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        // With every socket closed, reading what a payload needs would be wasted.
        if frames.receiver_count() == 0 {
            continue;
        }
        match render::args(&domain, &event).await {
            Ok(Some(args)) => {
                let frame = Frame {
                    audience: event.audience(),
                    text: packet::event(event.name(), &args),
                };
                // No receiver means no socket is open: nothing to do.
                let _ = frames.send(Arc::new(frame));
            }
            // What the event was about is gone already; its own event says so.
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, event = event.name(), "cannot prepare an event for socket.io")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn a_socket_hears_its_user_its_session_and_everyone() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let rooms = Rooms {
            user,
            session: Some(session),
        };
        assert!(rooms.hears(Audience::User(user)));
        assert!(rooms.hears(Audience::Session(session)));
        assert!(rooms.hears(Audience::Everyone));
        assert!(!rooms.hears(Audience::User(session)));
        assert!(!rooms.hears(Audience::Session(Uuid::new_v4())));
        let api_key = Rooms {
            user,
            session: None,
        };
        assert!(!api_key.hears(Audience::Session(session)));
    }
}
