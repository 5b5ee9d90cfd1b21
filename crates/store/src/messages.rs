//! Messages between the processes that share one database (an API server and its workers).

use async_trait::async_trait;

use crate::StoreResult;

/// Receives every message sent on a channel; called from the channel's own task, so it must
/// not block.
pub type Deliver = Box<dyn Fn(String) + Send + Sync>;

/// A broadcast channel between processes: what one sends, every listener of every process
/// receives, the sender's own included. Delivery is best effort: a listener that is
/// disconnected while a message goes by never sees it.
///
/// PostgreSQL carries it with `LISTEN`/`NOTIFY`; another carrier (Redis pub/sub) only needs
/// this trait.
#[async_trait]
pub trait MessageChannel: Send + Sync {
    /// Sends one message, of any length.
    async fn send(&self, message: &str) -> StoreResult<()>;
    /// Starts delivering the messages sent from now on to `deliver`, until the process ends;
    /// returns once listening, or with the reason it cannot.
    async fn listen(&self, deliver: Deliver) -> StoreResult<()>;
}
