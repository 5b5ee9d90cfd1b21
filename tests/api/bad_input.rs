//! Hostile and broken files: each is kept as an asset, its own job ends (done or failed with
//! a reason, never retried in a loop), and the server goes on serving.

use std::path::PathBuf;

use serde_json::Value;
use shoebox_tests::{StatusCode, TestServer, crc32, stories};

stories!(broken_files_fail_their_own_jobs_and_the_server_keeps_serving);

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    dir.is_dir().then_some(dir)
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A well-formed PNG whose header claims 100000×100000 RGBA pixels (40 GB decoded).
fn huge_claim_png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    // A zlib stream of one empty stored block: far too little data for the claim.
    png_chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0, 0, 0, 1],
    );
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// (file name, bytes) of every bad input: generated ones always, corpus ones when present.
fn bad_files() -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        ("huge-claim.png".to_string(), huge_claim_png()),
        ("empty.mp4".to_string(), Vec::new()),
        (
            "not-a-video.mov".to_string(),
            b"\0\0\0\x14ftypqt  garbage".repeat(50),
        ),
    ];
    let Some(corpus) = corpus_dir() else {
        eprintln!("skipped: the shared corpus is absent; only generated bad files are checked");
        return files;
    };
    let jpg = corpus.join("exif-samples/jpg");
    let mut paths = vec![jpg.join("corrupted.jpg")];
    for dir in ["invalid", "tests"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(jpg.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e != "md") && !p.ends_with("README"))
            .collect();
        entries.sort();
        paths.extend(entries);
    }
    for path in paths {
        let name = format!(
            "{}-{}",
            path.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy(),
            path.file_name().unwrap().to_string_lossy()
        );
        files.push((name, std::fs::read(&path).unwrap()));
    }
    let heic = std::fs::read(corpus.join("exif-samples/heic/IMG_5195.HEIC")).unwrap();
    files.push((
        "truncated.heic".to_string(),
        heic[..heic.len() / 3].to_vec(),
    ));
    files
}

/// Waits for all processing queues and returns their failed jobs.
async fn settle_and_collect_failures(s: &TestServer, token: &str) -> Vec<Value> {
    let mut failed = Vec::new();
    // Settling in chain order: a queue's successes feed the next one.
    for queue in [
        "metadataExtraction",
        "thumbnailGeneration",
        "videoConversion",
    ] {
        let status = s.queue_settles(token, queue).await;
        assert_eq!(
            status["statistics"]["delayed"], 0,
            "no retries pending: {status}"
        );
        let (_, jobs) = s
            .get(token, &format!("/queues/{queue}/jobs?status=failed"))
            .await;
        failed.extend(jobs.as_array().cloned().unwrap_or_default());
    }
    failed
}

async fn broken_files_fail_their_own_jobs_and_the_server_keeps_serving(s: &TestServer) {
    let token = s.admin().await;
    let mut ids = Vec::new();
    for (name, bytes) in bad_files() {
        let (status, body) = s.upload(&token, &name, bytes).await;
        // A zero-byte or unrecognisable upload may be refused outright; that is fine as long
        // as it is a clear client error and nothing is kept.
        if status.is_client_error() {
            assert!(body["message"].is_string(), "{name}: {body}");
            continue;
        }
        assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
        ids.push((name, body["id"].as_str().unwrap().to_string()));
    }
    let failed = settle_and_collect_failures(s, &token).await;
    for job in &failed {
        let error = job["data"]["error"].as_str().unwrap_or_default();
        assert!(!error.is_empty(), "a failed job says why: {job}");
        assert!(!error.contains("panic"), "no decoder panicked: {job}");
        assert!(
            !error.contains("database"),
            "bad files are not database trouble: {job}"
        );
    }
    // The PNG's claim is refused by its header, before any allocation.
    let (huge_name, huge_id) = ids.iter().find(|(n, _)| n == "huge-claim.png").unwrap();
    let huge_failure = failed
        .iter()
        .find(|j| j["data"]["assetId"] == huge_id.as_str())
        .unwrap_or_else(|| panic!("{huge_name} must fail its thumbnail job: {failed:?}"));
    assert!(
        huge_failure["data"]["error"]
            .as_str()
            .unwrap()
            .contains("100000x100000"),
        "{huge_failure}"
    );
    for (name, id) in &ids {
        let (status, asset) = s.get(&token, &format!("/assets/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{name} stays: {asset}");
    }
    let (status, _) = s.get(&token, "/server/ping").await;
    assert_eq!(status, StatusCode::OK);
    eprintln!(
        "bad input: {} uploaded, {} jobs failed with a reason",
        ids.len(),
        failed.len()
    );
}
