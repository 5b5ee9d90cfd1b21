//! Motion photos (Google and Samsung): the video inside the still becomes a hidden video
//! asset the still points at, plays like the video half of a live photo, and goes with
//! the still when it is deleted.

use std::path::Path;

use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, stories};

use crate::processing::corpus_file;
use crate::video::{make_video, upload_video, video_jobs_settle};

stories!(
    google_motion_photo_video_becomes_a_hidden_asset_the_still_plays,
    samsung_motion_photo_from_a_phone_gives_its_embedded_video,
    deleting_a_motion_photo_removes_its_video_and_every_generated_file,
);

/// A Pixel-style `MVIMG`: a real JPEG whose XMP says `GCamera:MicroVideo` with the offset of
/// the MP4 appended after the image, counted from the end of the file.
fn google_motion_photo(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let jpeg = make_video(
        dir,
        "still.jpg",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120",
            "-frames:v",
            "1",
        ],
    );
    let video = make_video(
        dir,
        "clip.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=160x120:rate=10",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    let xmp = format!(
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF \
         xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
         <rdf:Description rdf:about=\"\" xmlns:GCamera=\"http://ns.google.com/photos/1.0/camera/\" \
         GCamera:MicroVideo=\"1\" GCamera:MicroVideoVersion=\"1\" \
         GCamera:MicroVideoOffset=\"{}\" GCamera:MicroVideoPresentationTimestampUs=\"0\"/>\
         </rdf:RDF></x:xmpmeta>",
        video.len()
    );
    let mut app1 = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    app1.extend_from_slice(xmp.as_bytes());
    let mut file = vec![0xFF, 0xD8, 0xFF, 0xE1];
    file.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    file.extend_from_slice(&app1);
    file.extend_from_slice(&jpeg[2..]);
    file.extend_from_slice(&video);
    (file, video)
}

async fn asset(s: &TestServer, token: &str, id: &str) -> Value {
    let (status, body) = s.get(token, &format!("/assets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn timeline_total(s: &TestServer, token: &str) -> i64 {
    let (_, buckets) = s.get(token, "/timeline/buckets").await;
    buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum()
}

async fn google_motion_photo_video_becomes_a_hidden_asset_the_still_plays(s: &TestServer) {
    let token = s.admin().await;
    let (file, embedded) = google_motion_photo(s.temp_dir());
    let still = upload_video(s, &token, "MVIMG_20240101_120000.jpg", file).await;
    video_jobs_settle(s, &token).await;

    let photo = asset(s, &token, &still).await;
    assert_eq!(photo["type"], "IMAGE");
    let video_id = photo["livePhotoVideoId"]
        .as_str()
        .unwrap_or_else(|| panic!("the still points at its video: {photo}"))
        .to_string();
    let video = asset(s, &token, &video_id).await;
    assert_eq!(video["type"], "VIDEO", "{video}");
    assert_eq!(video["visibility"], "hidden", "{video}");
    assert_eq!(video["originalFileName"], "MVIMG_20240101_120000.mp4");
    assert_eq!(video["duration"], 1000, "{video}");

    let (status, _, played) = s
        .download(&token, &format!("/assets/{video_id}/video/playback"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        played, embedded,
        "playback serves the embedded MP4 byte for byte"
    );
    assert_eq!(
        timeline_total(s, &token).await,
        1,
        "only the still is shown"
    );

    // Reading the still again finds the same video rather than storing a second copy.
    let (status, body) = s
        .post(
            &token,
            "/assets/jobs",
            json!({"assetIds": [still], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    video_jobs_settle(s, &token).await;
    let again = asset(s, &token, &still).await;
    assert_eq!(again["livePhotoVideoId"], video_id.as_str());
    let stats = s.asset_statistics(&token).await;
    assert_eq!(
        stats["videos"], 0,
        "the hidden video is not counted: {stats}"
    );
    assert_eq!(s.stored_files().len(), 2, "{:?}", s.stored_files());
}

async fn samsung_motion_photo_from_a_phone_gives_its_embedded_video(s: &TestServer) {
    let Some(path) = corpus_file("immich-test-assets/formats/motionphoto/samsung-one-ui-6.heic")
    else {
        return;
    };
    let token = s.admin().await;
    let still = upload_video(
        s,
        &token,
        "samsung-one-ui-6.heic",
        std::fs::read(path).unwrap(),
    )
    .await;
    video_jobs_settle(s, &token).await;
    let photo = asset(s, &token, &still).await;
    let video_id = photo["livePhotoVideoId"]
        .as_str()
        .unwrap_or_else(|| panic!("the still points at its video: {photo}"))
        .to_string();
    let (status, _, bytes) = s
        .download(&token, &format!("/assets/{video_id}/original"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // exiftool -b -MotionPhotoVideo reports the same 3,226,469 bytes.
    assert_eq!(bytes.len(), 3_226_469);
    assert_eq!(&bytes[4..8], b"ftyp");
    let video = asset(s, &token, &video_id).await;
    assert_eq!(video["type"], "VIDEO", "{video}");
    assert!(
        video["exifInfo"]["exifImageWidth"].as_i64().unwrap_or(0) > 0,
        "the video was probed: {video}"
    );
}

async fn deleting_a_motion_photo_removes_its_video_and_every_generated_file(s: &TestServer) {
    let token = s.admin().await;
    let (file, _) = google_motion_photo(s.temp_dir());
    let still = upload_video(s, &token, "MVIMG_1.jpg", file).await;
    video_jobs_settle(s, &token).await;
    let video_id = asset(s, &token, &still).await["livePhotoVideoId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!s.generated_files().is_empty());

    let (status, body) = s
        .delete(
            &token,
            "/assets",
            Some(json!({"ids": [still], "force": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = s.get(&token, &format!("/assets/{video_id}")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the video went with its still"
    );
    assert_eq!(s.stored_files(), Vec::<String>::new());
    assert_eq!(s.generated_files(), Vec::<String>::new());
}
