//! The bus of processes that share a database: events travel as JSON over its
//! [`MessageChannel`] (PostgreSQL's `LISTEN`/`NOTIFY`; Redis would fit the same trait).

use std::sync::Arc;

use async_trait::async_trait;
use shoebox_store::StoreResult;
use shoebox_store::messages::MessageChannel;
use tokio::sync::broadcast;

use super::{BUFFERED_EVENTS, Event, EventBus, EventBusError};

/// Events from every process on the channel to this process's subscribers. What this
/// process publishes comes back to it through the channel like anyone else's, so every
/// subscriber sees one order.
pub struct ChannelEventBus {
    channel: Arc<dyn MessageChannel>,
    sender: broadcast::Sender<Event>,
}

impl ChannelEventBus {
    /// Listens on `channel` and returns the bus once listening.
    pub async fn start(channel: Arc<dyn MessageChannel>) -> StoreResult<Self> {
        let sender = broadcast::channel(BUFFERED_EVENTS).0;
        let deliver = sender.clone();
        channel
            .listen(Box::new(move |message: String| {
                match serde_json::from_str::<Event>(&message) {
                    Ok(event) => {
                        let _ = deliver.send(event);
                    }
                    // A newer process may know events this one does not.
                    Err(e) => {
                        tracing::debug!(error = %e, "ignored an event this build does not know")
                    }
                }
            }))
            .await?;
        Ok(Self { channel, sender })
    }
}

#[async_trait]
impl EventBus for ChannelEventBus {
    async fn publish(&self, event: &Event) -> Result<(), EventBusError> {
        let message = serde_json::to_string(event)?;
        self.channel.send(&message).await?;
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use shoebox_store::messages::Deliver;
    use uuid::Uuid;

    use super::*;

    /// A channel within one process, as a stand-in for the database's.
    #[derive(Default)]
    struct Loopback {
        listeners: Mutex<Vec<Deliver>>,
    }

    #[async_trait]
    impl MessageChannel for Loopback {
        async fn send(&self, message: &str) -> StoreResult<()> {
            for deliver in self.listeners.lock().unwrap().iter() {
                deliver(message.to_string());
            }
            Ok(())
        }

        async fn listen(&self, deliver: Deliver) -> StoreResult<()> {
            self.listeners.lock().unwrap().push(deliver);
            Ok(())
        }
    }

    #[tokio::test]
    async fn an_event_published_in_one_process_reaches_the_other() {
        let channel: Arc<dyn MessageChannel> = Arc::new(Loopback::default());
        let worker = ChannelEventBus::start(channel.clone()).await.unwrap();
        let api = ChannelEventBus::start(channel).await.unwrap();
        let mut heard = api.subscribe();
        let event = Event::UploadSuccess {
            owner_id: Uuid::new_v4(),
            asset_id: Uuid::new_v4(),
        };
        worker.publish(&event).await.unwrap();
        assert_eq!(heard.recv().await.unwrap(), event);
    }

    #[tokio::test]
    async fn unknown_messages_on_the_channel_are_skipped() {
        let channel: Arc<dyn MessageChannel> = Arc::new(Loopback::default());
        let bus = ChannelEventBus::start(channel.clone()).await.unwrap();
        let mut heard = bus.subscribe();
        channel.send(r#"{"type":"fromTheFuture"}"#).await.unwrap();
        bus.publish(&Event::ConfigUpdate).await.unwrap();
        assert_eq!(heard.recv().await.unwrap(), Event::ConfigUpdate);
    }
}
