//! Compares the in-process metadata reader with exiftool (`exiftool -j -n`, the ground truth
//! Immich relies on) over the shared corpus, field by field, and checks that damaged files
//! never make the reader panic.
//!
//! Skips (with a printed line) when the corpus or exiftool is absent.

use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

mod common;

use chrono::NaiveDateTime;
use common::{corpus_dir, files_under, files_with_extensions};
use serde_json::Value;
use shoebox_media::metadata::parse::format_exposure_time;
use shoebox_media::{ImageMetadata, MetadataError, ReadOptions, read_metadata};

const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "tif", "tiff", "heic", "heif", "png", "webp", "avif", "jxl",
];

fn exiftool_available() -> bool {
    let ok = Command::new("exiftool")
        .arg("-ver")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("SKIP: exiftool not installed (apt-get install -y libimage-exiftool-perl)");
    }
    ok
}

/// One exiftool run over all files: `exiftool -j -n`, file names passed on stdin.
fn exiftool_json(files: &[PathBuf]) -> HashMap<PathBuf, Value> {
    let mut child = Command::new("exiftool")
        .args([
            "-j",
            "-n",
            "-q",
            "-q",
            "-charset",
            "filename=utf8",
            "-@",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run exiftool");
    {
        let mut stdin = child.stdin.take().unwrap();
        for f in files {
            writeln!(stdin, "{}", f.display()).unwrap();
        }
    }
    let output = child.wait_with_output().expect("exiftool output");
    let json: Vec<Value> = serde_json::from_slice(&output.stdout).expect("exiftool JSON");
    json.into_iter()
        .filter_map(|v| Some((PathBuf::from(v.get("SourceFile")?.as_str()?), v)))
        .collect()
}

fn num(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.split_whitespace().next()?.parse().ok(),
        Value::Array(a) => a.first().and_then(|x| x.as_f64()),
        _ => None,
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    let s = match v.get(key)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a.first()?.as_str()?.to_owned(),
        _ => return None,
    };
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn list(v: &Value, key: &str) -> Option<Vec<String>> {
    match v.get(key)? {
        Value::Array(a) => Some(
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        Value::String(s) => Some(vec![s.clone()]),
        Value::Number(n) => Some(vec![n.to_string()]),
        _ => None,
    }
}

/// A date as exiftool prints it, parsed independently of the reader: local time to the
/// second, and the offset when the string carries one.
fn exif_date(s: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let s = s.trim();
    if s.len() < 19 {
        return None;
    }
    let head = s[..19].replacen('-', ":", 2).replacen('T', " ", 1);
    let local = NaiveDateTime::parse_from_str(&head, "%Y:%m:%d %H:%M:%S").ok()?;
    let offset = if s.ends_with('Z') {
        Some(0)
    } else if s.len() >= 25 && matches!(&s[s.len() - 6..s.len() - 5], "+" | "-") {
        let tail = &s[s.len() - 6..];
        let sign = if tail.starts_with('-') { -1 } else { 1 };
        let h: i32 = tail[1..3].parse().ok()?;
        let m: i32 = tail[4..6].parse().ok()?;
        Some(sign * (h * 3600 + m * 60))
    } else {
        None
    };
    Some((local, offset))
}

fn offset_text(s: &str) -> Option<i32> {
    let s = s.trim();
    let sign = match s.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let (h, m) = s[1..].split_once(':')?;
    Some(sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60))
}

/// The date Immich would pick from exiftool's tags (its `EXIF_DATE_TAGS` order, with MWG's
/// fallback to XMP `DateCreated`), and the offset exiftool states for it, if any: the date's
/// own, else an explicit zone tag. Heuristic zones (GPS time, location) are not expected.
fn expected_date(v: &Value) -> Option<(NaiveDateTime, Option<i32>)> {
    let keys = [
        "SubSecDateTimeOriginal",
        "SubSecCreateDate",
        "SubSecMediaCreateDate",
        "DateTimeOriginal",
        "DateCreated",
        "CreationDate",
        "CreateDate",
        "MediaCreateDate",
        "DateTimeCreated",
        "GPSDateTime",
        "DateTimeUTC",
        "SonyDateTime2",
        "SourceImageCreateTime",
    ];
    let (local, own) = keys.iter().find_map(|k| exif_date(&text(v, k)?))?;
    let zone = || {
        if let Some(minutes) = num(v, "TimeZone") {
            let nikon = text(v, "Make").is_some_and(|m| m.to_lowercase().contains("nikon"));
            let dst = nikon && num(v, "DaylightSavings") == Some(1.0);
            return Some((minutes as i32 + if dst { 60 } else { 0 }) * 60);
        }
        if let Some(o) = text(v, "OffsetTimeOriginal").and_then(|s| offset_text(&s)) {
            return Some(o);
        }
        if let Some(o) = text(v, "OffsetTimeDigitized").and_then(|s| offset_text(&s)) {
            return Some(o);
        }
        num(v, "TimeZoneOffset").map(|h| h as i32 * 3600)
    };
    Some((local, own.or_else(zone)))
}

#[derive(Default)]
struct Score {
    compared: usize,
    agreed: usize,
    disagreements: Vec<String>,
}

struct Report {
    fields: Vec<(&'static str, Score)>,
}

impl Report {
    fn new() -> Self {
        let names = [
            "date",
            "offset",
            "gps",
            "make",
            "model",
            "lens",
            "iso",
            "f_number",
            "focal_length",
            "exposure",
            "orientation",
            "width",
            "height",
            "rating",
            "description",
            "title",
            "keywords",
            "content_id",
        ];
        Self {
            fields: names.iter().map(|&n| (n, Score::default())).collect(),
        }
    }

    fn record(&mut self, field: &str, file: &str, agreed: bool, detail: impl FnOnce() -> String) {
        let score = &mut self.fields.iter_mut().find(|(n, _)| *n == field).unwrap().1;
        score.compared += 1;
        if agreed {
            score.agreed += 1;
        } else {
            score.disagreements.push(format!("{file}: {}", detail()));
        }
    }
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1.0)
}

fn compare(report: &mut Report, file: &str, ours: Option<&ImageMetadata>, v: &Value) {
    let ours_default;
    let m = match ours {
        Some(m) => m,
        None => {
            ours_default = shoebox_media::read_sidecar(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
                .expect("empty metadata");
            &ours_default
        }
    };

    if let Some((local, offset)) = expected_date(v) {
        let got = m.date_taken.map(|d| {
            let l = d.local;
            (
                l.date()
                    .and_hms_opt(
                        chrono::Timelike::hour(&l),
                        chrono::Timelike::minute(&l),
                        chrono::Timelike::second(&l),
                    )
                    .unwrap(),
                d.offset_seconds,
            )
        });
        report.record("date", file, got.map(|g| g.0) == Some(local), || {
            format!("date ours {:?} exiftool {local}", got.map(|g| g.0))
        });
        if let Some(expected) = offset {
            report.record(
                "offset",
                file,
                got.and_then(|g| g.1) == Some(expected),
                || {
                    format!(
                        "offset ours {:?} exiftool {expected}",
                        got.and_then(|g| g.1)
                    )
                },
            );
        }
    }

    if let (Some(lat), Some(lon)) = (num(v, "GPSLatitude"), num(v, "GPSLongitude"))
        && !(lat == 0.0 && lon == 0.0)
    {
        let ok = matches!((m.latitude, m.longitude),
            (Some(a), Some(b)) if (a - lat).abs() <= 1e-5 && (b - lon).abs() <= 1e-5);
        report.record("gps", file, ok, || {
            format!(
                "gps ours {:?},{:?} exiftool {lat},{lon}",
                m.latitude, m.longitude
            )
        });
    }

    let strings: [(&str, Option<String>, Option<&String>); 3] = [
        ("make", text(v, "Make"), m.make.as_ref()),
        ("model", text(v, "Model"), m.model.as_ref()),
        (
            "lens",
            text(v, "LensModel").filter(|l| l != "----" && !l.starts_with("Unknown")),
            m.lens_model.as_ref(),
        ),
    ];
    for (field, expected, got) in strings {
        if let Some(expected) = expected {
            report.record(field, file, got == Some(&expected), || {
                format!("{field} ours {got:?} exiftool {expected:?}")
            });
        }
    }

    if let Some(iso) = num(v, "ISO") {
        report.record(
            "iso",
            file,
            m.iso.map(f64::from) == Some(iso.round()),
            || format!("iso ours {:?} exiftool {iso}", m.iso),
        );
    }
    for (field, key, got) in [
        ("f_number", "FNumber", m.f_number),
        ("focal_length", "FocalLength", m.focal_length),
    ] {
        if let Some(expected) = num(v, key) {
            let ok = got.is_some_and(|g| close(g, expected, 1e-6));
            report.record(field, file, ok, || {
                format!("{field} ours {got:?} exiftool {expected}")
            });
        }
    }
    if let Some(expected) = num(v, "ExposureTime").and_then(format_exposure_time) {
        report.record(
            "exposure",
            file,
            m.exposure_time.as_ref() == Some(&expected),
            || format!("exposure ours {:?} exiftool {expected}", m.exposure_time),
        );
    }
    if let Some(o) = num(v, "Orientation").filter(|o| (1.0..=8.0).contains(o)) {
        report.record(
            "orientation",
            file,
            m.orientation.map(f64::from) == Some(o),
            || format!("orientation ours {:?} exiftool {o}", m.orientation),
        );
    }
    for (field, key, got) in [
        ("width", "ImageWidth", m.width),
        ("height", "ImageHeight", m.height),
    ] {
        if let Some(expected) = num(v, key) {
            report.record(field, file, got.map(f64::from) == Some(expected), || {
                format!("{field} ours {got:?} exiftool {expected}")
            });
        }
    }
    if let Some(r) = num(v, "Rating").filter(|r| (-1.0..=5.0).contains(r)) {
        report.record(
            "rating",
            file,
            m.rating.map(f64::from) == Some(r.round()),
            || format!("rating ours {:?} exiftool {r}", m.rating),
        );
    }
    let description = ["ImageDescription", "Description", "Caption-Abstract"]
        .iter()
        .find_map(|k| text(v, k));
    if let Some(expected) = description {
        report.record(
            "description",
            file,
            m.description.as_ref() == Some(&expected),
            || format!("description ours {:?} exiftool {expected:?}", m.description),
        );
    }
    if let Some(expected) = ["Title", "ObjectName"].iter().find_map(|k| text(v, k)) {
        report.record("title", file, m.title.as_ref() == Some(&expected), || {
            format!("title ours {:?} exiftool {expected:?}", m.title)
        });
    }
    if let Some(expected) = list(v, "Subject").or_else(|| list(v, "Keywords")) {
        report.record("keywords", file, m.keywords == expected, || {
            format!("keywords ours {:?} exiftool {expected:?}", m.keywords)
        });
    }
    if let Some(expected) = text(v, "ContentIdentifier").or_else(|| text(v, "MediaGroupUUID")) {
        report.record(
            "content_id",
            file,
            m.content_identifier.as_ref() == Some(&expected),
            || {
                format!(
                    "content id ours {:?} exiftool {expected:?}",
                    m.content_identifier
                )
            },
        );
    }
}

#[test]
fn agrees_with_exiftool_on_the_corpus() {
    let Some(corpus) = corpus_dir() else { return };
    if !exiftool_available() {
        return;
    }
    let files = files_with_extensions(&corpus, IMAGE_EXTENSIONS);
    assert!(!files.is_empty(), "no images in the corpus");
    let truth = exiftool_json(&files);

    let mut report = Report::new();
    let mut inferred = Vec::new();
    let mut errors = Vec::new();
    let mut panics = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(&corpus)
            .unwrap_or(path)
            .display()
            .to_string();
        let result = std::panic::catch_unwind(|| read_metadata(path));
        let ours = match result {
            Err(_) => {
                panics.push(name.clone());
                None
            }
            Ok(Err(e)) => {
                errors.push(format!("{name}: {e}"));
                None
            }
            Ok(Ok(m)) => Some(m),
        };
        let Some(v) = truth.get(path) else {
            continue;
        };
        compare(&mut report, &name, ours.as_ref(), v);
        // Zones found by inference where exiftool states none (not scored).
        if let (Some(m), Some((_, None))) = (&ours, expected_date(v))
            && let Some(z) = m.time_zone
        {
            inferred.push(format!("{name}: {} from {:?}", z.immich_name(), z.source));
        }
    }

    println!(
        "\nmetadata agreement with exiftool -j -n over {} images",
        files.len()
    );
    println!(
        "{:<14} {:>9} {:>7} {:>8}",
        "field", "compared", "agreed", "rate"
    );
    let (mut compared, mut agreed) = (0, 0);
    for (name, s) in &report.fields {
        compared += s.compared;
        agreed += s.agreed;
        let rate = if s.compared == 0 {
            100.0
        } else {
            100.0 * s.agreed as f64 / s.compared as f64
        };
        println!("{name:<14} {:>9} {:>7} {rate:>7.1}%", s.compared, s.agreed);
    }
    let overall = 100.0 * agreed as f64 / compared.max(1) as f64;
    println!(
        "{:<14} {compared:>9} {agreed:>7} {overall:>7.1}%",
        "overall"
    );
    println!("\ndisagreements:");
    for (_, s) in &report.fields {
        for d in &s.disagreements {
            println!("  {d}");
        }
    }
    println!("\ntime zones inferred where exiftool states none:");
    for i in &inferred {
        println!("  {i}");
    }
    if !errors.is_empty() {
        println!("\nfiles read with an error:");
        for e in &errors {
            println!("  {e}");
        }
    }

    assert!(panics.is_empty(), "panicked on {panics:?}");
    assert!(
        overall >= 95.0,
        "overall agreement {overall:.1}% is below 95%"
    );
    for (name, s) in &report.fields {
        if s.compared >= 5 {
            let rate = s.agreed as f64 / s.compared as f64;
            assert!(
                rate >= 0.8,
                "{name}: agreement {:.1}% is below 80%",
                rate * 100.0
            );
        }
    }
}

fn is_panic_error(e: &MetadataError) -> bool {
    e.to_string().contains("panicked")
}

#[test]
fn broken_files_never_panic() {
    let Some(corpus) = corpus_dir() else { return };
    let jpg = corpus.join("exif-samples/jpg");
    let mut files = files_under(&jpg.join("invalid"));
    files.extend(files_under(&jpg.join("tests")));
    files.push(jpg.join("corrupted.jpg"));
    files.sort();
    let mut checked = 0;
    for path in files.iter().filter(|p| p.is_file()) {
        let result = std::panic::catch_unwind(|| read_metadata(path));
        match result {
            Err(_) => panic!("{} panicked", path.display()),
            Ok(Err(e)) => {
                assert!(!is_panic_error(&e), "{}: {e}", path.display());
                println!("{}: error {e}", path.display());
            }
            Ok(Ok(m)) => {
                if !m.warnings.is_empty() {
                    println!("{}: partial, {:?}", path.display(), m.warnings);
                }
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 15,
        "expected the broken samples, found {checked}"
    );
}

/// Every corpus image truncated at many lengths and with bytes flipped in its first 64 KiB:
/// the reader returns (an error or partial data) and never panics.
#[test]
fn truncated_and_damaged_images_never_panic() {
    let Some(corpus) = corpus_dir() else { return };
    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut variants = 0;
    for path in files_with_extensions(&corpus, IMAGE_EXTENSIONS) {
        let bytes = std::fs::read(&path).unwrap();
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for cut in [
            0, 1, 2, 3, 4, 8, 12, 16, 24, 32, 64, 100, 200, 500, 1000, 4096, 20000,
        ] {
            if cut < bytes.len() {
                inputs.push(bytes[..cut].to_vec());
            }
        }
        for i in 1..8 {
            inputs.push(bytes[..bytes.len() * i / 8].to_vec());
        }
        for _ in 0..12 {
            let mut damaged = bytes.clone();
            let span = damaged.len().min(65536);
            for _ in 0..8 {
                let at = (next() as usize) % span;
                damaged[at] = next() as u8;
            }
            inputs.push(damaged);
        }
        for input in inputs {
            let result = std::panic::catch_unwind(|| {
                shoebox_media::metadata::read_metadata_from(
                    Cursor::new(input),
                    &ReadOptions::default(),
                )
            });
            match result {
                Err(_) => panic!("{} (damaged) panicked", path.display()),
                Ok(Err(e)) => assert!(!is_panic_error(&e), "{}: {e}", path.display()),
                Ok(Ok(_)) => {}
            }
            variants += 1;
        }
    }
    println!("{variants} damaged variants read without a panic");
}
