//! Live events: what happened, for whom, told to connected clients (over socket.io).
//!
//! An [`Event`] is the fact in compact form (ids only), so it crosses processes cheaply and
//! stays small whatever it is about; the server turns it into the socket.io event Immich's
//! clients expect, reading what the payload needs when it sends it. Publishing is best
//! effort: a lost event costs a client a refresh, never a request its success.

mod channel;
mod local;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

pub use channel::ChannelEventBus;
pub use local::LocalEventBus;

use crate::Domain;

/// Who receives an event: Immich's socket.io rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every connection of one user.
    User(Uuid),
    /// The connections made with one login session.
    Session(Uuid),
    /// Every connection.
    Everyone,
}

/// Something a connected client should hear about. Each variant is one socket.io event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// An upload's thumbnails are ready: `on_upload_success` with the asset.
    UploadSuccess { owner_id: Uuid, asset_id: Uuid },
    /// The same for the mobile app's local copy of the library: `AssetUploadReadyV2` with
    /// the sync stream's asset and EXIF rows.
    AssetUploadReady { owner_id: Uuid, asset_id: Uuid },
    /// An asset changed: `on_asset_update` with the asset.
    AssetUpdate { owner_id: Uuid, asset_id: Uuid },
    /// An asset left the timeline by becoming hidden: `on_asset_hidden` with its id.
    AssetHidden { owner_id: Uuid, asset_id: Uuid },
    /// Assets went to the trash: `on_asset_trash` with their ids.
    AssetTrash {
        owner_id: Uuid,
        asset_ids: Vec<Uuid>,
    },
    /// Assets came back from the trash: `on_asset_restore` with their ids.
    AssetRestore {
        owner_id: Uuid,
        asset_ids: Vec<Uuid>,
    },
    /// An asset is gone for good: `on_asset_delete` with its id.
    AssetDelete { owner_id: Uuid, asset_id: Uuid },
    /// A stack of the user's was made, changed or dissolved: `on_asset_stack_update`.
    StackUpdate { owner_id: Uuid },
    /// A person's picture was (re)made: `on_person_thumbnail` with the person's id.
    PersonThumbnail { owner_id: Uuid, person_id: Uuid },
    /// A login session ended: `on_session_delete` with its id, to that session only.
    SessionDelete { session_id: Uuid },
    /// A notification for a user: `on_notification` with it.
    Notification {
        user_id: Uuid,
        notification_id: Uuid,
    },
    /// The system configuration changed: `on_config_update`, to everyone.
    ConfigUpdate,
}

impl Event {
    /// The socket.io event name Immich's clients listen for.
    pub fn name(&self) -> &'static str {
        match self {
            Event::UploadSuccess { .. } => "on_upload_success",
            Event::AssetUploadReady { .. } => "AssetUploadReadyV2",
            Event::AssetUpdate { .. } => "on_asset_update",
            Event::AssetHidden { .. } => "on_asset_hidden",
            Event::AssetTrash { .. } => "on_asset_trash",
            Event::AssetRestore { .. } => "on_asset_restore",
            Event::AssetDelete { .. } => "on_asset_delete",
            Event::StackUpdate { .. } => "on_asset_stack_update",
            Event::PersonThumbnail { .. } => "on_person_thumbnail",
            Event::SessionDelete { .. } => "on_session_delete",
            Event::Notification { .. } => "on_notification",
            Event::ConfigUpdate => "on_config_update",
        }
    }

    /// Who hears it. Immich tells an asset's owner only (not partners or album members),
    /// and a session's end to that session's connections.
    pub fn audience(&self) -> Audience {
        match self {
            Event::UploadSuccess { owner_id, .. }
            | Event::AssetUploadReady { owner_id, .. }
            | Event::AssetUpdate { owner_id, .. }
            | Event::AssetHidden { owner_id, .. }
            | Event::AssetTrash { owner_id, .. }
            | Event::AssetRestore { owner_id, .. }
            | Event::AssetDelete { owner_id, .. }
            | Event::StackUpdate { owner_id }
            | Event::PersonThumbnail { owner_id, .. } => Audience::User(*owner_id),
            Event::Notification { user_id, .. } => Audience::User(*user_id),
            Event::SessionDelete { session_id } => Audience::Session(*session_id),
            Event::ConfigUpdate => Audience::Everyone,
        }
    }
}

/// Why an event could not be published.
#[derive(Debug, thiserror::Error)]
pub enum EventBusError {
    #[error("cannot encode the event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("cannot send the event: {0}")]
    Send(#[from] shoebox_store::StoreError),
}

/// Carries events from where they happen to every subscriber, in this process or (for the
/// implementations over a [`shoebox_store::messages::MessageChannel`]) in every process
/// sharing the database.
#[async_trait]
pub trait EventBus: Send + Sync {
    async fn publish(&self, event: &Event) -> Result<(), EventBusError>;
    /// The events published from now on. A subscriber that falls behind by more than the
    /// bus buffers loses the oldest (and is told so by the receiver).
    fn subscribe(&self) -> broadcast::Receiver<Event>;
}

/// Events a subscriber may fall behind by before it loses some.
const BUFFERED_EVENTS: usize = 1024;

impl Domain {
    /// Publishes `event`; a failure is logged, never passed on (see the module's comment).
    pub async fn emit(&self, event: Event) {
        if let Err(e) = self.events.publish(&event).await {
            tracing::warn!(error = %e, event = event.name(), "cannot publish an event");
        }
    }

    /// Publishes `events` in order.
    pub async fn emit_all(&self, events: Vec<Event>) {
        for event in events {
            self.emit(event).await;
        }
    }

    /// The asset an event is about, as it is now (`None` once gone). No caller is checked:
    /// the event's audience was chosen where it was published.
    pub async fn event_asset(
        &self,
        id: Uuid,
    ) -> crate::DomainResult<Option<shoebox_store::records::AssetRecord>> {
        Ok(self.store.assets.get(id).await?)
    }

    /// The notification an event is about (`None` once gone), unchecked as [`Self::event_asset`].
    pub async fn event_notification(
        &self,
        id: Uuid,
    ) -> crate::DomainResult<Option<shoebox_store::records::NotificationRecord>> {
        Ok(self.store.notifications.get(id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_cross_processes_in_a_compact_tagged_form() {
        let owner = Uuid::nil();
        let event = Event::AssetTrash {
            owner_id: owner,
            asset_ids: vec![owner],
        };
        let text = serde_json::to_string(&event).unwrap();
        assert_eq!(
            text,
            format!(r#"{{"type":"assetTrash","ownerId":"{owner}","assetIds":["{owner}"]}}"#)
        );
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), event);
        assert_eq!(
            serde_json::to_string(&Event::ConfigUpdate).unwrap(),
            r#"{"type":"configUpdate"}"#
        );
    }

    #[test]
    fn a_session_end_goes_to_the_session_and_config_to_everyone() {
        let id = Uuid::new_v4();
        assert_eq!(
            Event::SessionDelete { session_id: id }.audience(),
            Audience::Session(id)
        );
        assert_eq!(Event::ConfigUpdate.audience(), Audience::Everyone);
        assert_eq!(
            Event::StackUpdate { owner_id: id }.audience(),
            Audience::User(id)
        );
    }
}
