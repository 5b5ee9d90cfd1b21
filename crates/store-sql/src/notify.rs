//! PostgreSQL's `LISTEN`/`NOTIFY` as a [`MessageChannel`] between processes.
//!
//! A `NOTIFY` payload must stay under 8000 bytes, so a message travels as numbered chunks
//! (`<message id>:<index>:<count>:<text>`), all sent in one transaction: PostgreSQL delivers
//! a transaction's notifications together and in order, or not at all.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use shoebox_store::StoreResult;
use shoebox_store::messages::{Deliver, MessageChannel};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use uuid::Uuid;

use crate::codec::db_err;

/// The one channel Shoebox's processes talk on.
const CHANNEL: &str = "shoebox_events";
/// Text per chunk; with its header a chunk stays well under `NOTIFY`'s 8000 bytes.
const CHUNK_BYTES: usize = 7000;
/// How long the listener waits before reconnecting after an error.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Messages over `LISTEN`/`NOTIFY` on the database at `url`.
pub struct PgMessageChannel {
    url: String,
    /// Sending takes a connection of its own, so a busy store never delays an event.
    pool: PgPool,
}

/// The message channel of the database at `url`: PostgreSQL's, or `None` for a backend
/// that has no way to reach other processes (SQLite serves one process).
pub fn message_channel(url: &str) -> StoreResult<Option<PgMessageChannel>> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Ok(None);
    }
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_lazy(url)
        .map_err(db_err)?;
    Ok(Some(PgMessageChannel {
        url: url.to_string(),
        pool,
    }))
}

#[async_trait]
impl MessageChannel for PgMessageChannel {
    async fn send(&self, message: &str) -> StoreResult<()> {
        let id = Uuid::new_v4().simple().to_string();
        let chunks = split(message, CHUNK_BYTES);
        if let [only] = chunks.as_slice() {
            // One statement is its own transaction: no BEGIN and COMMIT round trips.
            return notify(&self.pool, &format!("{id}:0:1:{only}")).await;
        }
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        for (index, chunk) in chunks.iter().enumerate() {
            notify(&mut *tx, &format!("{id}:{index}:{}:{chunk}", chunks.len())).await?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn listen(&self, deliver: Deliver) -> StoreResult<()> {
        let mut listener = PgListener::connect(&self.url).await.map_err(db_err)?;
        listener.listen(CHANNEL).await.map_err(db_err)?;
        tokio::spawn(receive(listener, deliver));
        Ok(())
    }
}

async fn notify<'e>(executor: impl sqlx::PgExecutor<'e>, payload: &str) -> StoreResult<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(executor)
        .await
        .map(|_| ())
        .map_err(db_err)
}

/// Delivers whole messages until the process ends; the listener reconnects by itself after
/// a lost connection, and what went by meanwhile is lost (the channel is best effort).
async fn receive(mut listener: PgListener, deliver: Deliver) {
    let mut partial = Reassembly::default();
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                if let Some(message) = partial.add(notification.payload()) {
                    deliver(message);
                }
            }
            Ok(None) => {
                tracing::warn!("lost the connection that listens for events; reconnecting");
                partial = Reassembly::default();
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for events; retrying");
                partial = Reassembly::default();
                tokio::time::sleep(RECONNECT_DELAY).await;
            }
        }
    }
}

/// `text` in pieces of at most `max` bytes, cut between characters.
fn split(text: &str, max: usize) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        chunks.push(head);
        rest = tail;
    }
    chunks.push(rest);
    chunks
}

/// Chunks received so far, by message id.
#[derive(Default)]
struct Reassembly {
    pending: HashMap<String, Vec<String>>,
}

impl Reassembly {
    /// Takes one chunk; gives the whole message when this was its last chunk. Malformed
    /// payloads (another program's `NOTIFY` on the channel) are dropped.
    fn add(&mut self, payload: &str) -> Option<String> {
        let mut parts = payload.splitn(4, ':');
        let (Some(id), Some(index), Some(count), Some(text)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            tracing::warn!("ignored a malformed event notification");
            return None;
        };
        let (Ok(index), Ok(count)) = (index.parse::<usize>(), count.parse::<usize>()) else {
            tracing::warn!("ignored a malformed event notification");
            return None;
        };
        if count == 1 {
            return Some(text.to_string());
        }
        let chunks = self.pending.entry(id.to_string()).or_default();
        // Chunks of one message arrive in order; anything else means some were lost.
        if index != chunks.len() {
            self.pending.remove(id);
            return None;
        }
        chunks.push(text.to_string());
        if chunks.len() < count {
            return None;
        }
        self.pending.remove(id).map(|chunks| chunks.concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks_of(message: &str, max: usize) -> Vec<String> {
        let chunks = split(message, max);
        chunks
            .iter()
            .enumerate()
            .map(|(i, c)| format!("m1:{i}:{}:{c}", chunks.len()))
            .collect()
    }

    #[test]
    fn a_long_message_comes_back_whole_from_its_chunks() {
        let message = "é".repeat(10_000) + "{\"ids\":[1,2,3]}";
        let payloads = chunks_of(&message, CHUNK_BYTES);
        assert!(payloads.len() > 2);
        assert!(payloads.iter().all(|p| p.len() < 8000));
        let mut reassembly = Reassembly::default();
        let mut whole = None;
        for payload in &payloads {
            whole = reassembly.add(payload);
        }
        assert_eq!(whole.as_deref(), Some(message.as_str()));
        assert!(reassembly.pending.is_empty());
    }

    #[test]
    fn a_short_message_is_one_chunk_with_colons_kept() {
        let payloads = chunks_of("a:b:c", CHUNK_BYTES);
        assert_eq!(payloads.len(), 1);
        assert_eq!(
            Reassembly::default().add(&payloads[0]).as_deref(),
            Some("a:b:c")
        );
    }

    #[test]
    fn a_message_missing_a_chunk_is_dropped() {
        let payloads = chunks_of(&"x".repeat(30), 10);
        let mut reassembly = Reassembly::default();
        assert_eq!(reassembly.add(&payloads[0]), None);
        assert_eq!(reassembly.add(&payloads[2]), None);
        assert!(reassembly.pending.is_empty());
    }

    #[test]
    fn other_notifications_on_the_channel_are_ignored() {
        assert_eq!(Reassembly::default().add("hello"), None);
        assert_eq!(Reassembly::default().add("a:b:c:d"), None);
    }
}
