//! Messages between two processes' channels through a real PostgreSQL: long ones cross
//! `NOTIFY`'s 8000-byte limit in chunks and arrive whole, in order.
//!
//! Needs PostgreSQL (`SHOEBOX_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres);
//! skipped, saying so, when none answers.

use std::time::Duration;

use shoebox_store::messages::MessageChannel;
use tokio::sync::mpsc;

fn postgres_url() -> String {
    std::env::var("SHOEBOX_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

#[tokio::test]
async fn a_message_sent_by_one_process_reaches_a_listener_of_another_whole_and_in_order() {
    let url = postgres_url();
    let sender = shoebox_store_sql::message_channel(&url)
        .expect("a PostgreSQL URL has a channel")
        .expect("PostgreSQL carries messages");
    let receiver = shoebox_store_sql::message_channel(&url)
        .expect("a PostgreSQL URL has a channel")
        .expect("PostgreSQL carries messages");
    let (heard, mut inbox) = mpsc::unbounded_channel();
    let listening = tokio::time::timeout(
        Duration::from_secs(5),
        receiver.listen(Box::new(move |message| {
            let _ = heard.send(message);
        })),
    )
    .await;
    match listening {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return eprintln!("skipped: no PostgreSQL at {url} ({e})"),
        Err(_) => return eprintln!("skipped: PostgreSQL at {url} did not answer in 5 s"),
    }

    // A marker keeps this test's messages apart from anything else on the channel.
    let marker = uuid::Uuid::new_v4().to_string();
    let long = format!("{marker}:{}", "ü€".repeat(6000));
    let short = format!("{marker}:short");
    sender.send(&long).await.expect("long message sent");
    sender.send(&short).await.expect("short message sent");

    let mut received = Vec::new();
    while received.len() < 2 {
        let message = tokio::time::timeout(Duration::from_secs(10), inbox.recv())
            .await
            .expect("messages arrive within 10 s")
            .expect("the channel stays open");
        if message.starts_with(&marker) {
            received.push(message);
        }
    }
    assert_eq!(received[0].len(), long.len());
    assert_eq!(received, vec![long, short]);
}

#[test]
fn sqlite_has_no_channel_between_processes() {
    assert!(
        shoebox_store_sql::message_channel("sqlite:///tmp/x.db")
            .unwrap()
            .is_none()
    );
}
