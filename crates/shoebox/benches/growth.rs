//! Growth: the real server (this build's binary) on SQLite over a generated library of
//! GROWTH_ASSETS assets (default 1,000,000) with EXIF, spread over 3 users, measured over
//! HTTP as a client sees it: start-up to serving, idle RSS, the timeline (all buckets, and
//! one bucket of 2,000 assets) and metadata search (camera, place, date range; deep pages)
//! p50/p99.
//!
//!   cargo bench -p shoebox --bench growth                   # 1,000,000 assets
//!   GROWTH_ASSETS=100000 cargo bench -p shoebox --bench growth
//!
//! GROWTH_KEEP=<dir>: generate into (or reuse) that folder instead of a temporary one.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use uuid::Uuid;

const RUNS: usize = 200;
const USERS: usize = 3;
/// Rows per INSERT statement while generating.
const BATCH: usize = 500;
/// The month every user has 2,000 photos in: the bucket we time.
const DENSE_MONTH: &str = "2024-06-01";
const CAMERAS: [(&str, &str); 8] = [
    ("Apple", "iPhone 15 Pro"),
    ("Apple", "iPhone 12"),
    ("samsung", "SM-S918B"),
    ("Google", "Pixel 8"),
    ("Canon", "Canon EOS R6"),
    ("NIKON CORPORATION", "NIKON Z 6_2"),
    ("SONY", "ILCE-7M4"),
    ("FUJIFILM", "X-T5"),
];
const PLACES: [(&str, &str, &str, f64, f64); 10] = [
    ("Paris", "Île-de-France", "France", 48.8566, 2.3522),
    ("Berlin", "Berlin", "Germany", 52.52, 13.405),
    ("Lisbon", "Lisbon", "Portugal", 38.7223, -9.1393),
    ("Kyoto", "Kyoto", "Japan", 35.0116, 135.7681),
    (
        "Seattle",
        "Washington",
        "United States of America",
        47.6062,
        -122.3321,
    ),
    (
        "Cape Town",
        "Western Cape",
        "South Africa",
        -33.9249,
        18.4241,
    ),
    ("Sydney", "New South Wales", "Australia", -33.8688, 151.2093),
    ("Reykjavík", "Capital Region", "Iceland", 64.1466, -21.9426),
    (
        "Buenos Aires",
        "Buenos Aires",
        "Argentina",
        -34.6037,
        -58.3816,
    ),
    ("Zermatt", "Valais", "Switzerland", 46.0207, 7.7491),
];

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server on `data`; answers it once `/server/ping` answers, and how long that took.
async fn start(data: &Path, log: &Path) -> (Server, Duration) {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_shoebox"))
        .args(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir"])
        .arg(data)
        .env("NO_COLOR", "1")
        .env("SHOEBOX_LOG", "info")
        .env_remove("SHOEBOX_ML_LIBRARY")
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the shoebox binary starts");
    // Owned at once, so that a panic below still kills it.
    let mut server = Server {
        child,
        url: String::new(),
    };
    let client = reqwest::Client::new();
    loop {
        assert!(started.elapsed() < Duration::from_secs(600), "never served");
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(port) = text
            .lines()
            .filter(|l| l.contains("listening"))
            .find_map(|l| l.split("127.0.0.1:").nth(1))
            .map(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
        {
            let url = format!("http://127.0.0.1:{port}/api");
            if client
                .get(format!("{url}/server/ping"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                server.url = url;
                return (server, started.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: Value) -> Value {
    let mut req = client.post(url).json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let value: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST {url}: {status} {value}");
    value
}

/// The users (id, token): the admin signs up and makes the others.
async fn make_users(url: &str) -> Vec<(Uuid, String)> {
    let client = reqwest::Client::new();
    let password = "growth-bench-password";
    post(
        &client,
        &format!("{url}/auth/admin-sign-up"),
        None,
        json!({"email": "user0@example.com", "password": password, "name": "User 0"}),
    )
    .await;
    let login = |email: String| {
        let client = client.clone();
        async move {
            let session = post(
                &client,
                &format!("{url}/auth/login"),
                None,
                json!({"email": email, "password": password}),
            )
            .await;
            (
                session["userId"].as_str().unwrap().parse().unwrap(),
                session["accessToken"].as_str().unwrap().to_string(),
            )
        }
    };
    let admin = login("user0@example.com".into()).await;
    let mut users = vec![admin.clone()];
    for i in 1..USERS {
        post(
            &client,
            &format!("{url}/admin/users"),
            Some(&admin.1),
            json!({"email": format!("user{i}@example.com"), "password": password, "name": format!("User {i}")}),
        )
        .await;
        users.push(login(format!("user{i}@example.com")).await);
    }
    users
}

/// `n` assets with EXIF, round-robin over `owners`: each owner's first 2,000 in
/// [`DENSE_MONTH`], the rest over ten years; cameras and places cycle.
async fn generate(db: &Path, owners: &[Uuid], n: usize) {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("the library's database opens");
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let dense = chrono::NaiveDate::parse_from_str(DENSE_MONTH, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2014, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let started = Instant::now();
    for chunk_start in (0..n).step_by(BATCH) {
        let mut tx = conn.begin().await.unwrap();
        let mut assets = Vec::with_capacity(BATCH);
        let mut exif = Vec::with_capacity(BATCH);
        for i in chunk_start..(chunk_start + BATCH).min(n) {
            let owner = owners[i % owners.len()];
            let nth = i / owners.len();
            let taken = if nth < 2000 {
                dense + chrono::Duration::minutes(nth as i64 * 20)
            } else {
                start + chrono::Duration::minutes((nth as i64 * 52_561) % (10 * 365 * 24 * 60))
            };
            let local = taken.format("%Y-%m-%dT%H:%M:%S%.3f");
            let id = Uuid::new_v4();
            // Processed, as a library that grew over the years is: metadata read.
            assets.push(format!(
                "('{id}', '{owner}', 'IMG_{i}.jpg-{i}', 'growth', 'IMAGE', 'upload/{owner}/{id}.jpg', \
                 'IMG_{i}.jpg', X'{i:040x}', 2400000, '{local}Z', '{local}Z', '{local}', 'timeline', \
                 '{now}', '{now}', '{now}')"
            ));
            let (make, model) = CAMERAS[i % CAMERAS.len()];
            let (city, state, country, lat, lon) = PLACES[(i / 7) % PLACES.len()];
            exif.push(format!(
                "('{id}', '{make}', '{model}', '{city}', '{state}', '{country}', {lat}, {lon}, \
                 '{local}Z', 4032, 3024, 200, 2.8, 26.0, '1/250', '1')"
            ));
        }
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO assets (id, owner_id, device_asset_id, device_id, type, original_path, \
             original_file_name, checksum, file_size, file_created_at, file_modified_at, \
             local_date_time, visibility, created_at, updated_at, metadata_extracted_at) VALUES {}",
            assets.join(", ")
        )))
        .execute(&mut *tx)
        .await
        .expect("assets");
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO asset_exif (asset_id, make, model, city, state, country, latitude, \
             longitude, date_time_original, exif_image_width, exif_image_height, iso, f_number, \
             focal_length, exposure_time, orientation) VALUES {}",
            exif.join(", ")
        )))
        .execute(&mut *tx)
        .await
        .expect("exif");
        tx.commit().await.unwrap();
        if (chunk_start + BATCH).is_multiple_of(100_000) {
            println!(
                "  generated {} assets ({:.0} s)",
                chunk_start + BATCH,
                started.elapsed().as_secs_f64()
            );
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// p50/p99 of `RUNS` requests, each user in turn; `count` says how many items an answer held.
async fn time(
    label: &str,
    server: &Server,
    users: &[(Uuid, String)],
    request: impl Fn(&reqwest::Client, &str, usize) -> reqwest::RequestBuilder,
    count: impl Fn(&Value) -> usize,
) -> Duration {
    let client = reqwest::Client::new();
    let mut samples = Vec::with_capacity(RUNS);
    let mut items = 0;
    for run in 0..RUNS {
        let token = &users[run % users.len()].1;
        let t = Instant::now();
        let res = request(&client, &server.url, run)
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = res.status();
        let body: Value = res.json().await.expect("JSON answer");
        samples.push(t.elapsed());
        assert!(status.is_success(), "{label}: {status} {body}");
        items = count(&body);
    }
    samples.sort();
    let p99 = percentile(&samples, 0.99);
    println!(
        "{label:<52} p50 {:>7.2} ms   p99 {:>7.2} ms   ({items} items)",
        percentile(&samples, 0.5).as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0
    );
    p99
}

fn items(body: &Value) -> usize {
    body["assets"]["items"].as_array().map_or(0, Vec::len)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("GROWTH_ASSETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("GROWTH_KEEP")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().to_path_buf());
    let data = dir.join("data");
    let users_file = dir.join("users.json");
    let users: Vec<(Uuid, String)> = if users_file.exists() {
        serde_json::from_slice(&std::fs::read(&users_file).unwrap()).unwrap()
    } else {
        let (server, _) = start(&data, &dir.join("serve-0.log")).await;
        let users = make_users(&server.url).await;
        drop(server);
        let t = Instant::now();
        generate(
            &data.join("shoebox.db"),
            &users.iter().map(|u| u.0).collect::<Vec<_>>(),
            n,
        )
        .await;
        println!(
            "generated {n} assets with EXIF for {USERS} users in {:.0} s",
            t.elapsed().as_secs_f64()
        );
        std::fs::write(&users_file, serde_json::to_vec(&users).unwrap()).unwrap();
        users
    };
    let db_size = std::fs::metadata(data.join("shoebox.db")).map_or(0, |m| m.len());
    println!(
        "library: {n} assets, database {:.0} MiB",
        db_size as f64 / 1048576.0
    );

    // Start-up: best of three, as the page cache is warm after the first.
    let mut startups = Vec::new();
    for i in 0..3 {
        let (server, took) = start(&data, &dir.join(format!("serve-{}.log", i + 1))).await;
        startups.push(took);
        drop(server);
    }
    let (server, took) = start(&data, &dir.join("serve.log")).await;
    startups.push(took);
    println!(
        "start-up to serving: {}",
        startups
            .iter()
            .map(|d| format!("{:.0} ms", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = server.child.id();
    println!("idle RSS after start: {:.1} MiB", rss_mib(pid));

    let timeline = "visibility=timeline&withStacked=true";
    time(
        "timeline: all buckets",
        &server,
        &users,
        |c, url, _| c.get(format!("{url}/timeline/buckets?{timeline}")),
        |b| b.as_array().map_or(0, Vec::len),
    )
    .await;
    time(
        &format!("timeline: bucket {DENSE_MONTH}"),
        &server,
        &users,
        |c, url, _| {
            c.get(format!(
                "{url}/timeline/bucket?timeBucket={DENSE_MONTH}&{timeline}"
            ))
        },
        |b| b["id"].as_array().map_or(0, Vec::len),
    )
    .await;
    time(
        "metadata search: camera (make + model), page 1..5",
        &server,
        &users,
        |c, url, run| {
            let (make, model) = CAMERAS[run % CAMERAS.len()];
            c.post(format!("{url}/search/metadata"))
                .json(&json!({"make": make, "model": model, "page": 1 + run % 5, "size": 100}))
        },
        items,
    )
    .await;
    time(
        "metadata search: place (country + city), page 1..5",
        &server,
        &users,
        |c, url, run| {
            let (city, _, country, _, _) = PLACES[run % PLACES.len()];
            c.post(format!("{url}/search/metadata"))
                .json(&json!({"country": country, "city": city, "page": 1 + run % 5, "size": 100}))
        },
        items,
    )
    .await;
    time(
        "metadata search: date range (a year), page 1..5",
        &server,
        &users,
        |c, url, run| {
            let year = 2014 + run % 10;
            c.post(format!("{url}/search/metadata")).json(&json!({
                "takenAfter": format!("{year}-01-01T00:00:00.000Z"),
                "takenBefore": format!("{}-01-01T00:00:00.000Z", year + 1),
                "page": 1 + run % 5,
                "size": 100,
            }))
        },
        items,
    )
    .await;
    time(
        "metadata search: camera + place + year",
        &server,
        &users,
        |c, url, run| {
            let (make, _) = CAMERAS[run % CAMERAS.len()];
            let (city, _, _, _, _) = PLACES[run % PLACES.len()];
            let year = 2014 + run % 10;
            c.post(format!("{url}/search/metadata")).json(&json!({
                "make": make,
                "city": city,
                "takenAfter": format!("{year}-01-01T00:00:00.000Z"),
                "takenBefore": format!("{}-01-01T00:00:00.000Z", year + 1),
                "size": 100,
            }))
        },
        items,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("idle RSS after the queries: {:.1} MiB", rss_mib(pid));
}
