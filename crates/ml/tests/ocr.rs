//! The real ONNX Runtime running PP-OCR's detector and recogniser (the models of the PyPI
//! wheel rapidocr_onnxruntime 1.4.4, laid out by scripts/ml/ocr-models.sh) on the corpus
//! photos with text, at preview size as the server reads them. Without SHOEBOX_ML_LIBRARY,
//! SHOEBOX_TEST_OCR_MODELS or the corpus these tests say so and skip.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use shoebox_media::thumbnails::{RgbImage, ThumbnailSettings, generate};
use shoebox_ml::ocr::{OcrAnalysis, OcrRequest, analyze};
use shoebox_ml::service::MachineLearning;
use shoebox_ml::{LocalMl, MlConfig, MlError, Runtime, image};

const PACK: &str = "PP-OCRv4_mobile";

struct Env {
    library: PathBuf,
    models: PathBuf,
}

fn env() -> Option<Env> {
    let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
    match (var("SHOEBOX_ML_LIBRARY"), var("SHOEBOX_TEST_OCR_MODELS")) {
        (Some(library), Some(models)) => Some(Env { library, models }),
        _ => {
            eprintln!(
                "skipped: SHOEBOX_ML_LIBRARY / SHOEBOX_TEST_OCR_MODELS unset (scripts/test.sh sets them)"
            );
            None
        }
    }
}

fn text_photo(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/immich-test-assets/albums/text")
        .join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipped: corpus photo {} is absent", path.display());
        None
    }
}

fn runtime(env: &Env, models: &Path) -> Arc<Runtime> {
    let mut config = MlConfig::new(Some(env.library.clone()), models);
    config.hub_url = None;
    Runtime::open(config).expect("ONNX Runtime loads")
}

/// Immich's defaults: boxes scoring 0.5, text above 0.8, the detector at 736.
fn request() -> OcrRequest {
    OcrRequest::for_model(PACK, 0.5, 0.8, 736)
}

/// The photo's preview, made by the server's own thumbnail pipeline (shorter side 1440),
/// decoded: what the ocr job reads.
fn preview(path: &Path) -> RgbImage {
    let generated = generate(path, &ThumbnailSettings::default()).unwrap();
    image::decode(&generated.preview.bytes).unwrap()
}

fn all_text(analysis: &OcrAnalysis) -> String {
    analysis
        .lines
        .iter()
        .map(|l| l.text.to_lowercase())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn the_text_album_photos_are_read_with_the_words_they_show() {
    let Some(env) = env() else { return };
    let rt = runtime(&env, &env.models);
    for (photo, words) in [
        ("japanese-shop.jpg", &["kirin"][..]),
        ("craft-beer.jpg", &["blonde", "seasonal", "barrel aged"][..]),
        ("handwritten-notes.jpg", &["important", "in progress"][..]),
        ("book-beside-flowers.jpg", &["posta", "dost"][..]),
    ] {
        let Some(path) = text_photo(photo) else {
            return;
        };
        let picture = preview(&path);
        let analysis = analyze(&rt, &picture, &request()).unwrap();
        let text = all_text(&analysis);
        for word in words {
            assert!(text.contains(word), "{photo}: no {word:?} in {text}");
        }
        assert_eq!(
            (analysis.image_width, analysis.image_height),
            (picture.width, picture.height)
        );
        for line in &analysis.lines {
            assert!(!line.text.is_empty());
            assert!(line.text_score > 0.8 && line.text_score <= 1.0, "{line:?}");
            assert!(line.box_score >= 0.5 && line.box_score <= 1.0, "{line:?}");
            let [tl, tr, br, bl] = line.corners;
            for [x, y] in line.corners {
                assert!(
                    (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y),
                    "{line:?}"
                );
            }
            // Clockwise from the top left.
            assert!(
                tl[0] < tr[0] && bl[0] < br[0] && tl[1] < bl[1] && tr[1] < br[1],
                "{line:?}"
            );
        }
        // Reading order: no line starts clearly above the one before it.
        for pair in analysis.lines.windows(2) {
            let (a, b) = (pair[0].corners[0], pair[1].corners[0]);
            assert!(b[1] * picture.height as f32 >= a[1] * picture.height as f32 - 10.0);
        }
    }
}

#[test]
fn the_same_pixels_read_the_same() {
    let Some(env) = env() else { return };
    let Some(path) = text_photo("japanese-shop.jpg") else {
        return;
    };
    let rt = runtime(&env, &env.models);
    let picture = preview(&path);
    let first = analyze(&rt, &picture, &request()).unwrap();
    assert!(!first.lines.is_empty());
    assert_eq!(first, analyze(&rt, &picture, &request()).unwrap());
    // A stricter bar keeps a subset.
    let strict = OcrRequest {
        min_recognition_score: 0.97,
        ..request()
    };
    let fewer = analyze(&rt, &picture, &strict).unwrap();
    assert!(fewer.lines.len() < first.lines.len());
    assert!(fewer.lines.iter().all(|l| l.text_score > 0.97));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_tiny_and_corrupt_pictures() {
    let Some(env) = env() else { return };
    let rt = runtime(&env, &env.models);
    let ml = LocalMl::new(rt.clone());
    assert!(ml.ocr_ready(PACK));
    // A flat picture has no text; one under 32 pixels a side is not even looked at.
    for (w, h) in [(800u32, 600u32), (20, 400), (2, 2)] {
        let analysis = ml.ocr(grey_png(w, h), &request()).await.unwrap();
        assert!(analysis.lines.is_empty(), "{w}×{h}: {analysis:?}");
        assert_eq!((analysis.image_width, analysis.image_height), (w, h));
    }
    let corrupt = b"\xff\xd8\xff\xe0 definitely not a JPEG".to_vec();
    assert!(matches!(
        ml.ocr(corrupt, &request()).await,
        Err(MlError::Image(_))
    ));
    // A pack that is not there: not ready, and a clear error if asked anyway.
    let empty = tempfile::tempdir().unwrap();
    let nothing = LocalMl::new(runtime(&env, empty.path()));
    assert!(!nothing.ocr_ready(PACK));
    assert!(matches!(
        nothing.ocr(grey_png(64, 64), &request()).await,
        Err(MlError::ModelMissing(_))
    ));
}

#[test]
fn idle_ocr_models_leave_memory() {
    let Some(env) = env() else { return };
    let Some(path) = text_photo("japanese-shop.jpg") else {
        return;
    };
    let mut config = MlConfig::new(Some(env.library.clone()), &env.models);
    config.hub_url = None;
    // Long enough that a slow debug build still sees both models right after one reading.
    config.idle_unload = Duration::from_secs(15);
    let rt = Runtime::open(config).unwrap();
    let picture = preview(&path);
    let lines = analyze(&rt, &picture, &request()).unwrap().lines.len();
    assert_eq!(rt.loaded_models(), 2);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while rt.loaded_models() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(rt.loaded_models(), 0, "detector and recogniser left memory");
    assert_eq!(
        analyze(&rt, &picture, &request()).unwrap().lines.len(),
        lines
    );
}

fn grey_png(width: u32, height: u32) -> Vec<u8> {
    let grey = ::image::RgbImage::from_pixel(width, height, ::image::Rgb([128, 128, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    grey.write_to(&mut out, ::image::ImageFormat::Png).unwrap();
    out.into_inner()
}
