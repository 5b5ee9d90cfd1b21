//! OCR per image: Shoebox (`ort`) against Python rapidocr_onnxruntime (onnxruntime, OpenCV,
//! pyclipper, shapely) running the same PP-OCR models on the same files, set up as Immich's
//! ML container runs them (scripts/ml/ocr_reference.py). Run through `scripts/bench-ml.sh
//! ocr`, which provides the library, the models and a Python with rapidocr_onnxruntime.
//!
//! The inputs are the previews the server's own thumbnail pipeline makes of the photos (what
//! the ocr job reads), written to a temporary folder both sides read. Each side decodes,
//! detects, crops and recognises; the figure is the median of `RUNS` runs per image after one
//! warm-up, summed over the images.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use shoebox_media::thumbnails::{ThumbnailSettings, generate};
use shoebox_ml::ocr::{OcrRequest, analyze};
use shoebox_ml::{MlConfig, Runtime, image};

const RUNS: usize = 9;
const PACK: &str = "PP-OCRv4_mobile";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let var = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("{name} is unset: run scripts/bench-ml.sh ocr"))
    };
    let library = var("SHOEBOX_ML_LIBRARY");
    let models = var("SHOEBOX_TEST_OCR_MODELS");
    let python = var("SHOEBOX_BENCH_PYTHON");
    let photos: Vec<PathBuf> = std::env::var("SHOEBOX_BENCH_OCR_IMAGES")
        .expect("SHOEBOX_BENCH_OCR_IMAGES lists the photos")
        .split(':')
        .map(PathBuf::from)
        .collect();
    let threads: usize = std::env::var("SHOEBOX_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);

    let previews_dir = tempfile::tempdir().unwrap();
    let previews: Vec<PathBuf> = photos
        .iter()
        .map(|photo| {
            let generated = generate(photo, &ThumbnailSettings::default()).unwrap();
            let path = previews_dir.path().join(photo.file_name().unwrap());
            std::fs::write(&path, &generated.preview.bytes).unwrap();
            path
        })
        .collect();

    let mut config = MlConfig::new(Some(library), &models);
    config.intra_threads = threads;
    config.hub_url = None;
    let runtime = Runtime::open(config).expect("runtime");
    let request = OcrRequest::for_model(PACK, 0.5, 0.8, 736);

    let mut ours = Vec::new();
    for path in &previews {
        let bytes = std::fs::read(path).unwrap();
        let run = || {
            let decoded = image::decode(&bytes).unwrap();
            analyze(&runtime, &decoded, &request).unwrap()
        };
        let texts: Vec<String> = run().lines.into_iter().map(|l| l.text).collect();
        let times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                run();
                start.elapsed()
            })
            .collect();
        ours.push((path.clone(), texts, median(times)));
    }

    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ml/ocr_reference.py");
    let pack = models.join(PACK);
    let output = Command::new(&python)
        .arg(&script)
        .arg(pack.join("detection/model.onnx"))
        .arg(pack.join("recognition/model.onnx"))
        .args(&previews)
        .args([
            "--runs",
            &RUNS.to_string(),
            "--threads",
            &threads.to_string(),
        ])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "reference failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reference: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let theirs: Vec<f64> = reference["median_seconds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();

    println!(
        "OCR per preview (median of {RUNS}, intra-op threads {threads}, 0 = ORT default); \
         lines: read by each side, and texts both read"
    );
    println!(
        "{:<28} {:>11} {:>6} {:>6} {:>6} {:>10} {:>10} {:>7}",
        "image", "size", "ort", "py", "same", "ort ms", "python ms", "ratio"
    );
    let (mut sum_ours, mut sum_theirs) = (0.0, 0.0);
    for ((path, texts, ours), theirs) in ours.iter().zip(&theirs) {
        let name = path.file_name().unwrap().to_string_lossy();
        let py: BTreeSet<String> = reference["images"][path.to_string_lossy().as_ref()]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["text"].as_str().unwrap().to_string())
            .collect();
        let same = texts.iter().filter(|t| py.contains(*t)).count();
        let decoded = image::decode(&std::fs::read(path).unwrap()).unwrap();
        let size = format!("{}×{}", decoded.width, decoded.height);
        let ms = ours.as_secs_f64() * 1000.0;
        println!(
            "{name:<28} {size:>11} {:>6} {:>6} {same:>6} {ms:>10.1} {:>10.1} {:>6.2}x",
            texts.len(),
            py.len(),
            theirs * 1000.0,
            ms / (theirs * 1000.0)
        );
        sum_ours += ms;
        sum_theirs += theirs * 1000.0;
    }
    println!(
        "{:<28} {:>11} {:>6} {:>6} {:>6} {sum_ours:>10.1} {sum_theirs:>10.1} {:>6.2}x",
        "total",
        "",
        "",
        "",
        "",
        sum_ours / sum_theirs
    );
}
