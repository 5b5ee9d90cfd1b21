//! Nightly tasks: jobs queued once a day at the configured `nightlyTasks.startTime` (UTC).

use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};

use crate::Domain;

/// The next time of day `start` ("HH:MM") after `now`.
fn next_run(start: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    let time = NaiveTime::parse_from_str(start, "%H:%M").unwrap_or(NaiveTime::MIN);
    let today = now.date_naive().and_time(time).and_utc();
    if today > now {
        today
    } else {
        today + chrono::Duration::days(1)
    }
}

impl Domain {
    /// Runs until dropped: sleeps until each night's start time, then queues the nightly
    /// jobs the configuration enables. The start time is read again every night.
    pub async fn run_nightly_tasks(self) {
        loop {
            let start = match self.system_config().await {
                Ok(config) => config.nightly_tasks.start_time,
                Err(e) => {
                    tracing::warn!("cannot read the nightly start time: {e}");
                    "00:00".to_string()
                }
            };
            let now = Utc::now();
            let wait = (next_run(&start, now) - now).to_std().unwrap_or_default();
            tokio::time::sleep(wait.max(Duration::from_secs(1))).await;
            // Tombstones older than any client may still need (Immich's audit clean-up).
            if let Err(e) = self.prune_sync_tombstones().await {
                tracing::warn!("cannot prune sync tombstones: {e}");
            }
            match self.system_config().await {
                Ok(config) if !config.nightly_tasks.generate_memories => {}
                _ => {
                    if let Err(e) = self.queue_memory_generation().await {
                        tracing::warn!("cannot queue memory generation: {e}");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_run_is_today_if_still_ahead_else_tomorrow() {
        let now: DateTime<Utc> = "2026-05-01T10:00:00Z".parse().unwrap();
        assert_eq!(
            next_run("12:30", now).to_rfc3339(),
            "2026-05-01T12:30:00+00:00"
        );
        assert_eq!(
            next_run("00:00", now).to_rfc3339(),
            "2026-05-02T00:00:00+00:00"
        );
        assert_eq!(
            next_run("10:00", now).to_rfc3339(),
            "2026-05-02T10:00:00+00:00"
        );
    }
}
