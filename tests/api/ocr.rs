//! OCR: text read in previews on the real ONNX Runtime (PP-OCR from rapidocr_onnxruntime),
//! stored with its boxes, shown by `GET /assets/{id}/ocr` and found by the `ocr` search
//! filter; the `ocr` task of the ML protocol, a server handing OCR to ML services (one that
//! hangs, one that is gone, one that answers garbage), and bad pictures.
//! The stories need SHOEBOX_ML_LIBRARY and SHOEBOX_TEST_OCR_MODELS (scripts/test.sh sets
//! them) and the corpus photos with text; without them they say so and skip.

use std::path::PathBuf;

use serde_json::{Value, json};
use shoebox_tests::{Backend, StatusCode, TestServer, assert_error};

use crate::ml_harness::{
    MlPaths, gone_url, hanging_service, ml_paths, ml_service, ml_stories, predict_form, upload,
};

/// The pack scripts/ml/ocr-models.sh lays out.
const PACK: &str = "PP-OCRv4_mobile";
const TEXT_ALBUM: &str = "immich-test-assets/albums/text";

/// Each corpus photo with text, and words it shows.
const PHOTOS: [(&str, &[&str]); 4] = [
    ("japanese-shop.jpg", &["KIRIN"]),
    ("craft-beer.jpg", &["blonde", "seasonal"]),
    ("handwritten-notes.jpg", &["important", "progress"]),
    ("book-beside-flowers.jpg", &["posta", "dost"]),
];

struct OcrEnv {
    paths: MlPaths,
    photos: Vec<(String, Vec<u8>)>,
}

fn ocr_env() -> Option<OcrEnv> {
    let paths = ml_paths("SHOEBOX_TEST_OCR_MODELS")?;
    let album = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(TEXT_ALBUM);
    let mut photos = Vec::new();
    for (name, _) in PHOTOS {
        let Ok(bytes) = std::fs::read(album.join(name)) else {
            eprintln!("skipped: corpus photo {TEXT_ALBUM}/{name} is absent");
            return None;
        };
        photos.push((name.to_string(), bytes));
    }
    Some(OcrEnv { paths, photos })
}

impl OcrEnv {
    fn photo(&self, name: &str) -> Vec<u8> {
        self.photos
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.clone())
            .unwrap()
    }
}

/// A server reading text in-process with the wheel's models.
async fn ocr_server(backend: Backend, env: &OcrEnv) -> TestServer {
    crate::ml_harness::ml_server(backend, &env.paths).await
}

ml_stories!(
    ocr_env, ocr_server;
    photos_are_found_by_the_words_they_show,
    bad_pictures_fail_their_own_ocr_jobs,
);

/// Points OCR at the wheel's pack.
async fn use_pack(s: &TestServer, admin: &str) {
    crate::ml_harness::use_pack(s, admin, "ocr", PACK).await;
}

async fn settle(s: &TestServer, admin: &str) {
    let queues = ["metadataExtraction", "thumbnailGeneration", "ocr"];
    crate::ml_harness::settle(s, admin, &queues).await;
}

async fn start_ocr(s: &TestServer, admin: &str, force: bool) {
    let (status, body) = s
        .put(
            admin,
            "/jobs/ocr",
            json!({"command": "start", "force": force}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    settle(s, admin).await;
}

async fn lines(s: &TestServer, token: &str, asset: &str) -> Vec<Value> {
    let (status, body) = s.get(token, &format!("/assets/{asset}/ocr")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

async fn found_by(s: &TestServer, token: &str, words: &str) -> Vec<String> {
    let (status, body) = s
        .post(token, "/search/metadata", json!({"ocr": words}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut ids: Vec<String> = body["assets"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn photos_are_found_by_the_words_they_show(s: &TestServer, env: &OcrEnv) {
    let admin = s.admin().await;
    use_pack(s, &admin).await;
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(features["ocr"], true, "{features}");

    // Text is read in each preview after the thumbnails.
    let mut ids = Vec::new();
    for (name, bytes) in &env.photos {
        ids.push(upload(s, &admin, name, bytes.clone()).await);
    }
    settle(s, &admin).await;
    let (_, queue) = s.get(&admin, "/queues/ocr").await;
    assert_eq!(queue["statistics"]["failed"], 0, "{queue}");

    for ((name, words), id) in PHOTOS.iter().zip(&ids) {
        // Each word finds its photo and only it, whatever its case.
        for word in *words {
            assert_eq!(
                found_by(s, &admin, word).await,
                vec![id.clone()],
                "{name}: {word}"
            );
            assert_eq!(
                found_by(s, &admin, &word.to_uppercase()).await,
                vec![id.clone()],
                "{name}: {word}"
            );
        }
        // Its lines, in reading order, with boxes in fractions of the preview.
        let read = lines(s, &admin, id).await;
        assert!(!read.is_empty(), "{name}");
        let text: Vec<String> = read
            .iter()
            .map(|l| l["text"].as_str().unwrap().to_lowercase())
            .collect();
        for word in *words {
            assert!(
                text.iter().any(|t| t.contains(&word.to_lowercase())),
                "{name}: {text:?}"
            );
        }
        for line in &read {
            assert_eq!(line["assetId"], id.as_str());
            assert!(line["id"].is_string());
            for key in ["x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4"] {
                let v = line[key].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&v), "{line}");
            }
            assert!(line["x1"].as_f64() < line["x2"].as_f64(), "{line}");
            assert!(line["y1"].as_f64() < line["y4"].as_f64(), "{line}");
            assert!(line["boxScore"].as_f64().unwrap() >= 0.5, "{line}");
            assert!(line["textScore"].as_f64().unwrap() > 0.8, "{line}");
        }
    }

    // Every word of a query must be there; words from two photos find neither.
    let shop = &ids[0];
    assert_eq!(
        found_by(s, &admin, "blonde seasonal").await,
        vec![ids[1].clone()]
    );
    assert!(found_by(s, &admin, "kirin blonde").await.is_empty());
    assert!(found_by(s, &admin, "zeppelin").await.is_empty());
    // A blank query does not filter; the filter works in the other searches too.
    assert_eq!(found_by(s, &admin, "  ").await.len(), 4);
    let (status, random) = s
        .post(&admin, "/search/random", json!({"ocr": "kirin"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{random}");
    assert_eq!(random.as_array().unwrap().len(), 1, "{random}");
    assert_eq!(random[0]["id"], shop.as_str());
    let (status, stats) = s
        .post(&admin, "/search/statistics", json!({"ocr": "important"}))
        .await;
    assert_eq!((status, stats["total"].as_i64()), (StatusCode::OK, Some(1)));

    // Another user sees none of it.
    let (_, user) = s.user(&admin, "other@example.com").await;
    let (status, body) = s.get(&user, &format!("/assets/{shop}/ocr")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert!(found_by(s, &user, "kirin").await.is_empty());
    let (status, body) = s.get(&admin, "/assets/not-a-uuid/ocr").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    // "Missing" finds nothing left to read; "all" forgets and reads everything again.
    let before = lines(s, &admin, shop).await;
    start_ocr(s, &admin, false).await;
    let (_, queue) = s.get(&admin, "/queues/ocr").await;
    let completed = queue["statistics"]["completed"].clone();
    start_ocr(s, &admin, true).await;
    let (_, queue) = s.get(&admin, "/queues/ocr").await;
    assert_eq!(
        queue["statistics"]["completed"].as_i64(),
        completed.as_i64().map(|c| c + 4),
        "{queue}"
    );
    let again = lines(s, &admin, shop).await;
    let texts = |l: &[Value]| -> Vec<Value> { l.iter().map(|l| l["text"].clone()).collect() };
    assert_eq!(texts(&again), texts(&before));
    assert_eq!(found_by(s, &admin, "kirin").await, vec![shop.clone()]);

    // Trashed photos are not found; OCR off leaves what was read but reads nothing new.
    let (status, _) = s
        .delete(&admin, "/assets", Some(json!({"ids": [ids[3]]})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(found_by(s, &admin, "posta").await.is_empty());
    let (_, mut config) = s.get(&admin, "/system-config").await;
    config["machineLearning"]["ocr"]["enabled"] = json!(false);
    let (status, body) = s.put(&admin, "/system-config", config).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(features["ocr"], false);
    let late = upload(
        s,
        &admin,
        "shop-again.jpg",
        copy_of(&env.photo("japanese-shop.jpg")),
    )
    .await;
    settle(s, &admin).await;
    assert!(lines(s, &admin, &late).await.is_empty());
    assert_eq!(found_by(s, &admin, "kirin").await, vec![shop.clone()]);
}

/// The same picture with bytes after its end: identical pixels, another checksum.
fn copy_of(photo: &[u8]) -> Vec<u8> {
    let mut bytes = photo.to_vec();
    bytes.extend([0u8; 7]);
    bytes
}

async fn bad_pictures_fail_their_own_ocr_jobs(s: &TestServer, env: &OcrEnv) {
    let admin = s.admin().await;
    use_pack(s, &admin).await;
    // A blank picture and a tiny one: OCR runs and reads nothing.
    let blank = upload(s, &admin, "grey.png", shoebox_tests::grey_png(640, 480)).await;
    let tiny = upload(s, &admin, "tiny.png", shoebox_tests::grey_png(2, 2)).await;
    let shop = upload(s, &admin, "shop.jpg", env.photo("japanese-shop.jpg")).await;
    settle(s, &admin).await;
    assert!(lines(s, &admin, &blank).await.is_empty());
    assert!(lines(s, &admin, &tiny).await.is_empty());
    assert!(!lines(s, &admin, &shop).await.is_empty());

    // A corrupt preview fails its own job, with the reason; what was read before stays.
    let previews: Vec<PathBuf> = s
        .generated_files()
        .iter()
        .filter(|f| f.contains(&shop) && f.contains("preview"))
        .map(|f| s.config.storage.generated_dir().join(f))
        .collect();
    assert_eq!(previews.len(), 1, "{:?}", s.generated_files());
    std::fs::write(&previews[0], b"\xff\xd8\xff\xe0 not a JPEG any more").unwrap();
    start_ocr(s, &admin, false).await;
    let (status, failed) = s.get(&admin, "/queues/ocr/jobs?status=failed").await;
    assert_eq!(status, StatusCode::OK, "{failed}");
    assert!(
        failed.as_array().unwrap().is_empty(),
        "missing: nothing to redo"
    );
    start_ocr(s, &admin, true).await;
    let (_, failed) = s.get(&admin, "/queues/ocr/jobs?status=failed").await;
    let failed = failed.as_array().unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0]["data"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("decode"),
        "{failed:?}"
    );
    let (status, _) = s.get(&admin, "/server/ping").await;
    assert_eq!(status, StatusCode::OK);
}

fn ocr_entries(detection: Value, recognition: Value) -> String {
    json!({"ocr": {"detection": detection, "recognition": recognition}}).to_string()
}

async fn predict(
    http: &reqwest::Client,
    url: &str,
    entries: &str,
    image: Vec<u8>,
) -> (StatusCode, Value) {
    let form = predict_form(entries, Some(image), None);
    let answer = http
        .post(format!("{url}/predict"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ml_service_reads_text_over_immichs_protocol() {
    let Some(env) = ocr_env() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (url, _stop) = ml_service(&env.paths, dir.path()).await;
    let http = reqwest::Client::new();
    let model = |options: Value| json!({"modelName": PACK, "options": options});
    let entries = ocr_entries(
        model(json!({"minScore": 0.5, "maxResolution": 736})),
        model(json!({"minScore": 0.8})),
    );
    let (status, body) = predict(&http, &url, &entries, env.photo("japanese-shop.jpg")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["imageWidth"].as_i64(), body["imageHeight"].as_i64()),
        (Some(4217), Some(2817))
    );
    let ocr = &body["ocr"];
    let n = ocr["text"].as_array().unwrap().len();
    assert!(n > 0, "{body}");
    assert_eq!(ocr["box"].as_array().unwrap().len(), 8 * n);
    assert_eq!(ocr["boxScore"].as_array().unwrap().len(), n);
    assert_eq!(ocr["textScore"].as_array().unwrap().len(), n);
    assert!(
        ocr["text"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap().contains("KIRIN")),
        "{body}"
    );

    for (entries, image, expected) in [
        // Recognition needs detection's boxes.
        (
            json!({"ocr": {"recognition": model(json!({}))}}).to_string(),
            env.photo("japanese-shop.jpg"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            ocr_entries(model(json!({"maxResolution": 0})), model(json!({}))),
            env.photo("japanese-shop.jpg"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            ocr_entries(model(json!({"minScore": 3})), model(json!({}))),
            env.photo("japanese-shop.jpg"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            entries.clone(),
            b"garbage".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            ocr_entries(json!({"modelName": "nope"}), json!({"modelName": "nope"})),
            env.photo("japanese-shop.jpg"),
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
    ] {
        let (status, body) = predict(&http, &url, &entries, image).await;
        assert_eq!(status, expected, "{entries}: {body}");
        assert!(body["detail"].is_string(), "{body}");
    }
}

/// An ML service that answers every request with well-formed JSON of the wrong shape. It reads
/// the whole request first: answering before the upload is read closes the connection under
/// the sender, which then fails to send instead of reading the garbage.
async fn garbage_service() -> String {
    let app = axum::Router::new()
        .route(
            "/predict",
            axum::routing::post(|_request: axum::body::Bytes| async {
                axum::Json(json!({"ocr": {"text": ["a"], "box": [7], "boxScore": [], "textScore": []}, "imageWidth": 1, "imageHeight": 1}))
            }),
        )
        .layer(axum::extract::DefaultBodyLimit::disable());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// Declares a story on both backends with servers whose ML is remote: one that must pass
/// over a service that is gone to reach a live `shoebox ml` (debug builds read slowly, so
/// the default timeout), then one whose services hang (5 s timeout) or answer garbage.
macro_rules! ocr_remote_stories {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            async fn run(backend: shoebox_tests::Backend) {
                let Some(env) = super::ocr_env() else { return };
                let dir = tempfile::tempdir().unwrap();
                let (live, _stop) = super::ml_service(&env.paths, dir.path()).await;
                let (gone, _held) = super::gone_url();
                let server = shoebox_tests::TestServer::start_with(backend, |c| {
                    c.storage.ml.ml_urls = vec![gone, live];
                })
                .await;
                super::$name(&server, &env).await;
                server.stop().await;

                let (hanging, held) = super::hanging_service().await;
                let garbage = super::garbage_service().await;
                let server = shoebox_tests::TestServer::start_with(backend, |c| {
                    c.storage.ml.ml_urls = vec![hanging, garbage];
                    // Long enough for the garbage service to answer on a loaded machine
                    // (at 2 s, its answer too timed out once under the whole suite).
                    c.storage.ml.ml_timeout_seconds = 5;
                })
                .await;
                super::an_ml_service_answering_garbage_fails_the_job(&server, &env).await;
                server.stop().await;
                held.abort();
            }

            crate::ml_harness::on_both_backends!();
        }
    )*};
}
ocr_remote_stories!(a_server_hands_ocr_to_ml_services_with_failover);

async fn a_server_hands_ocr_to_ml_services_with_failover(s: &TestServer, env: &OcrEnv) {
    let admin = s.admin().await;
    use_pack(s, &admin).await;
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(features["ocr"], true);
    let shop = upload(s, &admin, "shop.jpg", env.photo("japanese-shop.jpg")).await;
    settle(s, &admin).await;
    let found = found_by(s, &admin, "kirin").await;
    if found != vec![shop.clone()] {
        let (_, failed) = s.get(&admin, "/queues/ocr/jobs?status=failed").await;
        panic!("kirin is in {found:?}, not in [{shop}]; failed OCR jobs: {failed}");
    }
}

async fn an_ml_service_answering_garbage_fails_the_job(s: &TestServer, env: &OcrEnv) {
    let admin = s.admin().await;
    use_pack(s, &admin).await;
    let shop = upload(s, &admin, "shop.jpg", env.photo("japanese-shop.jpg")).await;
    // The first service hangs past the timeout, the next answers garbage: retried (a
    // service may recover), then recorded as failed with the reason.
    settle(s, &admin).await;
    let (status, failed) = s.get(&admin, "/queues/ocr/jobs?status=failed").await;
    assert_eq!(status, StatusCode::OK, "{failed}");
    let failed = failed.as_array().unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0]["data"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("malformed"),
        "{failed:?}"
    );
    assert!(lines(s, &admin, &shop).await.is_empty());
    let (status, _) = s.get(&admin, "/server/ping").await;
    assert_eq!(status, StatusCode::OK);
}
