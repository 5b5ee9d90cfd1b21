//! Videos end to end with the real ffmpeg: probed metadata, a thumbnail from a frame, a
//! playable copy only when the original will not play, and playback with HTTP Range.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    uploaded_h264_video_gets_metadata_a_thumbnail_and_plays_its_original,
    unplayable_video_is_transcoded_to_h264_mp4_for_playback,
    rotated_video_is_shown_upright,
    truncated_video_fails_its_job_with_a_reason_and_the_asset_stays,
    playback_of_a_photo_is_a_bad_request,
    regenerating_thumbnails_and_transcodes_runs_their_queues_again,
    live_photo_halves_pair_by_content_identifier_in_either_order,
);

/// Makes a short test video with ffmpeg's synthetic sources; `args` go before the output.
pub(crate) fn make_video(dir: &Path, name: &str, args: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("ffmpeg runs (scripts/setup.sh installs it)");
    assert!(status.success(), "ffmpeg could not make {name}");
    std::fs::read(out).unwrap()
}

/// 2 s of 320×240 H.264 + AAC in MP4, taken in Paris on 1 June 2021 at 12:00 UTC.
fn h264_with_gps(dir: &Path) -> Vec<u8> {
    make_video(
        dir,
        "paris.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=320x240:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-metadata",
            "creation_time=2021-06-01T12:00:00Z",
            "-metadata",
            "location=+48.8584+002.2945/",
        ],
    )
}

pub(crate) async fn upload_video(
    s: &TestServer,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> String {
    let (status, body) = s.upload(token, name, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Waits for every queue a video passes through.
pub(crate) async fn video_jobs_settle(s: &TestServer, token: &str) -> [Value; 3] {
    [
        s.queue_settles(token, "metadataExtraction").await,
        s.queue_settles(token, "thumbnailGeneration").await,
        s.queue_settles(token, "videoConversion").await,
    ]
}

/// What ffprobe says about bytes a client received: (video codec, width, height).
fn probe_bytes(dir: &Path, bytes: &[u8]) -> (String, u64, u64) {
    let path = dir.join("received.mp4");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_streams"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "the served file is a readable video");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let video = json["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .unwrap()
        .clone();
    (
        video["codec_name"].as_str().unwrap().to_string(),
        video["width"].as_u64().unwrap(),
        video["height"].as_u64().unwrap(),
    )
}

async fn uploaded_h264_video_gets_metadata_a_thumbnail_and_plays_its_original(s: &TestServer) {
    let token = s.admin().await;
    let original = h264_with_gps(s.temp_dir());
    let id = upload_video(s, &token, "paris.mp4", original.clone()).await;
    let [metadata, thumbnails, conversion] = video_jobs_settle(s, &token).await;
    for queue in [&metadata, &thumbnails, &conversion] {
        assert_eq!(queue["statistics"]["failed"], 0, "{queue}");
    }

    let (_, asset) = s.get(&token, &format!("/assets/{id}")).await;
    assert_eq!(asset["type"], "VIDEO", "{asset}");
    assert_eq!(asset["duration"], 2000, "{asset}");
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(320), Some(240))
    );
    let exif = &asset["exifInfo"];
    assert_eq!(
        exif["dateTimeOriginal"], "2021-06-01T12:00:00.000Z",
        "{asset}"
    );
    assert!(
        (exif["latitude"].as_f64().unwrap() - 48.8584).abs() < 1e-5,
        "{asset}"
    );
    assert!(
        (exif["longitude"].as_f64().unwrap() - 2.2945).abs() < 1e-5,
        "{asset}"
    );
    assert!(asset["thumbhash"].is_string(), "{asset}");

    let (status, headers, webp) = s
        .download(&token, &format!("/assets/{id}/thumbnail"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/webp");
    assert_eq!(&webp[8..12], b"WEBP");

    // H.264/AAC in MP4 plays everywhere: no copy is made, the original is streamed.
    let (status, headers, bytes) = s
        .download(&token, &format!("/assets/{id}/video/playback"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "video/mp4");
    assert_eq!(bytes, original);
    let (status, headers, part) = s
        .download(
            &token,
            &format!("/assets/{id}/video/playback"),
            Some("bytes=100-199"),
        )
        .await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        headers["content-range"],
        format!("bytes 100-199/{}", original.len()).as_str()
    );
    assert_eq!(part, original[100..200]);
}

async fn unplayable_video_is_transcoded_to_h264_mp4_for_playback(s: &TestServer) {
    let token = s.admin().await;
    // MPEG-4 Part 2 in AVI at 1280×960: not a codec or container players take.
    let original = make_video(
        s.temp_dir(),
        "old.avi",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=1280x960:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=1",
            "-c:v",
            "mpeg4",
            "-c:a",
            "mp3",
        ],
    );
    let id = upload_video(s, &token, "old.avi", original.clone()).await;
    let [_, _, conversion] = video_jobs_settle(s, &token).await;
    assert_eq!(conversion["statistics"]["failed"], 0, "{conversion}");
    assert_eq!(conversion["statistics"]["completed"], 1, "{conversion}");

    let (status, headers, bytes) = s
        .download(&token, &format!("/assets/{id}/video/playback"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "video/mp4");
    assert_ne!(bytes, original);
    // Immich's default target: H.264, shorter side 720.
    assert_eq!(
        probe_bytes(s.temp_dir(), &bytes),
        ("h264".to_string(), 960, 720)
    );
    // The original is still what downloads.
    let (_, _, downloaded) = s
        .download(&token, &format!("/assets/{id}/original"), None)
        .await;
    assert_eq!(downloaded, original);
}

async fn rotated_video_is_shown_upright(s: &TestServer) {
    let token = s.admin().await;
    let dir = s.temp_dir();
    make_video(
        dir,
        "landscape.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=640x360:rate=25",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    // A phone held upright records landscape frames plus a display rotation.
    let input = dir.join("landscape.mp4");
    let rotated = make_video(
        dir,
        "portrait.mp4",
        &[
            "-i",
            input.to_str().unwrap(),
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
        ],
    );
    let id = upload_video(s, &token, "portrait.mp4", rotated).await;
    video_jobs_settle(s, &token).await;
    let (_, asset) = s.get(&token, &format!("/assets/{id}")).await;
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(360), Some(640)),
        "{asset}"
    );
    let (status, _, jpeg) = s
        .download(
            &token,
            &format!("/assets/{id}/thumbnail?size=preview"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (w, h) = jpeg_size(&jpeg);
    assert!(h > w, "the preview is portrait: {w}x{h}");
}

/// Width and height from a baseline or progressive JPEG's SOF marker.
fn jpeg_size(jpeg: &[u8]) -> (u16, u16) {
    let mut i = 2;
    while i + 9 < jpeg.len() {
        let marker = jpeg[i + 1];
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if (0xC0..=0xC2).contains(&marker) {
            let h = u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]]);
            let w = u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]]);
            return (w, h);
        }
        i += 2 + len;
    }
    panic!("no SOF marker in the preview");
}

async fn truncated_video_fails_its_job_with_a_reason_and_the_asset_stays(s: &TestServer) {
    let token = s.admin().await;
    // An empty file is refused at upload ("The file is empty"); a cut-off one is accepted
    // and must fail in processing.
    let (status, body) = s.upload(&token, "empty.mp4", Vec::new()).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let whole = h264_with_gps(s.temp_dir());
    let id = upload_video(s, &token, "cut.mp4", whole[..600].to_vec()).await;
    let [metadata, thumbnails, _] = video_jobs_settle(s, &token).await;
    assert_eq!(metadata["statistics"]["failed"], 1, "{metadata}");
    let (_, failed) = s
        .get(&token, "/queues/metadataExtraction/jobs?status=failed")
        .await;
    let reason = failed[0]["data"]["error"].as_str().unwrap_or_default();
    assert!(reason.contains("cannot probe video"), "{failed}");
    // Nothing to make thumbnails from: the chain stops at the failed probe.
    assert_eq!(thumbnails["statistics"]["failed"], 0, "{thumbnails}");
    assert_eq!(thumbnails["statistics"]["completed"], 0, "{thumbnails}");
    let (status, asset) = s.get(&token, &format!("/assets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "the asset stays: {asset}");
    let (status, _) = s.get(&token, "/server/ping").await;
    assert_eq!(status, StatusCode::OK);
}

async fn playback_of_a_photo_is_a_bad_request(s: &TestServer) {
    let token = s.admin().await;
    let id = s.upload_photo(&token, "still").await;
    let (status, body) = s.get(&token, &format!("/assets/{id}/video/playback")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, other) = s.user(&token, "other@example.com").await;
    let video = upload_video(s, &token, "paris.mp4", h264_with_gps(s.temp_dir())).await;
    let (status, body) = s
        .get(&other, &format!("/assets/{video}/video/playback"))
        .await;
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::FORBIDDEN,
        "another user's video is not theirs to play: {status} {body}"
    );
}

async fn regenerating_thumbnails_and_transcodes_runs_their_queues_again(s: &TestServer) {
    let token = s.admin().await;
    let id = upload_video(s, &token, "paris.mp4", h264_with_gps(s.temp_dir())).await;
    let [_, thumbnails, conversion] = video_jobs_settle(s, &token).await;
    assert_eq!(thumbnails["statistics"]["completed"], 1, "{thumbnails}");
    assert_eq!(conversion["statistics"]["completed"], 1, "{conversion}");

    let (status, body) = s
        .post(
            &token,
            "/assets/jobs",
            serde_json::json!({"assetIds": [id], "name": "regenerate-thumbnail"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let [_, thumbnails, conversion] = video_jobs_settle(s, &token).await;
    assert_eq!(thumbnails["statistics"]["completed"], 2, "{thumbnails}");
    // Fresh thumbnails of a video are followed by its conversion, as after upload.
    assert_eq!(conversion["statistics"]["completed"], 2, "{conversion}");
    let (status, body) = s
        .post(
            &token,
            "/assets/jobs",
            serde_json::json!({"assetIds": [id], "name": "transcode-video"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let [_, thumbnails, conversion] = video_jobs_settle(s, &token).await;
    assert_eq!(thumbnails["statistics"]["completed"], 2, "{thumbnails}");
    assert_eq!(conversion["statistics"]["completed"], 3, "{conversion}");

    // "Missing" finds nothing to do: the thumbnail exists.
    let (status, body) = s
        .put(
            &token,
            "/jobs/thumbnailGeneration",
            serde_json::json!({"command": "start", "force": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let thumbnails = s.queue_settles(&token, "thumbnailGeneration").await;
    assert_eq!(thumbnails["statistics"]["completed"], 2, "{thumbnails}");
    // "All" does it again.
    let (status, body) = s
        .put(
            &token,
            "/jobs/thumbnailGeneration",
            serde_json::json!({"command": "start", "force": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let thumbnails = s.queue_settles(&token, "thumbnailGeneration").await;
    assert_eq!(thumbnails["statistics"]["completed"], 3, "{thumbnails}");
}

/// An iPhone-style still: a real JPEG whose EXIF says Make=Apple and whose Apple maker note
/// carries `content_id` (tag 0x0011), which is how exiftool and Immich find the pair.
fn apple_still(dir: &Path, name: &str, content_id: &str) -> Vec<u8> {
    let jpeg = make_video(
        dir,
        name,
        &["-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1"],
    );
    let mut note = b"Apple iOS\0\0\x01MM".to_vec();
    let id = format!("{content_id}\0");
    note.extend_from_slice(&[0, 1, 0x00, 0x11, 0, 2]);
    note.extend_from_slice(&(id.len() as u32).to_be_bytes());
    note.extend_from_slice(&32u32.to_be_bytes()); // value right after the note's one-entry IFD
    note.extend_from_slice(&[0, 0, 0, 0]);
    note.extend_from_slice(id.as_bytes());
    // Big-endian TIFF: IFD0 {Make, ExifIFD pointer} at 8, "Apple" at 38, Exif IFD {MakerNote} at 44, note at 62.
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x01, 0x0F, 0, 2, 0, 0, 0, 6, 0, 0, 0, 38]);
    tiff.extend_from_slice(&[0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 44]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(b"Apple\0");
    tiff.extend_from_slice(&[0, 1, 0x92, 0x7C, 0, 7]);
    tiff.extend_from_slice(&(note.len() as u32).to_be_bytes());
    tiff.extend_from_slice(&62u32.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&note);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn apple_motion(dir: &Path, name: &str, content_id: &str) -> Vec<u8> {
    let tag = format!("com.apple.quicktime.content.identifier={content_id}");
    make_video(
        dir,
        name,
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=64x48:rate=10",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "use_metadata_tags",
            "-metadata",
            &tag,
        ],
    )
}

async fn live_photo_halves_pair_by_content_identifier_in_either_order(s: &TestServer) {
    let token = s.admin().await;
    let dir = s.temp_dir();
    // Video first, as the mobile app uploads them; then a pair whose still comes first.
    let video_a = upload_video(
        s,
        &token,
        "IMG_0001.MOV",
        apple_motion(dir, "a.mov", "CID-A"),
    )
    .await;
    video_jobs_settle(s, &token).await;
    let still_a = upload_video(
        s,
        &token,
        "IMG_0001.JPG",
        apple_still(dir, "a.jpg", "CID-A"),
    )
    .await;
    let still_b = upload_video(
        s,
        &token,
        "IMG_0002.JPG",
        apple_still(dir, "b.jpg", "CID-B"),
    )
    .await;
    video_jobs_settle(s, &token).await;
    let video_b = upload_video(
        s,
        &token,
        "IMG_0002.MOV",
        apple_motion(dir, "b.mov", "CID-B"),
    )
    .await;
    video_jobs_settle(s, &token).await;

    for (still, video) in [(&still_a, &video_a), (&still_b, &video_b)] {
        let (_, photo) = s.get(&token, &format!("/assets/{still}")).await;
        assert_eq!(photo["livePhotoVideoId"], video.as_str(), "{photo}");
        let (_, motion) = s.get(&token, &format!("/assets/{video}")).await;
        assert_eq!(motion["visibility"], "hidden", "{motion}");
    }
    // Only the stills are on the timeline.
    let (_, buckets) = s.get(&token, "/timeline/buckets").await;
    let total: i64 = buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 2, "{buckets}");
}
