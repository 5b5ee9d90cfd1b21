//! `POST /assets` with bad, hostile or unusual input: every refusal is an
//! Immich error and leaves no file and no asset behind.

use std::path::Path;

use reqwest::header::CONTENT_TYPE;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use shoebox_tests::{
    StatusCode, TestServer, assert_error, big_jpeg, fake_jpeg, mut_stories, raw_http, sha1_hex,
    stories, upload_form,
};

stories!(
    empty_file_is_400_and_leaves_nothing,
    unsupported_extensions_are_400_and_leave_nothing,
    missing_asset_data_is_400_and_leaves_nothing,
    asset_data_given_twice_is_400_and_leaves_nothing,
    missing_file_created_at_is_400_and_leaves_nothing,
    mistyped_fields_are_400_and_leave_nothing,
    upload_without_credentials_is_401_and_leaves_nothing,
    file_names_with_path_tricks_are_stored_inside_the_originals_root,
    truncated_multipart_body_is_400_and_leaves_no_file,
    content_length_lie_is_an_error_and_leaves_nothing,
    content_length_beyond_free_space_is_507_before_the_body_is_read,
    non_multipart_body_is_400,
    concurrent_uploads_of_the_same_bytes_make_one_asset,
    cli_form_with_file_size_and_trailing_fields_is_accepted,
    sidecar_is_stored_next_to_the_original,
    favorite_and_visibility_fields_are_honoured,
    large_upload_round_trips_byte_identical,
    range_request_on_the_original_returns_206_with_those_bytes,
);

mut_stories!(
    interrupted_upload_is_finished_and_orphans_are_discarded_on_restart,
    an_asset_left_without_its_first_job_is_queued_at_restart,
    full_disk_is_507_and_leaves_nothing,
);

const BOUNDARY: &str = "shoebox-test-boundary-7MA4YWxkTrZu0gW";

/// One multipart part: (field name, file name, bytes).
type RawPart<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A multipart body written by hand, with the closing boundary.
fn multipart_body(parts: &[RawPart]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file_name {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// What a failed upload must leave untouched.
struct Snapshot {
    files: Vec<String>,
    stats: Value,
}

async fn snapshot(s: &TestServer, token: &str) -> Snapshot {
    Snapshot {
        files: s.stored_files(),
        stats: s.asset_statistics(token).await,
    }
}

async fn assert_unchanged(s: &TestServer, token: &str, before: &Snapshot) {
    assert_eq!(s.stored_files(), before.files, "no file is left behind");
    assert_eq!(
        s.asset_statistics(token).await,
        before.stats,
        "no asset is left behind"
    );
    let (_, found) = s
        .post(token, "/search/metadata", json!({"withDeleted": true}))
        .await;
    assert_eq!(
        found["assets"]["total"].as_i64().unwrap(),
        before.stats["total"].as_i64().unwrap(),
        "{found}"
    );
}

fn dated_form() -> Form {
    Form::new()
        .percent_encode_noop()
        .text("fileCreatedAt", "2024-03-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-03-01T10:00:00.000Z")
}

fn file_part(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes).file_name(name.to_string())
}

async fn empty_file_is_400_and_leaves_nothing(s: &TestServer) {
    let token = s.admin().await;
    s.upload_photo(&token, "existing").await;
    let before = snapshot(s, &token).await;
    let (status, body) = s.upload(&token, "empty.jpg", Vec::new()).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_unchanged(s, &token, &before).await;
}

async fn unsupported_extensions_are_400_and_leave_nothing(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    for name in [
        "notes.txt",
        "README.md",
        "no-extension",
        "photo.xmp",
        ".jpg.exe",
        "",
    ] {
        let (status, body) = s.upload(&token, name, fake_jpeg(name)).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        assert_unchanged(s, &token, &before).await;
    }
}

async fn missing_asset_data_is_400_and_leaves_nothing(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    let (status, body) = s
        .upload_form(&token, dated_form().text("isFavorite", "false"))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // A file under another field name is not the asset either.
    let form = dated_form().part("file", file_part("a.jpg", fake_jpeg("a")));
    let (status, body) = s.upload_form(&token, form).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_unchanged(s, &token, &before).await;
}

async fn asset_data_given_twice_is_400_and_leaves_nothing(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    let form = dated_form()
        .part("assetData", file_part("a.jpg", fake_jpeg("a")))
        .part("assetData", file_part("b.jpg", fake_jpeg("b")));
    let (status, body) = s.upload_form(&token, form).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_unchanged(s, &token, &before).await;
}

async fn missing_file_created_at_is_400_and_leaves_nothing(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    let form = Form::new()
        .text("fileModifiedAt", "2024-03-01T10:00:00.000Z")
        .part("assetData", file_part("a.jpg", fake_jpeg("a")));
    let (status, body) = s.upload_form(&token, form).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("fileCreatedAt"),
        "{body}"
    );
    assert_unchanged(s, &token, &before).await;
}

async fn mistyped_fields_are_400_and_leave_nothing(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    let cases = [
        ("isFavorite", "maybe"),
        ("fileCreatedAt", "yesterday"),
        ("fileModifiedAt", "2024-13-45T99:00:00Z"),
        ("visibility", "public"),
    ];
    for (field, value) in cases {
        // The bad field comes after the file, as the CLI orders `visibility`.
        let mut form = Form::new();
        for (name, default) in [
            ("fileCreatedAt", "2024-03-01T10:00:00.000Z"),
            ("fileModifiedAt", "2024-03-01T10:00:00.000Z"),
        ] {
            if name != field {
                form = form.text(name, default);
            }
        }
        let form = form
            .part("assetData", file_part("a.jpg", fake_jpeg(field)))
            .text(field, value);
        let (status, body) = s.upload_form(&token, form).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        assert!(
            body["message"].as_str().unwrap().contains(field),
            "{field}={value}: {body}"
        );
        assert_unchanged(s, &token, &before).await;
    }
}

async fn upload_without_credentials_is_401_and_leaves_nothing(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    let (status, body) = s.upload("", "a.jpg", fake_jpeg("a")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, body) = s.upload("forged", "a.jpg", fake_jpeg("a")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    assert_unchanged(s, &token, &before).await;
}

/// Every file below `dir`, as paths.
fn all_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(all_files(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

async fn file_names_with_path_tricks_are_stored_inside_the_originals_root(s: &TestServer) {
    let token = s.admin().await;
    let (_, me) = s.get(&token, "/users/me").await;
    let owner = me["id"].as_str().unwrap();
    let cases = [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\x.jpg", "x.jpg"),
        ("C:\\Users\\me\\Pictures\\win.jpg", "win.jpg"),
        ("/abs/olute.jpg", "olute.jpg"),
    ];
    for (i, (sent, bare)) in cases.iter().enumerate() {
        let bytes = fake_jpeg(&format!("trick-{i}"));
        let (status, created) = s.upload(&token, sent, bytes.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{sent}: {created}");
        let id = created["id"].as_str().unwrap();
        let (_, asset) = s.get(&token, &format!("/assets/{id}")).await;
        assert_eq!(asset["originalFileName"], *bare, "{sent}");
        let rel = asset["originalPath"].as_str().unwrap();
        assert!(
            rel.starts_with(&format!("{owner}/")) && !rel.contains(".."),
            "{rel}"
        );
        let stored = s.originals_dir().join(rel);
        assert_eq!(
            std::fs::read(&stored).unwrap(),
            bytes,
            "{}",
            stored.display()
        );
    }
    let originals = s.originals_dir();
    for file in all_files(s.temp_dir()) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            file.starts_with(&originals) || !name.ends_with(".jpg"),
            "a file escaped the originals root: {}",
            file.display()
        );
        assert!(
            !["passwd.jpg", "x.jpg", "win.jpg", "olute.jpg"].contains(&name.as_str()),
            "stored under the client's name: {}",
            file.display()
        );
    }
    assert_eq!(s.stored_files().len(), cases.len());
}

async fn truncated_multipart_body_is_400_and_leaves_no_file(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    let file = big_jpeg(256 * 1024, 7);
    let full = multipart_body(&[
        ("fileCreatedAt", None, b"2024-03-01T10:00:00.000Z"),
        ("fileModifiedAt", None, b"2024-03-01T10:00:00.000Z"),
        ("assetData", Some("cut.jpg"), &file),
    ]);
    // Ends in the middle of the file: no closing boundary.
    let cut = full[..full.len() - file.len() / 2].to_vec();
    let (status, body) = s
        .send(
            s.client
                .post(s.url("/assets"))
                .bearer_auth(&token)
                .header(
                    CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(cut),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_unchanged(s, &token, &before).await;

    // The same body, whole, is accepted: the cut alone made the difference.
    let (status, body) = s
        .send(
            s.client
                .post(s.url("/assets"))
                .bearer_auth(&token)
                .header(
                    CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(full),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Request head for a raw upload with the given `Content-Length`.
fn raw_head(s: &TestServer, token: &str, content_length: u64) -> Vec<u8> {
    format!(
        "POST /api/assets HTTP/1.1\r\n\
         Host: {}\r\n\
         Authorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {content_length}\r\n\r\n",
        s.authority()
    )
    .into_bytes()
}

async fn content_length_lie_is_an_error_and_leaves_nothing(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    let file = big_jpeg(64 * 1024, 9);
    let body = multipart_body(&[
        ("fileCreatedAt", None, b"2024-03-01T10:00:00.000Z"),
        ("fileModifiedAt", None, b"2024-03-01T10:00:00.000Z"),
        ("assetData", Some("liar.jpg"), &file),
    ]);
    let mut request = raw_head(s, &token, 10 * 1024 * 1024 * 1024);
    request.extend_from_slice(&body);
    // The client says 10 GiB, sends 64 KiB, and stops sending.
    let response = raw_http(&s.authority(), &request, true)
        .await
        .expect("the server answers a body that ends early");
    assert!(
        response.status.is_client_error() || response.status.is_server_error(),
        "{}: {}",
        response.status,
        response.body
    );
    assert_error(response.status, &response.body, response.status);
    assert_unchanged(s, &token, &before).await;
}

async fn content_length_beyond_free_space_is_507_before_the_body_is_read(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    // 10 PB announced, nothing sent, connection left open: only the header
    // can have produced the answer.
    let request = raw_head(s, &token, 10_000_000_000_000_000);
    let response = raw_http(&s.authority(), &request, false)
        .await
        .expect("the server answers without waiting for the body");
    assert_error(
        response.status,
        &response.body,
        StatusCode::INSUFFICIENT_STORAGE,
    );
    // The client is told why, not "Internal server error".
    assert_eq!(response.body["message"], "Not enough free disk space");
    assert_unchanged(s, &token, &before).await;
}

async fn non_multipart_body_is_400(s: &TestServer) {
    let token = s.admin().await;
    let before = snapshot(s, &token).await;
    let (status, body) = s
        .post(
            &token,
            "/assets",
            json!({"assetData": "aGVsbG8=", "fileCreatedAt": "2024-03-01T10:00:00.000Z"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .send(
            s.client
                .post(s.url("/assets"))
                .bearer_auth(&token)
                .header(CONTENT_TYPE, "image/jpeg")
                .body(fake_jpeg("raw")),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .send(
            s.client
                .post(s.url("/assets"))
                .bearer_auth(&token)
                .header(CONTENT_TYPE, "multipart/form-data")
                .body(fake_jpeg("no boundary")),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_unchanged(s, &token, &before).await;
}

async fn concurrent_uploads_of_the_same_bytes_make_one_asset(s: &TestServer) {
    let token = s.admin().await;
    let bytes = big_jpeg(2 * 1024 * 1024, 3);
    let (a, b) = tokio::join!(
        s.upload(&token, "first.jpg", bytes.clone()),
        s.upload(&token, "second.jpg", bytes.clone()),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CREATED],
        "{} / {}",
        a.1,
        b.1
    );
    assert_eq!(a.1["id"], b.1["id"]);
    let duplicate = if a.0 == StatusCode::OK { &a.1 } else { &b.1 };
    assert_eq!(duplicate["status"], "duplicate");
    assert_eq!(s.stored_files().len(), 1, "{:?}", s.stored_files());
    assert_eq!(s.asset_statistics(&token).await["total"], 1);
    let (status, _, downloaded) = s
        .download(
            &token,
            &format!("/assets/{}/original", a.1["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sha1_hex(&downloaded), sha1_hex(&bytes));
}

async fn cli_form_with_file_size_and_trailing_fields_is_accepted(s: &TestServer) {
    let token = s.admin().await;
    let bytes = fake_jpeg("cli");
    // The CLI's order: dates, fileSize (not in the DTO), isFavorite, the
    // file, then visibility.
    let form = dated_form()
        .text("fileSize", bytes.len().to_string())
        .text("isFavorite", "false")
        .part(
            "assetData",
            file_part("cli.jpg", bytes.clone())
                .mime_str("application/octet-stream")
                .unwrap(),
        )
        .text("visibility", "timeline");
    let (status, body) = s.upload_form(&token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "created");
    let (_, asset) = s
        .get(&token, &format!("/assets/{}", body["id"].as_str().unwrap()))
        .await;
    assert_eq!(asset["type"], "IMAGE");
    assert_eq!(asset["originalFileName"], "cli.jpg");
}

async fn sidecar_is_stored_next_to_the_original(s: &TestServer) {
    let token = s.admin().await;
    let xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF/></x:xmpmeta>".to_vec();
    let form = upload_form("with-sidecar.jpg", fake_jpeg("sidecar"))
        .part("sidecarData", file_part("with-sidecar.xmp", xmp.clone()));
    let (status, body) = s.upload_form(&token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, asset) = s
        .get(&token, &format!("/assets/{}", body["id"].as_str().unwrap()))
        .await;
    let original = asset["originalPath"].as_str().unwrap();
    let sidecar = format!("{original}.xmp");
    let mut expected = vec![original.to_string(), sidecar.clone()];
    expected.sort();
    assert_eq!(s.stored_files(), expected);
    assert_eq!(
        std::fs::read(s.originals_dir().join(&sidecar)).unwrap(),
        xmp
    );

    // A duplicate upload with a sidecar leaves no second sidecar behind.
    let form = upload_form("again.jpg", fake_jpeg("sidecar"))
        .part("sidecarData", file_part("again.xmp", b"<other/>".to_vec()));
    let (status, body) = s.upload_form(&token, form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s.stored_files(), expected);
}

async fn favorite_and_visibility_fields_are_honoured(s: &TestServer) {
    let token = s.admin().await;
    let form = dated_form()
        .text("isFavorite", "true")
        .part("assetData", file_part("fav.jpg", fake_jpeg("fav")))
        .text("visibility", "archive");
    let (status, body) = s.upload_form(&token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, asset) = s
        .get(&token, &format!("/assets/{}", body["id"].as_str().unwrap()))
        .await;
    assert_eq!(asset["isFavorite"], true);
    assert_eq!(asset["visibility"], "archive");
    assert_eq!(asset["isArchived"], true);

    // Fields may follow the file, and dates may carry an offset.
    let form = Form::new()
        .text("fileModifiedAt", "2024-03-01T10:00:00.000Z")
        .part("assetData", file_part("plain.jpg", fake_jpeg("plain")))
        .text("fileCreatedAt", "2019-12-31T23:59:59+01:00");
    let (status, body) = s.upload_form(&token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, asset) = s
        .get(&token, &format!("/assets/{}", body["id"].as_str().unwrap()))
        .await;
    assert_eq!(asset["isFavorite"], false);
    assert_eq!(asset["visibility"], "timeline");
    assert_eq!(asset["fileCreatedAt"], "2019-12-31T22:59:59.000Z");
}

async fn large_upload_round_trips_byte_identical(s: &TestServer) {
    let token = s.admin().await;
    let bytes = big_jpeg(30 * 1024 * 1024, 42);
    let (status, body) = s.upload(&token, "big.jpg", bytes.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap();
    let (status, headers, downloaded) = s
        .download(&token, &format!("/assets/{id}/original"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[CONTENT_TYPE], "image/jpeg");
    assert_eq!(downloaded.len(), bytes.len());
    assert!(downloaded == bytes, "the bytes differ");
    let (_, asset) = s.get(&token, &format!("/assets/{id}")).await;
    assert_eq!(asset["exifInfo"]["fileSizeInByte"], bytes.len());
}

async fn range_request_on_the_original_returns_206_with_those_bytes(s: &TestServer) {
    let token = s.admin().await;
    let bytes = big_jpeg(100_000, 5);
    let (_, body) = s.upload(&token, "ranged.jpg", bytes.clone()).await;
    let path = format!("/assets/{}/original", body["id"].as_str().unwrap());

    let (status, headers, part) = s.download(&token, &path, Some("bytes=1000-1999")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part, &bytes[1000..2000]);
    assert_eq!(
        headers["content-range"],
        format!("bytes 1000-1999/{}", bytes.len()).as_str()
    );
    let (status, _, tail) = s.download(&token, &path, Some("bytes=-10")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail, &bytes[bytes.len() - 10..]);
    let (status, _, open) = s.download(&token, &path, Some("bytes=99990-")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(open, &bytes[99_990..]);
    let (status, _, _) = s.download(&token, &path, Some("bytes=200000-300000")).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
}

async fn interrupted_upload_is_finished_and_orphans_are_discarded_on_restart(s: &mut TestServer) {
    let token = s.admin().await;
    let bytes = fake_jpeg("crash");
    let xmp = b"<x:xmpmeta/>".to_vec();
    let form = upload_form("crash.jpg", bytes.clone())
        .part("sidecarData", file_part("crash.xmp", xmp.clone()));
    let (status, body) = s.upload_form(&token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let (_, asset) = s.get(&token, &format!("/assets/{id}")).await;
    let rel = asset["originalPath"].as_str().unwrap().to_string();

    // As if a server that is gone died after inserting the row but before the renames:
    // its folder of staged uploads has no lock held any more.
    let originals = s.originals_dir();
    let staging = originals.join(".upload").join("gone");
    std::fs::create_dir_all(&staging).unwrap();
    let stored = originals.join(&rel);
    let stored_sidecar = originals.join(format!("{rel}.xmp"));
    std::fs::rename(&stored, staging.join(&id)).unwrap();
    std::fs::rename(&stored_sidecar, staging.join(format!("{id}.xmp"))).unwrap();
    // And an upload that never got its row.
    let orphan = staging.join(uuid::Uuid::new_v4().to_string());
    std::fs::write(&orphan, b"half an upload").unwrap();
    let orphan_sidecar = staging.join(format!("{}.xmp", uuid::Uuid::new_v4()));
    std::fs::write(&orphan_sidecar, b"<half/>").unwrap();
    let junk = staging.join("not-a-uuid");
    std::fs::write(&junk, b"junk").unwrap();
    // A version before instance folders staged directly in `.upload`.
    let legacy = originals
        .join(".upload")
        .join(uuid::Uuid::new_v4().to_string());
    std::fs::write(&legacy, b"half an old upload").unwrap();
    // A process that is still running (its lock held here) is mid-upload and mid-thumbnail:
    // nothing of it may be touched.
    let (live_upload, _held) = live_instance_dir(&originals.join(".upload"));
    let live_staged = live_upload.join(uuid::Uuid::new_v4().to_string());
    std::fs::write(&live_staged, b"being written").unwrap();
    let (live_temp, _held_too) = live_instance_dir(&s.generated_dir().join(".tmp"));
    std::fs::write(live_temp.join("thumb.tmp"), b"being written").unwrap();
    let gone_temp = s.generated_dir().join(".tmp").join("gone");
    std::fs::create_dir_all(&gone_temp).unwrap();
    std::fs::write(gone_temp.join("thumb.tmp"), b"half a thumbnail").unwrap();

    s.restart().await;

    assert_eq!(std::fs::read(&stored).unwrap(), bytes);
    assert_eq!(std::fs::read(&stored_sidecar).unwrap(), xmp);
    for gone in [
        &orphan,
        &orphan_sidecar,
        &junk,
        &legacy,
        &staging,
        &gone_temp,
    ] {
        assert!(!gone.exists(), "{} is left", gone.display());
    }
    assert_eq!(std::fs::read(&live_staged).unwrap(), b"being written");
    assert!(live_temp.join("thumb.tmp").exists());
    let live = live_staged
        .strip_prefix(&originals)
        .unwrap()
        .display()
        .to_string();
    let mut expected = vec![rel.clone(), format!("{rel}.xmp"), live];
    expected.sort();
    assert_eq!(s.stored_files(), expected);
    let (status, _, downloaded) = s
        .download(&token, &format!("/assets/{id}/original"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(downloaded, bytes);
}

/// An instance folder under `root` as a running process holds it: `<root>/<id>/` with the
/// lock on `<root>/<id>.lock` taken (drop the file to let go).
fn live_instance_dir(root: &std::path::Path) -> (std::path::PathBuf, std::fs::File) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let lock = std::fs::File::create(root.join(format!("{id}.lock"))).unwrap();
    lock.try_lock().unwrap();
    let dir = root.join(id);
    std::fs::create_dir_all(&dir).unwrap();
    (dir, lock)
}

async fn an_asset_left_without_its_first_job_is_queued_at_restart(s: &mut TestServer) {
    let token = s.admin().await;
    let (status, body) = s.upload(&token, "stranded.jpg", s.real_jpeg("teal")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    s.queue_settles(&token, "metadataExtraction").await;
    // As if the process died between the asset's row and its job.
    let pending = format!("SELECT COUNT(*) FROM jobs WHERE dedupe_key = 'metadata:{id}'");
    let stranded = s
        .sql(
            &[
                &format!("UPDATE assets SET metadata_extracted_at = NULL WHERE id = '{id}'"),
                "DELETE FROM jobs",
            ],
            &pending,
        )
        .await;
    assert_eq!(stranded, 0);
    s.restart().await;
    assert_eq!(s.sql(&[], &pending).await, 1, "queued again at start-up");
    s.queue_settles(&token, "metadataExtraction").await;
    let missing =
        format!("SELECT COUNT(*) FROM assets WHERE id = '{id}' AND metadata_extracted_at IS NULL");
    assert_eq!(s.sql(&[], &missing).await, 0);
}

/// Unmounts the test's tmpfs even when the story fails.
struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

async fn full_disk_is_507_and_leaves_nothing(s: &mut TestServer) {
    let token = s.admin().await;
    let originals = s.originals_dir();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&originals)
        .status();
    if !mounted.is_ok_and(|status| status.success()) {
        eprintln!(
            "skipped: mounting a 1 MiB tmpfs needs root, so the full-disk story cannot run here"
        );
        return;
    }
    let _unmount = Unmount(originals);
    // The server recreates its folders on the small disk.
    s.restart().await;
    s.upload_photo(&token, "fits").await;
    let before = snapshot(s, &token).await;

    // Streamed without a Content-Length, so only the disk itself can refuse it.
    let bytes = big_jpeg(3 << 20, 11);
    let stream = futures_util::stream::iter(
        bytes
            .chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let part = Part::stream(reqwest::Body::wrap_stream(stream)).file_name("big.jpg");
    let form = dated_form().part("assetData", part);
    let (status, body) = s.upload_form(&token, form).await;
    assert_error(status, &body, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(body["message"], "Not enough free disk space");
    assert_unchanged(s, &token, &before).await;
}
