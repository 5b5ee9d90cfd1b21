//! Downloads: a plan of archives by size, and zips of originals streamed to the client —
//! also to a shared link's visitors when the link allows downloads.

use std::io::Read;

use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories};

stories!(
    download_info_plans_archives_by_size,
    archive_is_a_zip_of_the_originals_with_repeated_names_numbered,
    link_visitor_downloads_only_what_the_link_shares_and_allows,
    downloads_refuse_bad_input_and_other_users_assets,
);

/// POSTs to `/download/archive` and returns the status and the raw body.
async fn archive(s: &TestServer, token: &str, query: &str, body: Value) -> (StatusCode, Vec<u8>) {
    let mut req = s
        .client
        .post(s.url(&format!("/download/archive{query}")))
        .json(&body);
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("request reaches the server");
    let status = res.status();
    (status, res.bytes().await.expect("body reads").to_vec())
}

/// The entries of a zip: (name, bytes), in order.
fn unzip(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().to_string(), data)
        })
        .collect()
}

async fn size_of(s: &TestServer, token: &str, id: &str) -> i64 {
    let (_, asset) = s.get(token, &format!("/assets/{id}")).await;
    asset["exifInfo"]["fileSizeInByte"]
        .as_i64()
        .expect("file size")
}

async fn download_info_plans_archives_by_size(s: &TestServer) {
    let admin = s.admin().await;
    let ids = [
        s.upload_photo(&admin, "one").await,
        s.upload_photo(&admin, "two").await,
        s.upload_photo(&admin, "three").await,
    ];
    let mut total = 0;
    for id in &ids {
        total += size_of(s, &admin, id).await;
    }

    let (status, plan) = s
        .post(&admin, "/download/info", json!({"assetIds": ids}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    assert_eq!(plan["totalSize"], total);
    assert_eq!(plan["archives"].as_array().unwrap().len(), 1);
    assert_eq!(plan["archives"][0]["assetIds"], json!(ids));
    assert_eq!(plan["archives"][0]["size"], total);

    // Each archive closes once it passes the size asked for.
    let (_, plan) = s
        .post(
            &admin,
            "/download/info",
            json!({"assetIds": ids, "archiveSize": 1}),
        )
        .await;
    let archives = plan["archives"].as_array().unwrap();
    assert_eq!(archives.len(), 3, "{plan}");
    assert_eq!(archives[1]["assetIds"], json!([ids[1]]));
    assert_eq!(plan["totalSize"], total);

    let (_, album) = s
        .post(
            &admin,
            "/albums",
            json!({"albumName": "A", "assetIds": [ids[0], ids[2]]}),
        )
        .await;
    let (status, plan) = s
        .post(&admin, "/download/info", json!({"albumId": album["id"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let mut in_album: Vec<String> = plan["archives"][0]["assetIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    in_album.sort();
    let mut expected = vec![ids[0].clone(), ids[2].clone()];
    expected.sort();
    assert_eq!(in_album, expected);

    let (_, me) = s.get(&admin, "/users/me").await;
    let (status, plan) = s
        .post(&admin, "/download/info", json!({"userId": me["id"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    assert_eq!(plan["totalSize"], total);
}

async fn archive_is_a_zip_of_the_originals_with_repeated_names_numbered(s: &TestServer) {
    let admin = s.admin().await;
    let mut ids = Vec::new();
    for seed in ["first", "second", "third"] {
        let (status, body) = s.upload(&admin, "same.jpg", fake_jpeg(seed)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    let other = s.upload_photo(&admin, "other").await;
    ids.push(other);

    let res = s
        .client
        .post(s.url("/download/archive"))
        .bearer_auth(&admin)
        .json(&json!({"assetIds": ids}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/octet-stream");
    let entries = unzip(res.bytes().await.unwrap().to_vec());
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec!["same.jpg", "same+1.jpg", "same+2.jpg", "other.jpg"]
    );
    for ((_, data), id) in entries.iter().zip(&ids) {
        let (_, _, original) = s
            .download(&admin, &format!("/assets/{id}/original"), None)
            .await;
        assert_eq!(data, &original);
    }
    assert_eq!(entries[0].1, fake_jpeg("first"));
}

async fn link_visitor_downloads_only_what_the_link_shares_and_allows(s: &TestServer) {
    let admin = s.admin().await;
    let shared = s.upload_photo(&admin, "shared").await;
    let private = s.upload_photo(&admin, "private").await;
    let (_, open) = s
        .post(
            &admin,
            "/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [shared]}),
        )
        .await;
    let (_, closed) = s
        .post(
            &admin,
            "/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [shared], "allowDownload": false}),
        )
        .await;
    let open_key = format!("?key={}", open["key"].as_str().unwrap());
    let closed_key = format!("?key={}", closed["key"].as_str().unwrap());

    let (status, bytes) = archive(s, "", &open_key, json!({"assetIds": [shared]})).await;
    assert_eq!(status, StatusCode::OK);
    let entries = unzip(bytes);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].1, fake_jpeg("shared"));
    let (status, plan) = s
        .post(
            "",
            &format!("/download/info{open_key}"),
            json!({"assetIds": [shared]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");

    let (status, body) = archive(s, "", &open_key, json!({"assetIds": [shared, private]})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, body) = s
        .post(
            "",
            &format!("/download/info{closed_key}"),
            json!({"assetIds": [shared]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, _) = archive(s, "", &closed_key, json!({"assetIds": [shared]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A visitor cannot ask for the owner's whole library.
    let (status, body) = s
        .post(
            "",
            &format!("/download/info{open_key}"),
            json!({"userId": open["userId"]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn downloads_refuse_bad_input_and_other_users_assets(s: &TestServer) {
    let admin = s.admin().await;
    let (bob_id, bob) = s.user(&admin, "bob@example.com").await;
    let bobs = s.upload_photo(&bob, "bobs").await;
    let (_, bobs_album) = s
        .post(
            &bob,
            "/albums",
            json!({"albumName": "Bob's", "assetIds": [bobs]}),
        )
        .await;
    for body in [
        json!({}),
        json!({"assetIds": ["nope"]}),
        json!({"assetIds": [bobs]}),
        json!({"albumId": bobs_album["id"]}),
        json!({"userId": bob_id}),
        json!({"assetIds": [bobs], "archiveSize": 0}),
        json!({"assetIds": [uuid::Uuid::new_v4()]}),
    ] {
        let (status, res) = s.post(&admin, "/download/info", body.clone()).await;
        assert_error(status, &res, StatusCode::BAD_REQUEST);
    }
    for body in [
        json!({}),
        json!({"assetIds": "x"}),
        json!({"assetIds": [bobs]}),
    ] {
        let (status, res) = s.post(&admin, "/download/archive", body).await;
        assert_error(status, &res, StatusCode::BAD_REQUEST);
    }
    let (status, res) = s
        .post("", "/download/archive", json!({"assetIds": [bobs]}))
        .await;
    assert_error(status, &res, StatusCode::UNAUTHORIZED);
}
