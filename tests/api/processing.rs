//! Background processing seen through the API: jobs run after upload, their
//! results show on the asset, failures are recorded, not retried forever.

use std::path::PathBuf;

use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    uploaded_photo_gets_a_preview_a_thumbnail_and_a_thumbhash,
    uploaded_photo_gets_its_camera_metadata_place_and_zone,
    unreadable_file_fails_its_job_with_a_reason_and_the_asset_stays,
    starting_metadata_extraction_for_all_requeues_every_asset,
    refresh_metadata_is_only_for_the_owners_assets,
    fullsize_is_the_original_for_browser_formats_and_the_preview_otherwise,
);

pub(crate) fn corpus_file(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(rel);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "skipped: {} is absent (the shared corpus is not here)",
            path.display()
        );
        None
    }
}

async fn upload_file(s: &TestServer, token: &str, path: &PathBuf) -> String {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let (status, body) = s.upload(token, &name, std::fs::read(path).unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Waits for the metadata queue to go quiet.
async fn metadata_jobs_settle(s: &TestServer, token: &str) -> Value {
    s.queue_settles(token, "metadataExtraction").await
}

async fn uploaded_photo_gets_its_camera_metadata_place_and_zone(s: &TestServer) {
    let Some(path) = corpus_file("exif-samples/jpg/gps/DSCN0010.jpg") else {
        return;
    };
    let token = s.admin().await;
    let id = upload_file(s, &token, &path).await;
    metadata_jobs_settle(s, &token).await;
    let (_, asset) = s.get(&token, &format!("/assets/{id}")).await;
    let exif = &asset["exifInfo"];
    assert_eq!(exif["make"], "NIKON", "{asset}");
    assert_eq!(exif["model"], "COOLPIX P6000");
    assert_eq!(exif["iso"], 64);
    assert_eq!(exif["exposureTime"], "1/75");
    assert_eq!(exif["fNumber"], 5.9);
    assert!((exif["latitude"].as_f64().unwrap() - 43.467_448).abs() < 1e-5);
    // Near Arezzo; without zone tags (and with a GPS date a day off) only the position tells
    // the zone, and Italy kept summer time until 26 October 2008.
    assert_eq!(exif["city"], "Arezzo", "{asset}");
    assert_eq!(exif["state"], "Tuscany");
    assert_eq!(exif["country"], "Italy");
    assert_eq!(exif["timeZone"], "UTC+02:00");
    assert_eq!(exif["dateTimeOriginal"], "2008-10-22T14:28:39.000Z");
    assert!((exif["longitude"].as_f64().unwrap() - 11.885_127).abs() < 1e-5);
    assert_eq!(asset["localDateTime"], "2008-10-22T16:28:39.000Z");
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(640), Some(480))
    );
    // The date taken, not the upload's file date, places it on the timeline.
    let (_, buckets) = s.get(&token, "/timeline/buckets").await;
    assert_eq!(buckets, json!([{"timeBucket": "2008-10-01", "count": 1}]));
}

async fn unreadable_file_fails_its_job_with_a_reason_and_the_asset_stays(s: &TestServer) {
    let token = s.admin().await;
    // A JPEG signature over garbage: accepted by upload, unreadable by the job.
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF];
    bytes.extend(std::iter::repeat_n(0xAB, 4096));
    let (status, body) = s.upload(&token, "broken.jpg", bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let queue = metadata_jobs_settle(s, &token).await;
    let (_, asset) = s.get(&token, &format!("/assets/{id}")).await;
    assert_eq!(asset["id"], id.as_str(), "the asset stays");
    if queue["statistics"]["failed"] == 1 {
        let (_, failed) = s
            .get(&token, "/queues/metadataExtraction/jobs?status=failed")
            .await;
        assert_eq!(failed[0]["data"]["assetId"], id.as_str(), "{failed}");
        assert!(
            failed[0]["data"]["error"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{failed}"
        );
    } else {
        // The reader may accept what it can of a broken file; then it completes once.
        assert_eq!(queue["statistics"]["completed"], 1, "{queue}");
    }
    let (status, _) = s.get(&token, "/server/ping").await;
    assert_eq!(status, StatusCode::OK);
}

async fn starting_metadata_extraction_for_all_requeues_every_asset(s: &TestServer) {
    let token = s.admin().await;
    for seed in ["a", "b", "c"] {
        s.upload_photo(&token, seed).await;
    }
    let before = metadata_jobs_settle(s, &token).await;
    let done = |q: &Value| {
        q["statistics"]["completed"].as_i64().unwrap() + q["statistics"]["failed"].as_i64().unwrap()
    };
    assert_eq!(done(&before), 3, "{before}");
    // "Missing" re-runs only assets without metadata: here, those whose job failed.
    let (status, body) = s
        .put(
            &token,
            "/jobs/metadataExtraction",
            json!({"command": "start", "force": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after_missing = metadata_jobs_settle(s, &token).await;
    let failed = before["statistics"]["failed"].as_i64().unwrap();
    assert_eq!(done(&after_missing), 3 + failed, "{after_missing}");
    // "All" runs every asset again.
    let (status, body) = s
        .put(
            &token,
            "/jobs/metadataExtraction",
            json!({"command": "start", "force": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after_all = metadata_jobs_settle(s, &token).await;
    assert_eq!(done(&after_all), done(&after_missing) + 3, "{after_all}");
}

async fn refresh_metadata_is_only_for_the_owners_assets(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "user@example.com").await;
    let id = s.upload_photo(&admin, "mine").await;
    let (status, body) = s
        .post(
            &user,
            "/assets/jobs",
            json!({"assetIds": [id], "name": "refresh-metadata"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, _) = s
        .post(
            &admin,
            "/assets/jobs",
            json!({"assetIds": [id], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s
        .post(
            &admin,
            "/assets/jobs",
            json!({"assetIds": [id], "name": "make-coffee"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn uploaded_photo_gets_a_preview_a_thumbnail_and_a_thumbhash(s: &TestServer) {
    let Some(path) = corpus_file("exif-samples/jpg/orientation/portrait_6.jpg") else {
        return;
    };
    let admin = s.admin().await;
    let (_, other) = s.user(&admin, "other@example.com").await;
    let id = upload_file(s, &admin, &path).await;
    metadata_jobs_settle(s, &admin).await;
    let queue = s.queue_settles(&admin, "thumbnailGeneration").await;
    assert_eq!(queue["statistics"]["completed"], 1, "{queue}");

    let (_, asset) = s.get(&admin, &format!("/assets/{id}")).await;
    assert!(
        asset["thumbhash"].as_str().is_some_and(|t| !t.is_empty()),
        "{asset}"
    );
    // Orientation 6 turns the stored landscape pixels into a portrait photo.
    assert!(
        asset["height"].as_i64() > asset["width"].as_i64(),
        "{asset}"
    );

    let url = s.url(&format!("/assets/{id}/thumbnail"));
    let res = s.client.get(&url).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/webp");
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let body = res.bytes().await.unwrap();
    assert_eq!(&body[0..4], b"RIFF");
    assert_eq!(&body[8..12], b"WEBP");
    let again = s
        .client
        .get(&url)
        .bearer_auth(&admin)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let preview = s
        .client
        .get(format!("{url}?size=preview"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), StatusCode::OK);
    assert_eq!(preview.headers()["content-type"], "image/jpeg");
    assert_eq!(&preview.bytes().await.unwrap()[0..2], &[0xFF, 0xD8]);

    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let original = no_redirects
        .get(format!("{url}?size=original"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(original.status(), StatusCode::FOUND);

    let (status, body) = s.get(&other, &format!("/assets/{id}/thumbnail")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn fullsize_is_the_original_for_browser_formats_and_the_preview_otherwise(s: &TestServer) {
    let (Some(heic), Some(jpeg)) = (
        corpus_file("exif-samples/heic/IMG_5195.HEIC"),
        corpus_file("exif-samples/jpg/gps/DSCN0010.jpg"),
    ) else {
        return;
    };
    let token = s.admin().await;
    let heic = upload_file(s, &token, &heic).await;
    let jpeg = upload_file(s, &token, &jpeg).await;
    metadata_jobs_settle(s, &token).await;
    s.queue_settles(&token, "thumbnailGeneration").await;
    let (status, headers, bytes) = s
        .download(
            &token,
            &format!("/assets/{heic}/thumbnail?size=fullsize"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(&bytes[..2], [0xFF, 0xD8]);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .get(s.url(&format!("/assets/{jpeg}/thumbnail?size=fullsize")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "original");
}
