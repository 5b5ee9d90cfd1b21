//! The bus of a process that shares its database with no other (SQLite).

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::{BUFFERED_EVENTS, Event, EventBus, EventBusError};

/// Events from this process to this process's subscribers.
pub struct LocalEventBus {
    sender: broadcast::Sender<Event>,
}

impl Default for LocalEventBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BUFFERED_EVENTS).0,
        }
    }
}

#[async_trait]
impl EventBus for LocalEventBus {
    async fn publish(&self, event: &Event) -> Result<(), EventBusError> {
        // No subscriber is not a failure: nobody is connected.
        let _ = self.sender.send(event.clone());
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[tokio::test]
    async fn subscribers_hear_what_is_published_after_they_subscribe() {
        let bus = LocalEventBus::default();
        bus.publish(&Event::ConfigUpdate).await.unwrap();
        let mut first = bus.subscribe();
        let mut second = bus.subscribe();
        let event = Event::StackUpdate {
            owner_id: Uuid::new_v4(),
        };
        bus.publish(&event).await.unwrap();
        assert_eq!(first.recv().await.unwrap(), event);
        assert_eq!(second.recv().await.unwrap(), event);
        assert!(first.try_recv().is_err());
    }
}
