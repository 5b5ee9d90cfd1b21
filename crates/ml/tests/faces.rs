//! The real ONNX Runtime running the real SCRFD detector and a generated ArcFace-layout
//! recogniser on real photos. `scripts/test.sh` provides the library and models
//! (SHOEBOX_ML_LIBRARY, SHOEBOX_TEST_ML_MODELS, SHOEBOX_TEST_ML_IMAGES); without them these
//! tests say so and skip.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use shoebox_ml::faces::{FaceRequest, analyze};
use shoebox_ml::service::MachineLearning;
use shoebox_ml::{LocalMl, MlConfig, MlError, Runtime, hub, image};

const PACK: &str = "test-faces";

struct Env {
    library: PathBuf,
    models: PathBuf,
    images: PathBuf,
}

fn env() -> Option<Env> {
    let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
    match (
        var("SHOEBOX_ML_LIBRARY"),
        var("SHOEBOX_TEST_ML_MODELS"),
        var("SHOEBOX_TEST_ML_IMAGES"),
    ) {
        (Some(library), Some(models), Some(images)) => Some(Env {
            library,
            models,
            images,
        }),
        _ => {
            eprintln!(
                "skipped: SHOEBOX_ML_LIBRARY / SHOEBOX_TEST_ML_MODELS / SHOEBOX_TEST_ML_IMAGES unset (scripts/test.sh sets them)"
            );
            None
        }
    }
}

fn corpus(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(relative);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipped: corpus file {relative} is absent");
        None
    }
}

fn runtime(env: &Env, models: &Path, idle: Duration) -> Arc<Runtime> {
    let mut config = MlConfig::new(Some(env.library.clone()), models);
    config.idle_unload = idle;
    config.hub_url = None;
    Runtime::open(config).expect("ONNX Runtime loads")
}

fn request() -> FaceRequest {
    FaceRequest::for_model(PACK, 0.7)
}

fn analyse_file(runtime: &Runtime, path: &Path) -> shoebox_ml::FaceAnalysis {
    let decoded = image::decode(&std::fs::read(path).unwrap()).unwrap();
    analyze(runtime, &decoded, &request()).unwrap()
}

fn distance(a: &[f32], b: &[f32]) -> f32 {
    1.0 - a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()
}

#[test]
fn scrfd_finds_the_three_people_of_a_wedding_photo() {
    let Some(env) = env() else { return };
    let Some(photo) = corpus("exif-samples/jpg/exif-org/canon-ixus.jpg") else {
        return;
    };
    let rt = runtime(&env, &env.models, Duration::from_secs(60));
    let result = analyse_file(&rt, &photo);
    assert_eq!((result.image_width, result.image_height), (640, 480));
    assert_eq!(result.faces.len(), 3, "{:?}", result.faces);
    for face in &result.faces {
        assert!(face.score >= 0.7);
        let b = face.bbox;
        assert!(b.x1 < b.x2 && b.y1 < b.y2 && b.x1 >= -5.0 && b.x2 <= 645.0);
        // Eyes, nose and mouth lie inside (or on the edge of) their face's box.
        for [x, y] in face.landmarks.unwrap() {
            assert!(x >= b.x1 - 2.0 && x <= b.x2 + 2.0 && y >= b.y1 - 2.0 && y <= b.y2 + 2.0);
        }
        assert_eq!(face.embedding.len(), 512);
        let norm: f32 = face.embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    // Three different faces: far apart in embedding space.
    for (i, a) in result.faces.iter().enumerate() {
        for b in &result.faces[i + 1..] {
            assert!(distance(&a.embedding, &b.embedding) > 0.5);
        }
    }
}

#[test]
fn a_group_portrait_yields_many_separate_faces() {
    let Some(env) = env() else { return };
    let rt = runtime(&env, &env.models, Duration::from_secs(60));
    let result = analyse_file(&rt, &env.images.join("solvay_conference_1927.jpg"));
    assert!(result.faces.len() >= 25, "{} faces", result.faces.len());
    for (i, a) in result.faces.iter().enumerate() {
        for b in &result.faces[i + 1..] {
            assert!(a.bbox.iou(&b.bbox) <= 0.4, "duplicate boxes survived NMS");
        }
    }
}

#[test]
fn the_same_pixels_give_the_same_embeddings() {
    let Some(env) = env() else { return };
    let rt = runtime(&env, &env.models, Duration::from_secs(60));
    let path = env.images.join("solvay_conference_1927.jpg");
    let first = analyse_file(&rt, &path);
    let again = analyse_file(&rt, &path);
    assert!(!first.faces.is_empty());
    assert_eq!(first, again);
}

#[test]
fn images_without_faces_tiny_images_and_corrupt_bytes() {
    let Some(env) = env() else { return };
    let rt = runtime(&env, &env.models, Duration::from_secs(60));
    // A flat grey picture and a 2×2 one have no faces, and are not errors.
    for (w, h) in [(800u32, 600u32), (2, 2)] {
        let png = png_of(w, h);
        let decoded = image::decode(&png).unwrap();
        let result = analyze(&rt, &decoded, &request()).unwrap();
        assert!(result.faces.is_empty());
        assert_eq!((result.image_width, result.image_height), (w, h));
    }
    let corrupt = b"\xff\xd8\xff\xe0 definitely not a JPEG".to_vec();
    assert!(matches!(image::decode(&corrupt), Err(MlError::Image(_))));
}

#[test]
fn a_missing_library_or_model_is_a_clear_error() {
    let Some(env) = env() else { return };
    let missing = MlConfig::new(Some("/nonexistent/libonnxruntime.so".into()), &env.models);
    assert!(matches!(Runtime::open(missing), Err(MlError::Library(_))));
    assert!(matches!(
        Runtime::open(MlConfig::new(None, &env.models)),
        Err(MlError::NoLibrary)
    ));
    let empty = tempfile::tempdir().unwrap();
    let rt = runtime(&env, empty.path(), Duration::from_secs(60));
    let decoded = image::decode(&png_of(64, 64)).unwrap();
    assert!(matches!(
        analyze(&rt, &decoded, &request()),
        Err(MlError::ModelMissing(_))
    ));
}

#[test]
fn idle_models_are_unloaded_and_load_again_on_use() {
    let Some(env) = env() else { return };
    // Long enough that a loaded machine still sees both models right after one analysis.
    let rt = runtime(&env, &env.models, Duration::from_secs(3));
    let path = env.images.join("solvay_conference_1927.jpg");
    let faces = analyse_file(&rt, &path).faces.len();
    assert_eq!(rt.loaded_models(), 2);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while rt.loaded_models() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(rt.loaded_models(), 0, "detector and recogniser left memory");
    assert_eq!(analyse_file(&rt, &path).faces.len(), faces);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_downloads_by_name_from_a_hub_in_immichs_layout() {
    let Some(env) = env() else { return };
    let (hub_url, requests) = serve_hub(env.models.clone()).await;
    let dest = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let written = hub::download_model(
        &http,
        &hub_url,
        dest.path(),
        PACK,
        &["detection", "recognition"],
    )
    .await
    .unwrap();
    assert_eq!(written.len(), 3, "{written:?}");
    for part in ["detection", "recognition"] {
        let got = std::fs::read(dest.path().join(PACK).join(part).join("model.onnx")).unwrap();
        let want = std::fs::read(env.models.join(PACK).join(part).join("model.onnx")).unwrap();
        assert!(got == want, "{part} differs");
    }
    // The ARM NN build is not fetched, and a model the hub lacks is an error.
    assert!(
        !requests
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.ends_with(".armnn"))
    );
    let err = hub::download_model(
        &http,
        &hub_url,
        dest.path(),
        "no-such-model",
        &["detection"],
    )
    .await;
    assert!(matches!(err, Err(MlError::Download { .. })));

    // The in-process service fetches a missing pack on its own, and then analyses with it.
    let mut config = MlConfig::new(Some(env.library.clone()), dest.path().join("auto"));
    config.hub_url = Some(hub_url);
    let ml = LocalMl::new(Runtime::open(config).unwrap());
    assert!(!ml.faces_ready(PACK));
    let mut ready = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if ml.faces_ready(PACK) {
            ready = true;
            break;
        }
    }
    assert!(ready, "the pack was downloaded");
    let photo = std::fs::read(env.images.join("solvay_conference_1927.jpg")).unwrap();
    assert!(
        !ml.detect_faces(photo, &request())
            .await
            .unwrap()
            .faces
            .is_empty()
    );
}

/// A Hugging Face stand-in: the file list API and `resolve/main` downloads of the packs in
/// `models`, plus an ARM NN file that must not be fetched.
async fn serve_hub(models: PathBuf) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::extract::{Path as UrlPath, State};
    use axum::http::StatusCode;
    use axum::routing::get;

    type Seen = Arc<std::sync::Mutex<Vec<String>>>;
    let seen: Seen = Arc::default();
    async fn list(
        State((models, _)): State<(PathBuf, Seen)>,
        UrlPath((_org, name)): UrlPath<(String, String)>,
    ) -> Result<axum::Json<serde_json::Value>, StatusCode> {
        let root = models.join(&name);
        if !root.is_dir() {
            return Err(StatusCode::NOT_FOUND);
        }
        let mut siblings = vec![serde_json::json!({"rfilename": "README.md"})];
        for part in ["detection", "recognition"] {
            siblings.push(serde_json::json!({"rfilename": format!("{part}/model.onnx")}));
        }
        siblings.push(serde_json::json!({"rfilename": "detection/model.armnn"}));
        Ok(axum::Json(
            serde_json::json!({"id": format!("immich-app/{name}"), "siblings": siblings}),
        ))
    }
    async fn file(
        State((models, seen)): State<(PathBuf, Seen)>,
        UrlPath((_org, name, path)): UrlPath<(String, String, String)>,
    ) -> Result<Vec<u8>, StatusCode> {
        seen.lock().unwrap().push(path.clone());
        if path == "README.md" {
            return Ok(b"test pack".to_vec());
        }
        std::fs::read(models.join(name).join(path)).map_err(|_| StatusCode::NOT_FOUND)
    }
    let app = axum::Router::new()
        .route("/api/models/{org}/{name}", get(list))
        .route("/{org}/{name}/resolve/main/{*path}", get(file))
        .with_state((models, seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn png_of(width: u32, height: u32) -> Vec<u8> {
    let grey = ::image::RgbImage::from_pixel(width, height, ::image::Rgb([128, 128, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    grey.write_to(&mut out, ::image::ImageFormat::Png).unwrap();
    out.into_inner()
}
