//! Decompression bombs (small files that claim or decode to hundreds of megapixels) uploaded
//! all at once, beside a real 200 MP JPEG and a 100 MP PNG: the server keeps its peak memory
//! under 512 MiB, decodes what is valid at reduced scale (the PNGs, 784 MB of zeros among
//! them), fails the other bombs' own jobs with a reason, and goes on serving.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use support::{Api, base_jpeg, listening_port, serve, sign_up_and_log_in, upload_file};

const PEAK_RSS_LIMIT_MIB: u64 = 512;

/// A PNG of `width`×`height` pixels written row by row (never whole in memory) to `path`, row
/// `y` from `fill(y, row)`; answers the file's bytes.
fn png(
    path: &Path,
    (width, height): (u32, u32),
    color: png::ColorType,
    fill: impl Fn(u32, &mut [u8]),
) -> Vec<u8> {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut encoder = png::Encoder::new(file, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder
        .write_header()
        .unwrap()
        .into_stream_writer()
        .unwrap();
    let mut row = vec![0; width as usize * color.samples()];
    for y in 0..height {
        fill(y, &mut row);
        writer.write_all(&row).unwrap();
    }
    writer.finish().unwrap();
    std::fs::read(path).unwrap()
}

/// A textured RGB row pattern, shifted along for each row.
fn texture(width: u32) -> impl Fn(u32, &mut [u8]) {
    let base: Vec<u8> = (0..width)
        .flat_map(|x| {
            [
                (x / 48) as u8,
                (x.wrapping_mul(7919) >> 5) as u8,
                (x & 0xFF) as u8,
            ]
        })
        .collect();
    move |y, row| {
        let shift = (y as usize * 21) % base.len();
        row[..base.len() - shift].copy_from_slice(&base[shift..]);
        row[base.len() - shift..].copy_from_slice(&base[..shift]);
    }
}

/// A RIFF WebP file of one chunk.
fn webp(chunk: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = b"RIFF".to_vec();
    out.extend(u32::try_from(4 + 8 + payload.len()).unwrap().to_le_bytes());
    out.extend(b"WEBP");
    out.extend(chunk);
    out.extend(u32::try_from(payload.len()).unwrap().to_le_bytes());
    out.extend(payload);
    out
}

/// A lossless WebP header claiming `width`×`height` with alpha, then a little garbage.
fn webp_lossless_claiming(width: u32, height: u32) -> Vec<u8> {
    let bits = (width - 1) | (height - 1) << 14 | 1 << 28;
    let mut payload = vec![0x2F];
    payload.extend(bits.to_le_bytes());
    payload.extend([0x55; 64]);
    webp(b"VP8L", &payload)
}

/// A lossy WebP key frame header claiming `width`×`height`, then a little garbage.
fn webp_lossy_claiming(width: u16, height: u16) -> Vec<u8> {
    // Key frame, version 0, shown, first partition of 10 bytes.
    let tag: u32 = 1 << 4 | 10 << 5;
    let mut payload = tag.to_le_bytes()[..3].to_vec();
    payload.extend([0x9D, 0x01, 0x2A]);
    payload.extend(width.to_le_bytes());
    payload.extend(height.to_le_bytes());
    payload.extend([0x55; 64]);
    webp(b"VP8 ", &payload)
}

/// A TIFF claiming `width`×`height` RGB pixels in one deflate strip that holds a few bytes.
fn tiff_claiming(width: u32, height: u32) -> Vec<u8> {
    let strip: &[u8] = &[0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01];
    let entries: [(u16, u16, u32, u32); 9] = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 8),
        (262, 3, 1, 2),
        (273, 4, 1, 8),
        (277, 3, 1, 3),
        (278, 4, 1, height),
        (279, 4, 1, strip.len() as u32),
    ];
    let ifd = 8 + strip.len() as u32;
    let mut out = b"II*\0".to_vec();
    out.extend(ifd.to_le_bytes());
    out.extend(strip);
    out.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(count.to_le_bytes());
        out.extend(value.to_le_bytes());
    }
    out.extend(0u32.to_le_bytes());
    out
}

/// A JPEG whose frame header claims `side`×`side` pixels.
fn jpeg_claiming(side: u16) -> Vec<u8> {
    let mut jpeg = base_jpeg();
    let mut at = 2;
    while jpeg[at + 1] != 0xC0 {
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    jpeg[at + 5..at + 7].copy_from_slice(&side.to_be_bytes());
    jpeg[at + 7..at + 9].copy_from_slice(&side.to_be_bytes());
    jpeg
}

/// A HEIF or AVIF file from the corpus whose `ispe` properties all claim `side`×`side`.
fn heif_claiming(file: &Path, side: u32) -> Vec<u8> {
    let mut bytes = std::fs::read(file).unwrap();
    let mut at = 0;
    while let Some(found) = bytes[at..].windows(4).position(|w| w == b"ispe") {
        let ispe = at + found;
        // Size and type, version and flags, then width and height.
        bytes[ispe + 8..ispe + 12].copy_from_slice(&side.to_be_bytes());
        bytes[ispe + 12..ispe + 16].copy_from_slice(&side.to_be_bytes());
        at = ispe + 16;
    }
    bytes
}

/// A real 16320×12240 (199.8 MP) camera-like JPEG, made by ffmpeg.
fn jpeg_200_megapixels(dir: &Path) -> Vec<u8> {
    let path = dir.join("200mp.jpg");
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=16320x12240:rate=1",
        ])
        .args(["-frames:v", "1", "-pix_fmt", "yuvj420p", "-q:v", "5", "-y"])
        .arg(&path)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    std::fs::read(path).unwrap()
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// The process's peak resident memory so far (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status");
    kib / 1024
}

/// The size of a JPEG the server answered (its SOF).
fn jpeg_size(jpeg: &[u8]) -> (u32, u32) {
    let decoder = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(jpeg)).unwrap();
    image::ImageDecoder::dimensions(&decoder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decompression_bombs_fail_their_own_jobs_within_bounded_memory_while_large_photos_get_previews()
 {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = serve(dir.path(), "serve.log", &[], &[]);
    let port = listening_port(&mut server).await;
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/api");
    let token = sign_up_and_log_in(&client, &base).await;
    let api = std::sync::Arc::new(Api {
        client,
        base,
        token,
    });

    // 14000×14000 RGBA of zeros: 784 MB of pixels in a file of a few hundred kilobytes.
    let zeros = png(
        &dir.path().join("zeros.png"),
        (14000, 14000),
        png::ColorType::Rgba,
        |_, _| {},
    );
    let mut bombs: Vec<(String, Vec<u8>)> = (0..3)
        .map(|i| {
            // Distinct files (bytes after IEND are ignored), so none is a duplicate.
            let mut png = zeros.clone();
            png.extend(format!("copy {i}").bytes());
            (format!("zeros-{i}.png"), png)
        })
        .collect();
    bombs.push(("lossless.webp".into(), webp_lossless_claiming(14000, 14000)));
    bombs.push(("lossy.webp".into(), webp_lossy_claiming(14000, 14000)));
    bombs.push(("strip.tif".into(), tiff_claiming(14000, 14000)));
    bombs.push(("huge.jpg".into(), jpeg_claiming(65500)));
    match corpus_dir() {
        Some(corpus) => {
            for (name, file) in [
                ("huge.heic", "immich-test-assets/formats/heic/IMG_2682.heic"),
                (
                    "huge.avif",
                    "immich-test-assets/formats/avif/8bit-sRGB.avif",
                ),
            ] {
                bombs.push((name.into(), heif_claiming(&corpus.join(file), 14000)));
            }
        }
        None => println!("SKIP: no corpus beside the project, so no HEIC and AVIF bombs"),
    }
    let large = [
        ("200mp.jpg", jpeg_200_megapixels(dir.path())),
        (
            "100mp.png",
            png(
                &dir.path().join("100mp.png"),
                (12240, 8170),
                png::ColorType::Rgb,
                texture(12240),
            ),
        ),
    ];

    for (name, bytes) in &large {
        println!("{name}: {} MiB", bytes.len() >> 20);
    }
    println!("zeros-0.png: {} KiB", zeros.len() >> 10);
    let mut uploads = Vec::new();
    for (name, bytes) in bombs
        .into_iter()
        .chain(large.map(|(n, b)| (n.to_string(), b)))
    {
        let api = api.clone();
        uploads.push(tokio::spawn(async move {
            let id = upload_file(&api, &name, bytes).await;
            (name, id)
        }));
    }
    let mut ids = std::collections::HashMap::new();
    for upload in uploads {
        let (name, id) = upload.await.unwrap();
        ids.insert(name, id);
    }
    api.media_queues_settle(&mut server, Duration::from_secs(240), "jobs never settled")
        .await;

    // Valid images, however large, get their previews: the real photos and the PNG of zeros.
    for (name, size) in [
        ("200mp.jpg", (1920, 1440)),
        ("100mp.png", (2157, 1440)),
        ("zeros-0.png", (1440, 1440)),
    ] {
        let preview = api
            .fetch(&format!("/assets/{}/thumbnail?size=preview", ids[name]))
            .await;
        assert_eq!(preview.status(), StatusCode::OK, "preview of {name}");
        assert_eq!(jpeg_size(&preview.bytes().await.unwrap()), size, "{name}");
    }
    for (name, id) in &ids {
        if !name.ends_with(".png") && name != "200mp.jpg" {
            let thumbnail = api.fetch(&format!("/assets/{id}/thumbnail")).await;
            assert_eq!(
                thumbnail.status(),
                StatusCode::NOT_FOUND,
                "{name} has a thumbnail"
            );
        }
    }
    let log = server.log_text();
    assert!(
        log.contains("more than this server's decode budget of 384 MiB"),
        "no bomb was refused for its memory:\n{log}"
    );
    let ping = api.fetch("/server/ping").await;
    assert_eq!(ping.status(), StatusCode::OK);
    server.assert_running();

    let peak = peak_rss_mib(server.pid());
    println!("peak RSS of the server: {peak} MiB");
    assert!(
        peak <= PEAK_RSS_LIMIT_MIB,
        "peak RSS {peak} MiB over {PEAK_RSS_LIMIT_MIB} MiB"
    );
}
