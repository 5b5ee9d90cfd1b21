//! Smart-search latency over 100,000 stored 512-d embeddings, through the store's
//! `SmartSearchRepo::search` (ranking, scope and filters, the page's records), p50/p99 over
//! repeated queries, with a metadata search of the same page size as the anchor in the same
//! run. Backends: SQLite (in-memory index), PostgreSQL without pgvector (the same index as a
//! fallback), and PostgreSQL with pgvector when SHOEBOX_TEST_PGVECTOR_URL is set
//! (scripts/pgvector-server.sh starts one; HNSW index, exact re-check is pgvector's).
//!
//!   cargo bench -p shoebox-store-sql --bench smart_search             # 100,000 embeddings
//!   SMART_SEARCH_ASSETS=1000000 SMART_SEARCH_BACKENDS=sqlite cargo bench -p shoebox-store-sql --bench smart_search
//!
//! The in-memory index's resident memory is the process's RSS growth while the first search
//! loads it (the loading's transient pages count too, so it is an upper bound).
//!
//! PostgreSQL: SHOEBOX_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).

use std::time::{Duration, Instant};

use chrono::Utc;
use shoebox_store::Store;
use shoebox_store::faces::embedding_to_bytes;
use shoebox_store::records::AssetSearch;
use sqlx::{AnyPool, AssertSqlSafe, Connection};
use uuid::Uuid;

const RUNS: usize = 200;
const DIM: usize = 512;
const BATCH: usize = 500;
/// Immich's default smart-search page.
const PAGE: i64 = 100;

/// This process's resident memory (VmRSS), in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A small deterministic generator, so every backend gets the same vectors.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    }

    /// Unit vectors around 1,000 centres, as photos cluster by subject.
    fn embedding(&mut self, centres: &[Vec<f32>]) -> Vec<f32> {
        let centre = &centres[(self.0 % centres.len() as u64) as usize];
        let v: Vec<f32> = centre.iter().map(|c| c + self.next() * 0.6).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / norm).collect()
    }
}

async fn generate(url: &str, owner: Uuid, n: usize, pgvector: bool) {
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
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let centres: Vec<Vec<f32>> = (0..1000)
        .map(|_| (0..DIM).map(|_| rng.next()).collect())
        .collect();
    let mut tx = pool.begin().await.unwrap();
    for chunk_start in (0..n).step_by(BATCH) {
        let range = chunk_start..(chunk_start + BATCH).min(n);
        let ids: Vec<Uuid> = range.clone().map(|_| Uuid::new_v4()).collect();
        let rows: Vec<String> = ids
            .iter()
            .zip(range.clone())
            .map(|(id, i)| {
                let day = 1 + i % 28;
                // Every tenth photo is archived: the scope and filters have work to do.
                let visibility = if i % 10 == 0 { "archive" } else { "timeline" };
                // The checksum is bytes: each backend writes a hex literal its own way.
                let hex = format!("{i:040x}");
                let checksum = if url.starts_with("postgres") {
                    format!("decode('{hex}', 'hex')")
                } else {
                    format!("X'{hex}'")
                };
                format!(
                    "('{id}', '{owner}', '', 'bench', 'IMAGE', '{owner}/{id}.jpg', 'IMG_{i}.jpg', \
                     {checksum}, 1000, '2024-06-{day:02}T12:00:00.000Z', '2024-06-{day:02}T12:00:00.000Z', \
                     '2024-06-{day:02}T12:00:00.000', '{visibility}', '{now}', '{now}')"
                )
            })
            .collect();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO assets (id, owner_id, device_asset_id, device_id, type, original_path, \
             original_file_name, checksum, file_size, file_created_at, file_modified_at, local_date_time, \
             visibility, created_at, updated_at) VALUES {}",
            rows.join(", ")
        )))
        .execute(&mut *tx)
        .await
        .expect("assets");
        let embeddings: Vec<Vec<f32>> = ids.iter().map(|_| rng.embedding(&centres)).collect();
        let placeholders: Vec<String> = (0..ids.len())
            .map(|k| format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3))
            .collect();
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO smart_search (asset_id, embedding, revision) VALUES {}",
            placeholders.join(", ")
        )));
        for ((id, e), i) in ids.iter().zip(&embeddings).zip(range.clone()) {
            q = q
                .bind(id.to_string())
                .bind(embedding_to_bytes(e))
                .bind(i as i64 + 1);
        }
        q.execute(&mut *tx).await.expect("embeddings");
        if pgvector {
            let values: Vec<String> = ids
                .iter()
                .zip(&embeddings)
                .map(|(id, e)| {
                    let parts: Vec<String> = e.iter().map(|x| x.to_string()).collect();
                    format!("('{id}', '[{}]')", parts.join(","))
                })
                .collect();
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO smart_search_vectors (asset_id, embedding) VALUES {}",
                values.join(", ")
            )))
            .execute(&mut *tx)
            .await
            .expect("pgvector rows");
        }
    }
    sqlx::query("INSERT INTO asset_exif (asset_id) SELECT id FROM assets")
        .execute(&mut *tx)
        .await
        .expect("exif rows");
    tx.commit().await.unwrap();
    if pgvector {
        let t = Instant::now();
        for statement in [
            "SET maintenance_work_mem = '512MB'",
            "CREATE INDEX smart_search_vectors_hnsw ON smart_search_vectors \
             USING hnsw (embedding vector_cosine_ops)",
        ] {
            sqlx::query(AssertSqlSafe(statement))
                .execute(&pool)
                .await
                .expect("hnsw index");
        }
        println!(
            "  pgvector HNSW index built in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    if url.starts_with("postgres") {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
}

async fn time<F, Fut>(label: &str, mut f: F)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut samples = Vec::with_capacity(RUNS);
    let mut size = 0;
    for run in 0..RUNS {
        let t = Instant::now();
        size = f(run).await;
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "{label:<44} p50 {:>7.2} ms   p99 {:>7.2} ms   ({size} items)",
        percentile(&samples, 0.5).as_secs_f64() * 1000.0,
        percentile(&samples, 0.99).as_secs_f64() * 1000.0
    );
}

async fn bench(label: &str, store: &Store, owner: Uuid) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let queries: Vec<Vec<f32>> = (0..RUNS)
        .map(|_| {
            let v: Vec<f32> = (0..DIM).map(|_| rng.next()).collect();
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter().map(|x| x / n).collect()
        })
        .collect();
    let search = AssetSearch {
        owner_id: owner,
        visibility: Some("timeline".into()),
        limit: PAGE + 1,
        ..AssetSearch::default()
    };
    let t = Instant::now();
    let rss_before = rss_mib();
    let warm = store
        .smart_search
        .search(&search, &queries[0])
        .await
        .unwrap();
    let rss_after = rss_mib();
    println!(
        "  {label}: first search (index {} loads) {:.1} s, {} items; RSS {:.0} -> {:.0} MiB \
         (+{:.0} MiB)",
        store.smart_search.index_kind(),
        t.elapsed().as_secs_f64(),
        warm.len(),
        rss_before,
        rss_after,
        rss_after - rss_before
    );
    time(&format!("{label} metadata search (anchor)"), |_| async {
        store.assets.search(&search).await.unwrap().len()
    })
    .await;
    time(&format!("{label} smart search, page of {PAGE}"), |run| {
        let q = &queries[run];
        let search = &search;
        async move { store.smart_search.search(search, q).await.unwrap().len() }
    })
    .await;
    let favourites = AssetSearch {
        is_favorite: Some(false),
        ..search.clone()
    };
    time(&format!("{label} smart search + filter"), |run| {
        let q = &queries[run];
        let search = &favourites;
        async move { store.smart_search.search(search, q).await.unwrap().len() }
    })
    .await;
}

/// A fresh database on the PostgreSQL server at `admin`: (name, URL).
async fn create_database(admin: &str) -> (String, String) {
    let db = format!("shoebox_bench_{}", Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("PostgreSQL for the benchmark answers");
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    (db.clone(), format!("{base}/{db}"))
}

async fn drop_database(admin: &str, db: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
    }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("SMART_SEARCH_ASSETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let pg_admin = std::env::var("SHOEBOX_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    // (label, database URL, the admin URL and name of a database to drop afterwards)
    type Run = (&'static str, String, Option<(String, String)>);
    let mut runs: Vec<Run> = vec![("SQLite (memory index)", sqlite, None)];
    // SMART_SEARCH_BACKENDS=sqlite: only SQLite (generating a million rows elsewhere is slow).
    let only_sqlite = std::env::var("SMART_SEARCH_BACKENDS").is_ok_and(|b| b == "sqlite");
    if !only_sqlite {
        let (db, url) = create_database(&pg_admin).await;
        runs.push((
            "PostgreSQL (memory fallback)",
            url,
            Some((pg_admin.clone(), db)),
        ));
    }
    match std::env::var("SHOEBOX_TEST_PGVECTOR_URL") {
        Ok(_) if only_sqlite => {}
        Ok(admin) => {
            let (db, url) = create_database(&admin).await;
            runs.push(("PostgreSQL (pgvector)", url, Some((admin, db))));
        }
        Err(_) => println!(
            "pgvector: skipped (SHOEBOX_TEST_PGVECTOR_URL unset; see scripts/pgvector-server.sh)"
        ),
    }
    for (label, url, created) in runs {
        let pgvector = label.contains("pgvector");
        // The store makes the schema (and pgvector's table); for pgvector the 512-d column
        // and its index, which the first upsert would make, are made here in bulk.
        let store = shoebox_store_sql::open(&url).await.expect("store opens");
        if pgvector {
            let pool = AnyPool::connect(&url).await.unwrap();
            sqlx::query("ALTER TABLE smart_search_vectors ALTER COLUMN embedding TYPE vector(512)")
                .execute(&pool)
                .await
                .unwrap();
        }
        drop(store);
        let owner = Uuid::new_v4();
        let t = Instant::now();
        generate(&url, owner, n, pgvector).await;
        println!(
            "{label}: generated {n} assets and embeddings in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        // Opened again, as a server starting on an existing library.
        let store = shoebox_store_sql::open(&url).await.expect("store opens");
        bench(label, &store, owner).await;
        drop(store);
        if let Some((admin, db)) = created {
            drop_database(&admin, &db).await;
        }
    }
}
