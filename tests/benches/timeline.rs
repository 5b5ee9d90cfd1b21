//! Timeline latency over a large generated library, on SQLite and PostgreSQL:
//! `time_buckets` and one 2,000-asset `time_bucket`, p50/p99 over repeated runs.
//!
//!   cargo bench -p shoebox-tests --bench timeline            # 100,000 assets
//!   TIMELINE_ASSETS=20000 cargo bench -p shoebox-tests --bench timeline
//!
//! PostgreSQL: SHOEBOX_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).

use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate, Utc};
use shoebox_store::records::TimelineFilter;
use shoebox_tests::{Backend, TestDatabase};
use sqlx::{AnyPool, AssertSqlSafe};
use uuid::Uuid;

const RUNS: usize = 200;
/// Rows per INSERT statement while generating.
const BATCH: usize = 500;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Inserts `n` assets for one owner: 2,000 in the densest month (the bucket we
/// time), the rest spread over ten years.
async fn generate(url: &str, owner: Uuid, n: usize) -> String {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.expect("bench database");
    let now = Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, is_admin, status, profile_image_path, \
         profile_changed_at, created_at, updated_at) VALUES ($1, 'bench@example.com', 'Bench', '', $2, \
         'active', '', $3, $3, $3)",
    )
    .bind(owner.to_string())
    .bind(true)
    .bind(now.clone())
    .execute(&pool)
    .await
    .expect("user");
    let dense = NaiveDate::from_ymd_opt(2024, 6, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let start = NaiveDate::from_ymd_opt(2014, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for chunk_start in (0..n).step_by(BATCH) {
        let rows = (chunk_start..(chunk_start + BATCH).min(n))
            .map(|i| {
                let taken = if i < 2000 {
                    dense + Days::minutes(i as i64 * 20)
                } else {
                    start + Days::minutes((i as i64 * 52_561) % (10 * 365 * 24 * 60))
                };
                let local = taken.format("%Y-%m-%dT%H:%M:%S%.3f");
                let id = Uuid::new_v4();
                format!(
                    "('{id}', '{owner}', '', 'bench', 'IMAGE', '{owner}/{id}.jpg', 'IMG_{i}.jpg', \
                     '{hex}', 1000, '{local}Z', '{local}Z', '{local}', 'timeline', '{now}', '{now}')",
                    hex = format_args!("{:040x}", i)
                )
            })
            .collect::<Vec<_>>();
        let values = rows.join(", ");
        let sql = format!(
            "INSERT INTO assets (id, owner_id, device_asset_id, device_id, type, original_path, \
             original_file_name, checksum, file_size, file_created_at, file_modified_at, local_date_time, \
             visibility, created_at, updated_at) VALUES {values}"
        );
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .expect("assets");
    }
    sqlx::query("INSERT INTO asset_exif (asset_id) SELECT id FROM assets")
        .execute(&mut *tx)
        .await
        .expect("exif rows");
    tx.commit().await.unwrap();
    if url.starts_with("postgres") {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    "2024-06-01".to_string()
}

async fn time<F, Fut>(label: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut samples = Vec::with_capacity(RUNS);
    let mut size = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        size = f().await;
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "{label:<40} p50 {:>7.2} ms   p99 {:>7.2} ms   ({size} items)",
        percentile(&samples, 0.5).as_secs_f64() * 1000.0,
        percentile(&samples, 0.99).as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("TIMELINE_ASSETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDatabase::open(backend).await;
        let owner = Uuid::new_v4();
        let t = Instant::now();
        let month = generate(&db.url, owner, n).await;
        println!(
            "{backend:?}: generated {n} assets in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let filter = TimelineFilter {
            owner_ids: vec![owner],
            visibility: Some("timeline".into()),
            ..TimelineFilter::default()
        };
        let store = db.store.clone();
        time(&format!("{backend:?} time_buckets"), || async {
            store.assets.time_buckets(&filter).await.unwrap().len()
        })
        .await;
        time(&format!("{backend:?} time_bucket {month}"), || async {
            store
                .assets
                .time_bucket(&filter, &month)
                .await
                .unwrap()
                .len()
        })
        .await;
    }
}
