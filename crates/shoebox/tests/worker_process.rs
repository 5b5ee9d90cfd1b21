//! `shoebox worker` as its own process: the real binary, against the
//! PostgreSQL database and data folder of a `shoebox serve --workers false`,
//! runs the jobs the server queued, and a worker killed mid-job loses none of
//! them — its lease runs out and the next worker finishes them.
//!
//! Needs PostgreSQL (`SHOEBOX_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`); skips when none answers.

use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection, Row};

const ASSETS: usize = 8;
/// The killed worker's lease: short, so the takeover is seconds away.
const KILLED_WORKER_LEASE_SECONDS: &str = "4";

fn postgres_admin_url() -> String {
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
struct TestDatabase {
    name: String,
    url: String,
}

impl TestDatabase {
    /// `None` (after saying why) when no PostgreSQL answers.
    async fn create() -> Option<Self> {
        let admin = postgres_admin_url();
        let connect = tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(&admin));
        let mut conn = match connect.await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                eprintln!(
                    "skipped: no PostgreSQL at {admin} ({e}); set SHOEBOX_TEST_PG_URL to run the worker-process test"
                );
                return None;
            }
            Err(_) => {
                eprintln!(
                    "skipped: PostgreSQL at {admin} did not answer in 5 s; set SHOEBOX_TEST_PG_URL to run the worker-process test"
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

/// A running `shoebox` process, its output in a log file; SIGKILLed when
/// dropped so that a failing test leaves nothing running.
struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    fn spawn(log: PathBuf, args: &[&str], env: &[(&str, &str)]) -> Self {
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

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics with the log if the process has already exited.
    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("child status") {
            panic!("shoebox exited early ({status}):\n{}", self.log_text());
        }
    }

    /// SIGKILL: no shutdown handler runs, running jobs are abandoned where they are.
    fn sigkill(&mut self) {
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

/// Waits for the server's "listening" log line and returns its port.
async fn listening_port(server: &mut Process) -> u16 {
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
fn exif_app1(make: &str, model: &str, taken: &str) -> Vec<u8> {
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
fn base_jpeg() -> Vec<u8> {
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
fn photo(base: &[u8], i: usize) -> Vec<u8> {
    let exif = exif_app1(
        "Shoebox",
        &format!("Test camera {i:02}"),
        &format!("2021:06:{:02} 10:30:00", i + 1),
    );
    // Right after SOI, where cameras put it.
    [&base[..2], &exif, &base[2..]].concat()
}

struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req.send().await.expect("request reaches the server");
        let status = res.status();
        let bytes = res.bytes().await.expect("body reads");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn get(&self, path: &str) -> Value {
        let req = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        let (status, body) = self.send(req).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// `{queue name: statistics}` for the two queues uploads feed.
    async fn media_queues(&self) -> Value {
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

async fn sign_up_and_log_in(client: &reqwest::Client, base: &str) -> String {
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

async fn upload(api: &Api, base: &[u8], i: usize) -> String {
    let form = reqwest::multipart::Form::new()
        .text("fileCreatedAt", "2024-03-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-03-01T10:00:00.000Z")
        .text("isFavorite", "false")
        .part(
            "assetData",
            reqwest::multipart::Part::bytes(photo(base, i)).file_name(format!("photo-{i:02}.jpg")),
        );
    let req = api
        .client
        .post(format!("{}/assets", api.base))
        .bearer_auth(&api.token)
        .multipart(form);
    let (status, body) = api.send(req).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().expect("asset id").to_string()
}

/// `(job id, queue)` of the jobs `pid`'s workers hold; worker ids start `<host>-<pid>/`.
async fn jobs_held_by(db: &mut PgConnection, pid: u32) -> Vec<(String, String)> {
    sqlx::query("SELECT id, queue FROM jobs WHERE status = 'active' AND worker LIKE $1")
        // Workers are named `<host>-<pid>-<8 characters of the instance>/<queue>/<slot>`.
        .bind(format!("%-{pid}-________/%"))
        .fetch_all(db)
        .await
        .expect("jobs table reads")
        .iter()
        .map(|r| (r.get("id"), r.get("queue")))
        .collect()
}

/// The asset of every completed job on `queue`, once per job.
async fn assets_with_completed_jobs(db: &mut PgConnection, queue: &str) -> Vec<String> {
    sqlx::query("SELECT payload FROM jobs WHERE queue = $1 AND status = 'completed'")
        .bind(queue)
        .fetch_all(db)
        .await
        .expect("jobs table reads")
        .iter()
        .map(|r| {
            let payload: Value = serde_json::from_str(&r.get::<String, _>("payload")).unwrap();
            payload["assetId"].as_str().expect("assetId").to_string()
        })
        .collect()
}

fn spawn_worker(dir: &Path, db_url: &str, log: &str, env: &[(&str, &str)]) -> Process {
    let data = dir.join("data");
    Process::spawn(
        dir.join(log),
        &[
            "worker",
            "--data-dir",
            data.to_str().unwrap(),
            "--database-url",
            db_url,
        ],
        env,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_process_finishes_queued_jobs_and_a_sigkilled_worker_loses_none() {
    // Declared first so it is dropped last, after every process using it is dead.
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");

    let mut server = Process::spawn(
        dir.path().join("serve.log"),
        &[
            "serve",
            "--workers",
            "false",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            data.to_str().unwrap(),
            "--database-url",
            &database.url,
        ],
        &[],
    );
    let port = listening_port(&mut server).await;
    let base = format!("http://127.0.0.1:{port}/api");
    let client = reqwest::Client::new();
    let token = sign_up_and_log_in(&client, &base).await;
    let api = Api {
        client,
        base,
        token,
    };

    let jpeg = base_jpeg();
    let mut ids = Vec::new();
    for i in 0..ASSETS {
        ids.push(upload(&api, &jpeg, i).await);
    }
    // With no worker anywhere, the server only queues.
    let queues = api.media_queues().await;
    assert_eq!(queues["metadataExtraction"]["waiting"], ASSETS, "{queues}");
    assert_eq!(queues["metadataExtraction"]["active"], 0, "{queues}");
    assert_eq!(queues["metadataExtraction"]["completed"], 0, "{queues}");
    assert_eq!(queues["thumbnailGeneration"]["waiting"], 0, "{queues}");

    let mut db = PgConnection::connect(&database.url)
        .await
        .expect("test database opens");
    let mut doomed = spawn_worker(
        dir.path(),
        &database.url,
        "worker-1.log",
        &[("SHOEBOX_JOB_LEASE_SECONDS", KILLED_WORKER_LEASE_SECONDS)],
    );
    // Thumbnails are the slow jobs, queued by metadata jobs as they finish:
    // once one runs, a backlog keeps this worker's slots busy.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let held = jobs_held_by(&mut db, doomed.pid()).await;
        if held.iter().any(|(_, queue)| queue == "thumbnailGeneration") {
            break;
        }
        doomed.assert_running();
        assert!(
            Instant::now() < deadline,
            "worker 1 never started a thumbnail job:\n{}",
            doomed.log_text()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    doomed.sigkill();
    let orphaned = jobs_held_by(&mut db, doomed.pid()).await;
    assert!(
        !orphaned.is_empty(),
        "the kill should land while worker 1 holds jobs"
    );
    let queues = api.media_queues().await;
    let unfinished = |q: &Value| {
        ["waiting", "active", "delayed"]
            .iter()
            .map(|k| q[k].as_i64().unwrap())
            .sum::<i64>()
    };
    assert!(
        unfinished(&queues["thumbnailGeneration"]) > 0,
        "worker 1 finished everything before the kill: {queues}"
    );

    let mut rescuer = spawn_worker(dir.path(), &database.url, "worker-2.log", &[]);
    let deadline = Instant::now() + Duration::from_secs(180);
    let queues = loop {
        let queues = api.media_queues().await;
        if unfinished(&queues["metadataExtraction"]) == 0
            && unfinished(&queues["thumbnailGeneration"]) == 0
        {
            break queues;
        }
        rescuer.assert_running();
        assert!(
            Instant::now() < deadline,
            "jobs never settled: {queues}\n{}",
            rescuer.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for queue in ["metadataExtraction", "thumbnailGeneration"] {
        assert_eq!(queues[queue]["failed"], 0, "{queues}");
        // Every asset has a finished job on both queues.
        let mut done = assets_with_completed_jobs(&mut db, queue).await;
        done.sort();
        done.dedup();
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(done, expected, "{queue}: {queues}");
    }
    assert_eq!(
        queues["metadataExtraction"]["completed"], ASSETS,
        "{queues}"
    );
    // At least once, not exactly once: a metadata job rerun after it had queued its
    // thumbnail, whose job then finished first, queues that thumbnail once more.
    let rerun_metadata = orphaned
        .iter()
        .filter(|(_, queue)| queue == "metadataExtraction")
        .count();
    let thumbnails = queues["thumbnailGeneration"]["completed"].as_u64().unwrap() as usize;
    assert!(
        (ASSETS..=ASSETS + rerun_metadata).contains(&thumbnails),
        "{thumbnails} thumbnail jobs for {ASSETS} assets, {rerun_metadata} metadata jobs rerun"
    );

    // The abandoned jobs ran again, once, on the second worker, after worker 1's lease ran out.
    for (id, queue) in &orphaned {
        let row = sqlx::query("SELECT status, attempts, worker FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_one(&mut db)
            .await
            .expect("orphaned job is still in the table");
        let (status, attempts, worker): (String, i64, String) =
            (row.get("status"), row.get("attempts"), row.get("worker"));
        assert_eq!(status, "completed", "{queue} job {id}");
        assert_eq!(attempts, 2, "{queue} job {id}");
        assert!(
            worker.contains(&format!("-{}-", rescuer.pid())),
            "{queue} job {id} finished by {worker}"
        );
    }

    for (i, id) in ids.iter().enumerate() {
        let asset = api.get(&format!("/assets/{id}")).await;
        let exif = &asset["exifInfo"];
        assert_eq!(exif["make"], "Shoebox", "{asset}");
        assert_eq!(exif["model"], format!("Test camera {i:02}"), "{asset}");
        assert_eq!(
            asset["localDateTime"],
            format!("2021-06-{:02}T10:30:00.000Z", i + 1),
            "{asset}"
        );
        assert_eq!(
            (&asset["width"], &asset["height"]),
            (&json!(1600), &json!(1200))
        );
        assert!(
            asset["thumbhash"].as_str().is_some_and(|h| !h.is_empty()),
            "{asset}"
        );
        for (size, mime) in [("thumbnail", "image/webp"), ("preview", "image/jpeg")] {
            let res = api
                .client
                .get(format!("{}/assets/{id}/thumbnail?size={size}", api.base))
                .bearer_auth(&api.token)
                .send()
                .await
                .expect("thumbnail request reaches the server");
            assert_eq!(res.status(), StatusCode::OK, "{size} of asset {i}");
            assert_eq!(
                res.headers()[reqwest::header::CONTENT_TYPE],
                mime,
                "{size} of asset {i}"
            );
            assert!(!res.bytes().await.expect("body reads").is_empty());
        }
    }

    drop(rescuer);
    drop(server);
    drop(db);
    drop(database);
}
