//! Waking idle workers without waiting for their poll: the workers of one queue when jobs
//! are queued on it, all of them when concurrency limits change. Waking every queue for
//! each job queued cost every idle queue a claim (three statements) per upload.

use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use crate::Queue;

pub struct JobWake {
    /// One per queue, at the queue's position (`queue as usize`; [`Queue::ALL`] lists
    /// them in that order).
    queues: Vec<Notify>,
}

impl Default for JobWake {
    fn default() -> Self {
        Self {
            queues: Queue::ALL.iter().map(|_| Notify::new()).collect(),
        }
    }
}

impl JobWake {
    /// Wakes the idle workers of `queue`.
    pub fn queue(&self, queue: Queue) {
        self.notify(queue).notify_waiters();
    }

    /// Wakes every idle worker (e.g. to read changed concurrency limits).
    pub fn all(&self) {
        for notify in &self.queues {
            notify.notify_waiters();
        }
    }

    pub(crate) fn notified(&self, queue: Queue) -> Notified<'_> {
        self.notify(queue).notified()
    }

    fn notify(&self, queue: Queue) -> &Notify {
        &self.queues[queue as usize]
    }
}
