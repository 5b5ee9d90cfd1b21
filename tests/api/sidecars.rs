//! User edits made durable: edited fields are locked against metadata extraction, written to
//! the asset's XMP sidecar (which exiftool reads back), and the sidecar queue finds sidecars
//! that appear beside an original or go away.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::multipart::Part;
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, stories, upload_form};

stories!(
    an_edit_survives_refresh_metadata,
    an_edit_is_written_to_a_new_sidecar_that_exiftool_reads,
    an_uploaded_sidecar_keeps_its_other_fields_after_an_edit,
    unlocked_fields_follow_a_changed_sidecar_after_refresh,
    sidecar_discovery_finds_a_sidecar_dropped_beside_the_original,
    sidecar_sync_clears_a_removed_sidecar,
);

/// A sidecar as a photo tool writes it: the fields users edit, and others (keywords, aperture).
fn xmp(description: &str, date: &str, lat: &str, lon: &str, rating: u8) -> Vec<u8> {
    format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exif:DateTimeOriginal="{date}"
    exif:GPSLatitude="{lat}"
    exif:GPSLongitude="{lon}"
    exif:FNumber="28/10"
    xmp:Rating="{rating}">
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt></dc:description>
   <dc:subject><rdf:Bag><rdf:li>holiday</rdf:li><rdf:li>family</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
    )
    .into_bytes()
}

/// Taken in Paris on 2 January 2019, rated 2.
fn paris_xmp() -> Vec<u8> {
    xmp(
        "from the sidecar",
        "2019-01-02T03:04:05+01:00",
        "48,51.3N",
        "2,21.1E",
        2,
    )
}

/// Uploads `bytes` with `sidecar` as the CLI's `sidecarData`; returns the asset id.
async fn upload_with_sidecar(
    s: &TestServer,
    token: &str,
    bytes: Vec<u8>,
    sidecar: Vec<u8>,
) -> String {
    let form = upload_form("photo.jpg", bytes)
        .part("sidecarData", Part::bytes(sidecar).file_name("photo.xmp"));
    let (status, body) = s.upload_form(token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn upload_photo(s: &TestServer, token: &str, color: &str) -> String {
    let (status, body) = s.upload(token, "photo.jpg", s.real_jpeg(color)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Waits for sidecar jobs, then for the metadata extraction they queue.
async fn jobs_settle(s: &TestServer, token: &str) {
    s.queue_settles(token, "sidecar").await;
    s.queue_settles(token, "metadataExtraction").await;
}

async fn asset(s: &TestServer, token: &str, id: &str) -> Value {
    let (status, body) = s.get(token, &format!("/assets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn refresh_metadata(s: &TestServer, token: &str, id: &str) {
    let (status, body) = s
        .post(
            token,
            "/assets/jobs",
            json!({"assetIds": [id], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    jobs_settle(s, token).await;
}

async fn start_sidecar_queue(s: &TestServer, token: &str, force: bool) {
    let (status, body) = s
        .put(
            token,
            "/jobs/sidecar",
            json!({"command": "start", "force": force}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    jobs_settle(s, token).await;
}

/// Where the asset's original is on disk.
fn original_of(s: &TestServer, asset: &Value) -> PathBuf {
    s.originals_dir()
        .join(asset["originalPath"].as_str().expect("originalPath"))
}

/// `<original>.xmp`, where sidecars are uploaded and written.
fn sidecar_of(s: &TestServer, asset: &Value) -> PathBuf {
    let mut path = original_of(s, asset).into_os_string();
    path.push(".xmp");
    PathBuf::from(path)
}

/// `exiftool -j -n` of one file, or `None` (with a note) where exiftool is not installed.
fn exiftool(path: &Path) -> Option<Value> {
    let out = match Command::new("exiftool")
        .args(["-j", "-n"])
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            println!("skipped: exiftool is not installed");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    Some(json[0].clone())
}

fn assert_near(value: &Value, expected: f64) {
    let v = value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"));
    assert!((v - expected).abs() < 1e-6, "{v} is not {expected}");
}

/// The edit the stories make: every lockable field at once.
fn tokyo_edit() -> Value {
    json!({
        "description": "mine & only mine",
        "dateTimeOriginal": "2021-07-14T18:30:00+09:00",
        "latitude": 35.6762,
        "longitude": 139.6503,
        "rating": 5,
    })
}

fn assert_tokyo_edit(asset: &Value) {
    let exif = &asset["exifInfo"];
    assert_eq!(exif["description"], "mine & only mine", "{asset}");
    assert_eq!(
        exif["dateTimeOriginal"], "2021-07-14T09:30:00.000Z",
        "{asset}"
    );
    assert_eq!(exif["timeZone"], "UTC+09:00", "{asset}");
    assert_eq!(exif["latitude"], 35.6762, "{asset}");
    assert_eq!(exif["longitude"], 139.6503, "{asset}");
    assert_eq!(exif["rating"], 5, "{asset}");
    assert_eq!(
        asset["localDateTime"], "2021-07-14T18:30:00.000Z",
        "{asset}"
    );
    assert_eq!(
        asset["fileCreatedAt"], "2021-07-14T09:30:00.000Z",
        "{asset}"
    );
}

async fn an_edit_survives_refresh_metadata(s: &TestServer) {
    let token = s.admin().await;
    let id = upload_with_sidecar(s, &token, s.real_jpeg("red"), paris_xmp()).await;
    jobs_settle(s, &token).await;
    let before = asset(s, &token, &id).await;
    assert_eq!(
        before["exifInfo"]["description"], "from the sidecar",
        "{before}"
    );
    assert_eq!(before["exifInfo"]["country"], "France", "{before}");

    // With the sidecar queue paused the file still says Paris: only the locks keep the edit.
    let (status, body) = s
        .put(&token, "/queues/sidecar", json!({"isPaused": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, edited) = s.put(&token, &format!("/assets/{id}"), tokyo_edit()).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_tokyo_edit(&edited);
    let (status, body) = s
        .post(
            &token,
            "/assets/jobs",
            json!({"assetIds": [id], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    s.queue_settles(&token, "metadataExtraction").await;
    let refreshed = asset(s, &token, &id).await;
    assert_tokyo_edit(&refreshed);
    // The place follows the edited position, not the file's.
    assert_eq!(refreshed["exifInfo"]["country"], "Japan", "{refreshed}");
    // Unedited fields still come from the file.
    assert_eq!(refreshed["exifInfo"]["fNumber"], 2.8, "{refreshed}");
    let sidecar = std::fs::read_to_string(sidecar_of(s, &refreshed)).unwrap();
    assert!(sidecar.contains("2019-01-02"), "not written yet: {sidecar}");

    // Once written to the sidecar, the edit survives extraction from it too.
    let (status, body) = s
        .put(&token, "/queues/sidecar", json!({"isPaused": false}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    jobs_settle(s, &token).await;
    refresh_metadata(s, &token, &id).await;
    let after = asset(s, &token, &id).await;
    assert_tokyo_edit(&after);
    assert_eq!(after["exifInfo"]["country"], "Japan", "{after}");
}

async fn an_edit_is_written_to_a_new_sidecar_that_exiftool_reads(s: &TestServer) {
    let token = s.admin().await;
    let id = upload_photo(s, &token, "green").await;
    jobs_settle(s, &token).await;
    let before = asset(s, &token, &id).await;
    assert!(
        !sidecar_of(s, &before).exists(),
        "no sidecar before an edit"
    );

    let (status, body) = s.put(&token, &format!("/assets/{id}"), tokyo_edit()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    jobs_settle(s, &token).await;
    let after = asset(s, &token, &id).await;
    assert_tokyo_edit(&after);
    let path = sidecar_of(s, &after);
    assert!(path.is_file(), "the sidecar is written beside the original");
    // Extraction now reads the sidecar: the stored fields did not move.
    refresh_metadata(s, &token, &id).await;
    assert_tokyo_edit(&asset(s, &token, &id).await);

    let Some(tags) = exiftool(&path) else {
        return;
    };
    assert_eq!(tags["Description"], "mine & only mine", "{tags}");
    assert_eq!(tags["ImageDescription"], "mine & only mine", "{tags}");
    assert_eq!(
        tags["DateTimeOriginal"], "2021:07:14 18:30:00+09:00",
        "{tags}"
    );
    assert_near(&tags["GPSLatitude"], 35.6762);
    assert_near(&tags["GPSLongitude"], 139.6503);
    assert_eq!(tags["Rating"], 5, "{tags}");
}

async fn an_uploaded_sidecar_keeps_its_other_fields_after_an_edit(s: &TestServer) {
    let token = s.admin().await;
    let id = upload_with_sidecar(s, &token, s.real_jpeg("blue"), paris_xmp()).await;
    jobs_settle(s, &token).await;
    // A bulk edit of the rating alone.
    let (status, body) = s
        .put(&token, "/assets", json!({"ids": [id], "rating": 4}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    jobs_settle(s, &token).await;
    let after = asset(s, &token, &id).await;
    let exif = &after["exifInfo"];
    assert_eq!(exif["rating"], 4, "{after}");
    assert_eq!(exif["description"], "from the sidecar", "{after}");
    assert_eq!(
        exif["dateTimeOriginal"], "2019-01-02T02:04:05.000Z",
        "{after}"
    );
    assert_near(&exif["latitude"], 48.855);
    assert_eq!(exif["fNumber"], 2.8, "{after}");

    let Some(tags) = exiftool(&sidecar_of(s, &after)) else {
        return;
    };
    assert_eq!(tags["Rating"], 4, "{tags}");
    assert_eq!(tags["Description"], "from the sidecar", "{tags}");
    assert_eq!(
        tags["DateTimeOriginal"], "2019:01:02 03:04:05+01:00",
        "{tags}"
    );
    assert_near(&tags["GPSLatitude"], 48.855);
    assert_eq!(tags["FNumber"], 2.8, "{tags}");
    assert_eq!(tags["Subject"], json!(["holiday", "family"]), "{tags}");
}

async fn unlocked_fields_follow_a_changed_sidecar_after_refresh(s: &TestServer) {
    let token = s.admin().await;
    let id = upload_with_sidecar(s, &token, s.real_jpeg("yellow"), paris_xmp()).await;
    jobs_settle(s, &token).await;
    let (status, body) = s
        .put(
            &token,
            &format!("/assets/{id}"),
            json!({"description": "my words"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    jobs_settle(s, &token).await;

    // Another tool rewrites the sidecar: Berlin, June 2020, rated 1, its own description.
    let current = asset(s, &token, &id).await;
    let berlin = xmp(
        "theirs",
        "2020-06-07T08:09:10+02:00",
        "52,31.2N",
        "13,24.3E",
        1,
    );
    std::fs::write(sidecar_of(s, &current), berlin).unwrap();
    refresh_metadata(s, &token, &id).await;
    let after = asset(s, &token, &id).await;
    let exif = &after["exifInfo"];
    assert_eq!(exif["description"], "my words", "the edit stays: {after}");
    assert_eq!(exif["rating"], 1, "{after}");
    assert_eq!(
        exif["dateTimeOriginal"], "2020-06-07T06:09:10.000Z",
        "{after}"
    );
    assert_eq!(exif["timeZone"], "UTC+02:00", "{after}");
    assert_near(&exif["latitude"], 52.52);
    assert_near(&exif["longitude"], 13.405);
    assert_eq!(exif["country"], "Germany", "{after}");
    assert_eq!(
        after["localDateTime"], "2020-06-07T08:09:10.000Z",
        "{after}"
    );
}

async fn sidecar_discovery_finds_a_sidecar_dropped_beside_the_original(s: &TestServer) {
    let token = s.admin().await;
    let id = upload_photo(s, &token, "white").await;
    let other = upload_photo(s, &token, "black").await;
    jobs_settle(s, &token).await;
    // `photo.xmp` rather than `photo.jpg.xmp`: Immich looks for both.
    let found = asset(s, &token, &id).await;
    let dropped = original_of(s, &found).with_extension("xmp");
    std::fs::write(&dropped, paris_xmp()).unwrap();
    // Not on record yet, so extraction does not read it.
    refresh_metadata(s, &token, &id).await;
    assert_eq!(asset(s, &token, &id).await["exifInfo"]["description"], "");

    start_sidecar_queue(s, &token, false).await;
    let after = asset(s, &token, &id).await;
    assert_eq!(
        after["exifInfo"]["description"], "from the sidecar",
        "{after}"
    );
    assert_eq!(after["exifInfo"]["rating"], 2, "{after}");
    assert_eq!(after["exifInfo"]["country"], "France", "{after}");
    assert_eq!(
        asset(s, &token, &other).await["exifInfo"]["description"],
        ""
    );

    // An edit now goes into the sidecar that was found, not a new one.
    let (status, body) = s
        .put(&token, &format!("/assets/{id}"), json!({"rating": 3}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    jobs_settle(s, &token).await;
    assert!(!sidecar_of(s, &after).exists(), "no second sidecar");
    let written = std::fs::read_to_string(&dropped).unwrap();
    assert!(written.contains("<xmp:Rating>3</xmp:Rating>"), "{written}");
}

async fn sidecar_sync_clears_a_removed_sidecar(s: &TestServer) {
    let token = s.admin().await;
    let id = upload_with_sidecar(s, &token, s.real_jpeg("purple"), paris_xmp()).await;
    jobs_settle(s, &token).await;
    let before = asset(s, &token, &id).await;
    assert_eq!(before["exifInfo"]["description"], "from the sidecar");
    std::fs::remove_file(sidecar_of(s, &before)).unwrap();

    // "Missing" only visits assets without a sidecar on record: nothing changes.
    start_sidecar_queue(s, &token, false).await;
    let (_, queue) = s.get(&token, "/queues/sidecar").await;
    assert_eq!(queue["statistics"]["completed"], 0, "{queue}");
    assert_eq!(
        asset(s, &token, &id).await["exifInfo"]["description"],
        "from the sidecar"
    );

    // "All" notices the sidecar is gone and reads the asset again, from the file alone.
    start_sidecar_queue(s, &token, true).await;
    let after = asset(s, &token, &id).await;
    let exif = &after["exifInfo"];
    assert_eq!(exif["description"], "", "{after}");
    assert_eq!(exif["rating"], Value::Null, "{after}");
    assert_eq!(exif["latitude"], Value::Null, "{after}");
    assert_eq!(exif["country"], Value::Null, "{after}");
}
