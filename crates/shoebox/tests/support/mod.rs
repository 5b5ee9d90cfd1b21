//! What the process tests share: the real `shoebox` binary as a child process, a client of
//! its API, and distinct camera-like JPEGs.

// Each test binary uses part of it.
#![allow(dead_code)]

use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

/// A running `shoebox` process, its output in a log file; SIGKILLed when
/// dropped so that a failing test leaves nothing running.
pub struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    pub fn spawn(log: PathBuf, args: &[&str], env: &[(&str, &str)]) -> Self {
        let out = File::create(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_shoebox"))
            .args(args)
            .envs(env.iter().copied())
            .env("SHOEBOX_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .expect("the shoebox binary starts");
        Self { child, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics with the log if the process has already exited.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("child status") {
            panic!("shoebox exited early ({status}):\n{}", self.log_text());
        }
    }

    /// SIGKILL: no shutdown handler runs, running jobs are abandoned where they are.
    pub fn sigkill(&mut self) {
        self.child.kill().expect("SIGKILL is sent");
        let status = self.child.wait().expect("killed child is reaped");
        assert_eq!(status.signal(), Some(SIGKILL), "{status}");
    }
}

const SIGKILL: i32 = 9;

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `shoebox serve` with `dir/data` as its data folder, on a free loopback port, logging to
/// `dir/log`; on SQLite unless `args` give a `--database-url`.
pub fn serve(dir: &Path, log: &str, args: &[&str], env: &[(&str, &str)]) -> Process {
    let data = dir.join("data");
    let mut all = vec![
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data-dir",
        data.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    Process::spawn(dir.join(log), &all, env)
}

pub fn postgres_admin_url() -> String {
    std::env::var("SHOEBOX_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn database_url(admin_url: &str, db: &str) -> String {
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{db}")
}

/// A private database, dropped with the value even when the test panics.
pub struct TestDatabase {
    name: String,
    pub url: String,
}

impl TestDatabase {
    /// `None` (after saying why) when no PostgreSQL answers.
    pub async fn create() -> Option<Self> {
        let admin = postgres_admin_url();
        let connect = tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(&admin));
        let mut conn = match connect.await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                eprintln!(
                    "skipped: no PostgreSQL at {admin} ({e}); set SHOEBOX_TEST_PG_URL to run this test"
                );
                return None;
            }
            Err(_) => {
                eprintln!(
                    "skipped: PostgreSQL at {admin} did not answer in 5 s; set SHOEBOX_TEST_PG_URL to run this test"
                );
                return None;
            }
        };
        let name = format!("shoebox_worker_{}", uuid::Uuid::new_v4().simple());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("test database is created");
        Some(Self {
            url: database_url(&admin, &name),
            name,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // The test's runtime may be unwinding: drop the database from a runtime of its own.
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    if let Ok(mut conn) = PgConnection::connect(&postgres_admin_url()).await {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                            .execute(&mut conn)
                            .await;
                    }
                })
        })
        .join();
    }
}

/// Waits for the server's "listening" log line and returns its port.
pub async fn listening_port(server: &mut Process) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = server.log_text();
        let port = log
            .lines()
            .filter(|l| l.contains("listening"))
            .find_map(|l| l.split("127.0.0.1:").nth(1))
            .and_then(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            });
        if let Some(port) = port {
            return port;
        }
        server.assert_running();
        assert!(Instant::now() < deadline, "server never listened:\n{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A minimal EXIF APP1 segment (little-endian TIFF) with Make, Model and DateTimeOriginal.
pub fn exif_app1(make: &str, model: &str, taken: &str) -> Vec<u8> {
    let ascii = |s: &str| [s.as_bytes(), b"\0"].concat();
    let (make, model, taken) = (ascii(make), ascii(model), ascii(taken));
    assert!(
        make.len() > 4 && model.len() > 4,
        "values live outside the IFD"
    );
    let ifd0: u32 = 8;
    let exif_ifd = ifd0 + 2 + 3 * 12 + 4;
    let data_start = exif_ifd + 2 + 12 + 4;
    let mut data = Vec::new();
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(ifd0.to_le_bytes());
    fn entry(tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32) {
        tiff.extend(tag.to_le_bytes());
        tiff.extend(kind.to_le_bytes());
        tiff.extend(count.to_le_bytes());
        tiff.extend(value.to_le_bytes());
    }
    let mut ascii_entry = |tiff: &mut Vec<u8>, tag: u16, value: &[u8]| {
        let offset = data_start + data.len() as u32;
        data.extend_from_slice(value);
        entry(tiff, tag, 2, value.len() as u32, offset);
    };
    tiff.extend(3u16.to_le_bytes());
    ascii_entry(&mut tiff, 0x010F, &make);
    ascii_entry(&mut tiff, 0x0110, &model);
    entry(&mut tiff, 0x8769, 4, 1, exif_ifd);
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    ascii_entry(&mut tiff, 0x9003, &taken);
    tiff.extend(0u32.to_le_bytes());
    assert_eq!(tiff.len() as u32, data_start);
    tiff.extend(data);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(u16::try_from(2 + 6 + tiff.len()).unwrap().to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(tiff);
    app1
}

/// A camera-sized JPEG without metadata: large enough that thumbnailing it
/// takes a while, so a worker is caught in the middle of one.
pub fn base_jpeg() -> Vec<u8> {
    let (w, h) = (1600u32, 1200u32);
    let pixels = image::RgbImage::from_fn(w, h, |x, y| {
        // Texture, not flat colour, so the decoder has real work.
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 32;
        image::Rgb([
            (x * 224 / w + n) as u8,
            (y * 224 / h + n) as u8,
            ((x + y) * 224 / (w + h) + n) as u8,
        ])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&pixels)
        .expect("JPEG encodes");
    jpeg
}

/// Photo `i`: the base image with EXIF of its own, so every upload is a
/// distinct file whose metadata says which one it is.
pub fn photo(base: &[u8], i: usize) -> Vec<u8> {
    let exif = exif_app1(
        "Shoebox",
        &format!("Test camera {i:02}"),
        &format!("2021:06:{:02} 10:30:00", i + 1),
    );
    // Right after SOI, where cameras put it.
    [&base[..2], &exif, &base[2..]].concat()
}

pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req.send().await.expect("request reaches the server");
        let status = res.status();
        let bytes = res.bytes().await.expect("body reads");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn get(&self, path: &str) -> Value {
        let req = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        let (status, body) = self.send(req).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// GET `path` with the API's token, answered as it comes.
    pub async fn fetch(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Waits up to `within` until the two media queues have nothing left to do, while
    /// `worker` (the process running their jobs) keeps running; answers their statistics.
    /// `context` starts the message of a timeout.
    pub async fn media_queues_settle(
        &self,
        worker: &mut Process,
        within: Duration,
        context: &str,
    ) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let queues = self.media_queues().await;
            if unfinished(&queues["metadataExtraction"]) == 0
                && unfinished(&queues["thumbnailGeneration"]) == 0
            {
                return queues;
            }
            worker.assert_running();
            assert!(
                Instant::now() < deadline,
                "{context}: {queues}\n{}",
                worker.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `{queue name: statistics}` for the two queues uploads feed.
    pub async fn media_queues(&self) -> Value {
        let list = self.get("/queues").await;
        let stats = |name: &str| {
            list.as_array()
                .expect("queue list")
                .iter()
                .find(|q| q["name"] == name)
                .unwrap_or_else(|| panic!("{name} missing from {list}"))["statistics"]
                .clone()
        };
        json!({
            "metadataExtraction": stats("metadataExtraction"),
            "thumbnailGeneration": stats("thumbnailGeneration"),
        })
    }
}

/// How many of a queue's jobs (its statistics) are not done: waiting, active or delayed.
pub fn unfinished(stats: &Value) -> i64 {
    ["waiting", "active", "delayed"]
        .iter()
        .map(|k| stats[k].as_i64().unwrap())
        .sum()
}

pub async fn sign_up_and_log_in(client: &reqwest::Client, base: &str) -> String {
    let (email, password) = ("admin@example.com", "admin-password");
    let res = client
        .post(format!("{base}/auth/admin-sign-up"))
        .json(&json!({"email": email, "name": "Admin", "password": password}))
        .send()
        .await
        .expect("sign-up reaches the server");
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = client
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login reaches the server");
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.expect("login answers JSON");
    body["accessToken"]
        .as_str()
        .expect("accessToken")
        .to_string()
}

/// The upload of `bytes` as a file called `name`, as the CLI sends it.
fn upload_request(api: &Api, name: String, bytes: Vec<u8>) -> reqwest::RequestBuilder {
    let form = reqwest::multipart::Form::new()
        .text("fileCreatedAt", "2024-03-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-03-01T10:00:00.000Z")
        .text("isFavorite", "false")
        .part(
            "assetData",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
    api.client
        .post(format!("{}/assets", api.base))
        .bearer_auth(&api.token)
        .multipart(form)
}

/// Uploads `bytes` as a file called `name`; panics unless it is created.
pub async fn upload_file(api: &Api, name: &str, bytes: Vec<u8>) -> String {
    let (status, body) = api.send(upload_request(api, name.into(), bytes)).await;
    assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
    body["id"].as_str().expect("asset id").to_string()
}

/// Uploads photo `i`; panics unless it is created.
pub async fn upload(api: &Api, base: &[u8], i: usize) -> String {
    upload_file(api, &format!("photo-{i:02}.jpg"), photo(base, i)).await
}

/// Uploads photo `i` to a server that may die meanwhile: the asset's id once the server
/// acknowledged it, `None` when the connection broke first; any other answer panics.
pub async fn try_upload(api: &Api, base: &[u8], i: usize) -> Option<String> {
    let res = upload_request(api, format!("photo-{i:02}.jpg"), photo(base, i))
        .send()
        .await
        .ok()?;
    let status = res.status();
    let body: Value = serde_json::from_slice(&res.bytes().await.ok()?).unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Some(body["id"].as_str().expect("asset id").to_string())
}
