//! The mobile app's sync stream over a large generated library, on SQLite and PostgreSQL:
//! the initial sync (every type the 3.x app requests, drained over loopback) in lines/s,
//! bytes and the process's resident-memory growth; then incremental syncs after one change
//! each, p50/p99, at 1,000 and at 100,000 assets.
//!
//!   cargo bench -p shoebox-tests --bench sync
//!   SYNC_ASSETS=20000 SYNC_BACKEND=sqlite cargo bench -p shoebox-tests --bench sync
//!
//! The server runs in this process (as in the API tests), so the memory figure is the
//! server's plus a client that only counts bytes. PostgreSQL: SHOEBOX_TEST_PG_URL.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use shoebox_tests::{Backend, SYNC_APP_TYPES as APP_TYPES, TestServer};
use sqlx::{AnyPool, AssertSqlSafe};
use uuid::Uuid;

const BATCH: usize = 500;
const INCREMENTAL_RUNS: usize = 200;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Inserts `n` assets with EXIF for the owner, straight into the database (the triggers
/// stamp their positions as for any write).
async fn generate(url: &str, owner: &str, n: usize) {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.expect("bench database");
    let pg = url.starts_with("postgres");
    let mut tx = pool.begin().await.unwrap();
    for chunk in (0..n).step_by(BATCH) {
        let rows: Vec<String> = (chunk..(chunk + BATCH).min(n))
            .map(|i| {
                let id = Uuid::new_v4();
                let hex = format!("{:040x}", i + 1);
                let checksum = if pg { format!("decode('{hex}', 'hex')") } else { format!("X'{hex}'") };
                let day = 1 + i % 28;
                format!(
                    "('{id}', '{owner}', 'd{i}', 'bench', 'IMAGE', '{owner}/{id}.jpg', 'IMG_{i}.jpg', \
                     {checksum}, 123456, '2024-05-{day:02}T10:00:00.000Z', '2024-05-{day:02}T10:00:00.000Z', \
                     '2024-05-{day:02}T10:00:00.000', 'timeline', '2024-06-01T00:00:00.000Z', \
                     '2024-06-01T00:00:00.000Z')"
                )
            })
            .collect();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO assets (id, owner_id, device_asset_id, device_id, type, original_path, \
             original_file_name, checksum, file_size, file_created_at, file_modified_at, \
             local_date_time, visibility, created_at, updated_at) VALUES {}",
            rows.join(", ")
        )))
        .execute(&mut *tx)
        .await
        .expect("assets");
    }
    sqlx::query(
        "INSERT INTO asset_exif (asset_id, make, model, city, country, latitude, longitude) \
         SELECT id, 'Canon', 'EOS R6', 'Paris', 'France', 48.85, 2.35 FROM assets \
         WHERE id NOT IN (SELECT asset_id FROM asset_exif)",
    )
    .execute(&mut *tx)
    .await
    .expect("exif");
    tx.commit().await.unwrap();
    if pg {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
}

/// One stream drained to nowhere: (lines, bytes, the last ack of each run of one type).
async fn drain(s: &TestServer, token: &str) -> (u64, u64, Vec<String>) {
    drain_types(s, token, APP_TYPES).await
}

async fn drain_types(s: &TestServer, token: &str, types: &[&str]) -> (u64, u64, Vec<String>) {
    let res = s
        .client
        .post(s.url("/sync/stream"))
        .bearer_auth(token)
        .json(&json!({ "types": types }))
        .send()
        .await
        .expect("stream");
    assert!(res.status().is_success(), "{}", res.status());
    let mut body = res.bytes_stream();
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut pending = Vec::new();
    let mut acks: Vec<(String, String)> = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("chunk");
        bytes += chunk.len() as u64;
        pending.extend_from_slice(&chunk);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            lines += 1;
            // Only the ack is read (the line's last field), without parsing the line: the
            // client drains to nowhere.
            let text = std::str::from_utf8(&line).expect("utf-8");
            let at = text.rfind("\"ack\":\"").expect("an ack") + 7;
            let ack = text[at..].trim_end().trim_end_matches("\"}").to_string();
            let kind = ack.split('|').next().unwrap_or_default().to_string();
            match acks.last_mut() {
                Some((k, a)) if *k == kind => *a = ack,
                _ => acks.push((kind, ack)),
            }
        }
    }
    (lines, bytes, acks.into_iter().map(|(_, a)| a).collect())
}

async fn ack(s: &TestServer, token: &str, acks: Vec<String>) {
    let (status, body) = s.post(token, "/sync/ack", json!({ "acks": acks })).await;
    assert_eq!(status.as_u16(), 204, "{body}");
}

async fn run(backend: Backend, n: usize) {
    let s = TestServer::start(backend).await;
    let token = s.admin().await;
    let (_, me) = s.get(&token, "/users/me").await;
    let owner = me["id"].as_str().unwrap().to_string();
    generate(&s.database_url(), &owner, n).await;

    // Initial sync, with the resident set sampled while it runs.
    let baseline = rss_kib();
    let peak = Arc::new(AtomicU64::new(baseline));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let started = Instant::now();
    let (lines, bytes, acks) = drain(&s, &token).await;
    let took = started.elapsed();
    sampler.abort();
    let growth = peak.load(Ordering::Relaxed).saturating_sub(baseline);
    println!(
        "{} {n:>7} assets: initial sync {lines} lines, {:.1} MB in {:.2} s = {:.0} lines/s, \
         RSS growth {:.1} MiB",
        backend_name(backend),
        bytes as f64 / 1e6,
        took.as_secs_f64(),
        lines as f64 / took.as_secs_f64(),
        growth as f64 / 1024.0
    );
    ack(&s, &token, acks).await;

    // Incremental: one asset changes, the phone syncs and acks.
    let (_, page) = s.post(&token, "/search/metadata", json!({"size": 1})).await;
    let asset = page["assets"]["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut times = Vec::with_capacity(INCREMENTAL_RUNS);
    for i in 0..INCREMENTAL_RUNS {
        let (status, _) = s
            .put(
                &token,
                &format!("/assets/{asset}"),
                json!({"isFavorite": i % 2 == 0}),
            )
            .await;
        assert!(status.is_success());
        let started = Instant::now();
        let (lines, _, acks) = drain(&s, &token).await;
        times.push(started.elapsed());
        assert!(lines >= 2, "the change and the end");
        ack(&s, &token, acks).await;
    }
    times.sort();
    println!(
        "{} {n:>7} assets: incremental sync after one change p50 {:.2} ms, p99 {:.2} ms",
        backend_name(backend),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3
    );
    // Where an incremental sync's time goes: each type alone, with nothing to send.
    let mut costs = Vec::new();
    for t in APP_TYPES {
        let mut runs: Vec<Duration> = Vec::new();
        for _ in 0..9 {
            let started = Instant::now();
            drain_types(&s, &token, &[t]).await;
            runs.push(started.elapsed());
        }
        runs.sort();
        costs.push(format!(
            "{t} {:.1}",
            percentile(&runs, 0.5).as_secs_f64() * 1e3
        ));
    }
    println!(
        "{} {n:>7} assets: per type (ms) {}",
        backend_name(backend),
        costs.join(", ")
    );
    s.stop().await;
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite  ",
        Backend::Postgres => "postgres",
    }
}

#[tokio::main]
async fn main() {
    let big: usize = std::env::var("SYNC_ASSETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let only = std::env::var("SYNC_BACKEND").unwrap_or_default();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if !only.is_empty() && backend_name(backend).trim() != only {
            continue;
        }
        for n in [1_000, big] {
            run(backend, n).await;
        }
    }
}
