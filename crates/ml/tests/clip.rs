//! CLIP on the real ONNX Runtime: the tokenizer against the reference ids of Hugging Face's
//! `tokenizers` (what Immich's ML service runs), and the generated CLIP-layout test models
//! (`scripts/ml/make_clip_models.py`) through the same loaders a real ViT-B-32 goes through.
//! `scripts/test.sh` provides SHOEBOX_ML_LIBRARY and SHOEBOX_TEST_CLIP_MODELS; without them
//! these tests say so and skip.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use shoebox_media::thumbnails::RgbImage;
use shoebox_ml::clip::{self, ClipTokenizer, TextConfig};
use shoebox_ml::service::MachineLearning;
use shoebox_ml::{LocalMl, MlConfig, MlError, Runtime};

const PACK: &str = "test-clip";
const PACK_INT64: &str = "test-clip-int64";

fn models() -> Option<PathBuf> {
    match std::env::var_os("SHOEBOX_TEST_CLIP_MODELS") {
        Some(dir) => Some(dir.into()),
        None => {
            eprintln!("skipped: SHOEBOX_TEST_CLIP_MODELS unset (scripts/test.sh sets it)");
            None
        }
    }
}

fn runtime(models: &Path) -> Option<Arc<Runtime>> {
    let Some(library) = std::env::var_os("SHOEBOX_ML_LIBRARY") else {
        eprintln!("skipped: SHOEBOX_ML_LIBRARY unset (scripts/test.sh sets it)");
        return None;
    };
    let mut config = MlConfig::new(Some(library.into()), models);
    config.hub_url = None;
    Some(Runtime::open(config).expect("ONNX Runtime loads"))
}

fn flat(rgb: [u8; 3], w: u32, h: u32) -> RgbImage {
    RgbImage {
        width: w,
        height: h,
        data: std::iter::repeat_n(rgb, (w * h) as usize)
            .flatten()
            .collect(),
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn tokenizer_matches_the_reference_token_for_token() {
    let Some(models) = models() else { return };
    let textual = models.join(PACK).join("textual");
    let config = TextConfig::read(&models.join(PACK).join("config.json")).unwrap();
    assert_eq!(config.context_length, 77);
    let tokenizer = ClipTokenizer::from_dir(&textual, config.context_length, false).unwrap();
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(models.join("clip-tokens.json")).unwrap())
            .unwrap();
    assert!(cases.len() >= 30, "{} reference strings", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let text = case["text"].as_str().unwrap();
        let expected: Vec<i32> = serde_json::from_value(case["ids"].clone()).unwrap();
        let got = tokenizer.encode(text);
        if got != expected {
            failures.push(format!(
                "{text:?}\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn long_text_keeps_start_and_end_tokens_within_the_context() {
    let Some(models) = models() else { return };
    let tokenizer = ClipTokenizer::from_dir(&models.join(PACK).join("textual"), 77, false).unwrap();
    let ids = tokenizer.encode(&"lorem ipsum ".repeat(200));
    assert_eq!(ids.len(), 77);
    assert_eq!((ids[0], ids[76]), (49406, 49407));
    let empty = tokenizer.encode("");
    assert_eq!(&empty[..2], &[49406, 49407]);
    // Padding is the pad token of tokenizer_config.json, as Immich pads (not open_clip's 0).
    assert!(empty[2..].iter().all(|&id| id == 49407));
}

#[test]
fn a_tokenizer_file_that_is_not_clip_bpe_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tokenizer.json"),
        r#"{"model": {"type": "Unigram", "vocab": []}}"#,
    )
    .unwrap();
    assert!(matches!(
        ClipTokenizer::from_dir(dir.path(), 77, false),
        Err(MlError::ModelLayout { .. })
    ));
    std::fs::write(dir.path().join("tokenizer.json"), "{ not json").unwrap();
    assert!(ClipTokenizer::from_dir(dir.path(), 77, false).is_err());
}

#[test]
fn images_and_words_of_one_colour_meet_in_the_embedding_space() {
    let Some(models) = models() else { return };
    let Some(runtime) = runtime(&models) else {
        return;
    };
    let red = clip::encode_image(&runtime, &flat([220, 30, 30], 640, 480), PACK).unwrap();
    let green = clip::encode_image(&runtime, &flat([30, 200, 40], 480, 640), PACK).unwrap();
    let blue = clip::encode_image(&runtime, &flat([20, 40, 210], 300, 300), PACK).unwrap();
    assert_eq!(red.len(), 512);
    assert!((dot(&red, &red) - 1.0).abs() < 1e-4, "unit length");
    for (word, image, others) in [
        ("red", &red, [&green, &blue]),
        ("a photo of something green", &green, [&red, &blue]),
        ("BLUE!", &blue, [&red, &green]),
    ] {
        let text = clip::encode_text(&runtime, word, PACK).unwrap();
        assert!((dot(&text, &text) - 1.0).abs() < 1e-4);
        let own = dot(&text, image);
        for other in others {
            assert!(own > dot(&text, other) + 0.3, "{word}: {own}");
        }
    }
}

#[test]
fn older_exports_with_an_int64_text_input_work_the_same() {
    let Some(models) = models() else { return };
    let Some(runtime) = runtime(&models) else {
        return;
    };
    let a = clip::encode_text(&runtime, "a red car", PACK).unwrap();
    let b = clip::encode_text(&runtime, "a red car", PACK_INT64).unwrap();
    assert!(dot(&a, &b) > 0.9999);
}

#[test]
fn a_query_longer_than_the_limit_is_a_bad_request() {
    let Some(models) = models() else { return };
    let Some(runtime) = runtime(&models) else {
        return;
    };
    let long = "x".repeat(clip::MAX_QUERY_CHARS + 1);
    assert!(matches!(
        clip::encode_text(&runtime, &long, PACK),
        Err(MlError::BadRequest(_))
    ));
    // Long but allowed: cut to the context, still an embedding.
    let ok = clip::encode_text(&runtime, &"red ".repeat(500), PACK).unwrap();
    assert_eq!(ok.len(), 512);
}

#[tokio::test]
async fn local_service_reports_missing_models_and_refuses_corrupt_images() {
    let Some(models) = models() else { return };
    let Some(runtime) = runtime(&models) else {
        return;
    };
    let ml = LocalMl::new(runtime);
    assert!(ml.clip_ready(PACK));
    assert!(!ml.clip_ready("no-such-model"));
    assert!(matches!(
        ml.encode_image(b"definitely not a JPEG".to_vec(), PACK)
            .await,
        Err(MlError::Image(_))
    ));
    let missing = ml.encode_text("red", "no-such-model", None).await;
    assert!(missing.is_err());
}
