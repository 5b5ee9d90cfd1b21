//! `shoebox worker` as its own process: the real binary, against the
//! PostgreSQL database and data folder of a `shoebox serve --workers false`,
//! runs the jobs the server queued, and a worker killed mid-job loses none of
//! them — its lease runs out and the next worker finishes them.
//!
//! Needs PostgreSQL (`SHOEBOX_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`); skips when none answers.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection, Row};
use support::{
    Api, Process, TestDatabase, base_jpeg, listening_port, serve, sign_up_and_log_in, unfinished,
    upload,
};

const ASSETS: usize = 8;
/// The killed worker's lease: short, so the takeover is seconds away.
const KILLED_WORKER_LEASE_SECONDS: &str = "4";

/// `(job id, queue)` of the jobs `pid`'s workers hold; worker ids start
/// `<host>-<pid>-<8 characters of the instance>/`.
async fn jobs_held_by(db: &mut PgConnection, pid: u32) -> Vec<(String, String)> {
    sqlx::query("SELECT id, queue FROM jobs WHERE status = 'active' AND worker LIKE $1")
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

    let mut server = serve(
        dir.path(),
        "serve.log",
        &["--workers", "false", "--database-url", &database.url],
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
    // A statement the worker sent just before it died (a job's completion) still commits;
    // let it land, so that what is left held is what the worker abandoned.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let orphaned = jobs_held_by(&mut db, doomed.pid()).await;
    assert!(
        !orphaned.is_empty(),
        "the kill should land while worker 1 holds jobs"
    );
    let queues = api.media_queues().await;
    assert!(
        unfinished(&queues["thumbnailGeneration"]) > 0,
        "worker 1 finished everything before the kill: {queues}"
    );

    let mut rescuer = spawn_worker(dir.path(), &database.url, "worker-2.log", &[]);
    let queues = api
        .media_queues_settle(&mut rescuer, Duration::from_secs(180), "jobs never settled")
        .await;
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
                .fetch(&format!("/assets/{id}/thumbnail?size={size}"))
                .await;
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
