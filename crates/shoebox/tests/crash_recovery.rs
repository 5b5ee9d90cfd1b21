//! A server SIGKILLed in the middle of an upload storm, with jobs running, then started
//! again on the same data, on SQLite and on PostgreSQL: every acknowledged upload is intact
//! and gets its metadata and thumbnail, and no staged, temporary or orphan file remains.
//!
//! PostgreSQL: `SHOEBOX_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! that test skips when none answers.

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use support::{
    Api, Process, TestDatabase, base_jpeg, listening_port, photo, sign_up_and_log_in, try_upload,
};

const UPLOADS: usize = 24;
const UPLOADERS: usize = 4;
/// Acknowledged uploads before the kill.
const BEFORE_KILL: usize = 8;

/// The server on SQLite, or on the PostgreSQL database at `database`.
fn serve(dir: &Path, log: &str, database: Option<&str>) -> Process {
    let args = match database {
        Some(url) => vec!["--database-url", url],
        None => vec![],
    };
    // The killed instance's jobs are taken over a lease after its last heartbeat.
    support::serve(dir, log, &args, &[("SHOEBOX_JOB_LEASE_SECONDS", "3")])
}

/// Every file below `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// The folder of a process's unfinished files holds only the running instance's lock and
/// its empty folder.
fn only_the_live_instance(dir: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{}: {names:?}", dir.display());
    assert_eq!(format!("{}.lock", names[0]), names[1], "{names:?}");
    assert_eq!(files_under(&dir.join(&names[0])), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_sqlite_killed_mid_upload_storm_loses_no_acknowledged_upload_and_leaves_no_file()
 {
    killed_mid_upload_storm(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_postgres_killed_mid_upload_storm_loses_no_acknowledged_upload_and_leaves_no_file()
 {
    // Declared first so it is dropped last, after the server using it is dead.
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    killed_mid_upload_storm(Some(&database.url)).await;
}

async fn killed_mid_upload_storm(database: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = serve(dir.path(), "serve-1.log", database);
    let port = listening_port(&mut server).await;
    let client = reqwest::Client::new();
    let base_url = format!("http://127.0.0.1:{port}/api");
    let token = sign_up_and_log_in(&client, &base_url).await;
    let api = Arc::new(Api {
        client: client.clone(),
        base: base_url,
        token: token.clone(),
    });
    let base = Arc::new(base_jpeg());

    // Uploaders take the next photo until the server stops answering.
    let next = Arc::new(AtomicUsize::new(0));
    let acked: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let mut uploaders = Vec::new();
    for _ in 0..UPLOADERS {
        let (api, base, next, acked) = (api.clone(), base.clone(), next.clone(), acked.clone());
        uploaders.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= UPLOADS {
                    return;
                }
                match try_upload(&api, &base, i).await {
                    Some(id) => acked.lock().unwrap().push((i, id)),
                    None => return,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < BEFORE_KILL {
        server.assert_running();
        assert!(
            Instant::now() < deadline,
            "uploads never got going:\n{}",
            server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Kill while uploads are in flight and, most likely, jobs are running.
    let queues = api.media_queues().await;
    server.sigkill();
    for uploader in uploaders {
        uploader.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() < UPLOADS, "the kill came after every upload");

    let mut server = serve(dir.path(), "serve-2.log", database);
    let port = listening_port(&mut server).await;
    let api = Api {
        client,
        base: format!("http://127.0.0.1:{port}/api"),
        token,
    };
    api.media_queues_settle(
        &mut server,
        Duration::from_secs(90),
        &format!("jobs never settled after the restart (before the kill: {queues})"),
    )
    .await;

    // Every acknowledged upload is there, whole, with its metadata and thumbnail.
    for (i, id) in &acked {
        let asset = api.get(&format!("/assets/{id}")).await;
        assert_eq!(
            asset["exifInfo"]["model"],
            format!("Test camera {i:02}"),
            "{asset}"
        );
        let original = api.fetch(&format!("/assets/{id}/original")).await;
        assert_eq!(original.status(), StatusCode::OK);
        assert_eq!(
            original.bytes().await.unwrap().to_vec(),
            photo(&base, *i),
            "asset {i}"
        );
        let thumbnail = api.fetch(&format!("/assets/{id}/thumbnail")).await;
        assert_eq!(thumbnail.status(), StatusCode::OK, "thumbnail of asset {i}");
    }
    // Every original on disk is an asset's (an upload whose answer the kill cut off may be
    // one too), and nothing staged or temporary is left.
    let (status, found) = api
        .send(
            api.client
                .post(format!("{}/search/metadata", api.base))
                .bearer_auth(&api.token)
                .json(&json!({"size": 1000})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let assets = found["assets"]["items"].as_array().unwrap().len();
    assert!(assets >= acked.len());
    let library = dir.path().join("data/library");
    let originals: Vec<String> = files_under(&library)
        .into_iter()
        .filter(|f| !f.starts_with(".upload"))
        .collect();
    assert_eq!(originals.len(), assets, "{originals:?}");
    only_the_live_instance(&library.join(".upload"));
    only_the_live_instance(&dir.path().join("data/generated/.tmp"));
}
