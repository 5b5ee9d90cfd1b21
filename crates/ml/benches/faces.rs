//! Face detection + recognition per image: Shoebox (`ort`) against Python `onnxruntime` running
//! the same models on the same files, as Immich's ML container does (PIL decode, OpenCV
//! resize/warp). Run through `scripts/bench-ml.sh`, which provides the library, the models
//! and a Python with onnxruntime, OpenCV and Pillow.
//!
//! Each side decodes, detects, aligns and embeds; the figure is the median of `RUNS` runs per
//! image after one warm-up, summed over the images.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use shoebox_ml::faces::{FaceRequest, analyze};
use shoebox_ml::{MlConfig, Runtime, image};

const RUNS: usize = 15;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let var = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("{name} is unset: run scripts/bench-ml.sh"))
    };
    let library = var("SHOEBOX_ML_LIBRARY");
    let models = var("SHOEBOX_TEST_ML_MODELS");
    let python = var("SHOEBOX_BENCH_PYTHON");
    let images: Vec<PathBuf> = std::env::var("SHOEBOX_BENCH_IMAGES")
        .expect("SHOEBOX_BENCH_IMAGES lists the photos")
        .split(':')
        .map(PathBuf::from)
        .collect();
    let threads: usize = std::env::var("SHOEBOX_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);

    let mut config = MlConfig::new(Some(library), &models);
    config.intra_threads = threads;
    config.hub_url = None;
    let runtime = Runtime::open(config).expect("runtime");
    let request = FaceRequest::for_model("test-faces", 0.7);

    let mut ours = Vec::new();
    for path in &images {
        let bytes = std::fs::read(path).unwrap();
        let run = || {
            let decoded = image::decode(&bytes).unwrap();
            analyze(&runtime, &decoded, &request).unwrap()
        };
        let faces = run().faces.len();
        let times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                run();
                start.elapsed()
            })
            .collect();
        let m = median(times);
        ours.push((path.clone(), faces, m));
    }

    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ml/faces_reference.py");
    let pack = models.join("test-faces");
    let output = Command::new(&python)
        .arg(&script)
        .arg(pack.join("detection/model.onnx"))
        .arg(pack.join("recognition/model.onnx"))
        .args(&images)
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
        "face detection + recognition per image (median of {RUNS}, intra-op threads {threads}, 0 = ORT default)"
    );
    println!(
        "{:<40} {:>6} {:>6} {:>10} {:>10} {:>7}",
        "image", "faces", "py", "ort ms", "python ms", "ratio"
    );
    let (mut sum_ours, mut sum_theirs) = (0.0, 0.0);
    for ((path, faces, ours), theirs) in ours.iter().zip(&theirs) {
        let name = path.file_name().unwrap().to_string_lossy();
        let py_faces = reference["images"][path.to_string_lossy().as_ref()]["faces"].clone();
        let ms = ours.as_secs_f64() * 1000.0;
        println!(
            "{name:<40} {faces:>6} {py_faces:>6} {ms:>10.1} {:>10.1} {:>6.2}x",
            theirs * 1000.0,
            ms / (theirs * 1000.0)
        );
        sum_ours += ms;
        sum_theirs += theirs * 1000.0;
    }
    println!(
        "{:<40} {:>6} {:>6} {sum_ours:>10.1} {sum_theirs:>10.1} {:>6.2}x",
        "total",
        "",
        "",
        sum_ours / sum_theirs
    );
}
