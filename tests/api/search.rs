use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, sha1_hex, stories};

stories!(
    search_by_original_file_name_matches_any_case_substring,
    search_by_album_ids_finds_the_assets_in_every_album,
    search_by_type_separates_images_and_videos,
    search_by_favorite_checksum_and_description,
    search_excludes_trash_unless_with_deleted,
    search_by_visibility_defaults_to_everything_but_locked,
    search_pages_with_size_and_next_page,
    search_orders_by_file_date,
    search_rejects_bad_filters,
    another_users_assets_never_appear_in_search,
);

async fn search(s: &TestServer, token: &str, body: Value) -> Value {
    let (status, found) = s.post(token, "/search/metadata", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}: {found}");
    let assets = &found["assets"];
    assert_eq!(
        assets["count"].as_u64().unwrap() as usize,
        assets["items"].as_array().unwrap().len(),
        "{found}"
    );
    found
}

/// Ids found, sorted.
async fn found_ids(s: &TestServer, token: &str, body: Value) -> Vec<String> {
    let found = search(s, token, body).await;
    let mut ids: Vec<String> = found["assets"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

async fn upload_named(s: &TestServer, token: &str, name: &str) -> String {
    let (status, body) = s.upload(token, name, fake_jpeg(name)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn upload_dated(s: &TestServer, token: &str, seed: &str, created: &str) -> String {
    let form = Form::new()
        .text("fileCreatedAt", created.to_string())
        .text("fileModifiedAt", created.to_string())
        .part(
            "assetData",
            Part::bytes(fake_jpeg(seed)).file_name(format!("{seed}.jpg")),
        );
    let (status, body) = s.upload_form(token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn search_by_original_file_name_matches_any_case_substring(s: &TestServer) {
    let token = s.admin().await;
    let a = upload_named(s, &token, "Beach_2021.jpg").await;
    let b = upload_named(s, &token, "old-beach-party.JPG").await;
    upload_named(s, &token, "mountain.jpg").await;
    upload_named(s, &token, "100%_sun.jpg").await;
    assert_eq!(
        found_ids(s, &token, json!({"originalFileName": "BEACH"})).await,
        sorted(&[&a, &b])
    );
    let found = search(s, &token, json!({"originalFileName": "beach_2021"})).await;
    assert_eq!(found["assets"]["total"], 1);
    let item = &found["assets"]["items"][0];
    assert_eq!(item["id"], a.as_str());
    assert_eq!(item["originalFileName"], "Beach_2021.jpg");
    assert_eq!(item["type"], "IMAGE");
    // LIKE wildcards in the query are literal.
    assert_eq!(
        found_ids(s, &token, json!({"originalFileName": "%"}))
            .await
            .len(),
        1
    );
    assert_eq!(
        found_ids(s, &token, json!({"originalFileName": "b_ach"})).await,
        Vec::<String>::new()
    );
}

async fn search_by_album_ids_finds_the_assets_in_every_album(s: &TestServer) {
    let token = s.admin().await;
    let a = s.upload_photo(&token, "a").await;
    let b = s.upload_photo(&token, "b").await;
    let c = s.upload_photo(&token, "c").await;
    let (_, first) = s
        .post(
            &token,
            "/albums",
            json!({"albumName": "1", "assetIds": [a, b]}),
        )
        .await;
    let (_, second) = s
        .post(
            &token,
            "/albums",
            json!({"albumName": "2", "assetIds": [b, c]}),
        )
        .await;
    assert_eq!(
        found_ids(s, &token, json!({"albumIds": [first["id"]]})).await,
        sorted(&[&a, &b])
    );
    // Several albums: the assets in every one of them, as Immich finds them.
    assert_eq!(
        found_ids(s, &token, json!({"albumIds": [first["id"], second["id"]]})).await,
        std::slice::from_ref(&b)
    );
    let (_, empty) = s.post(&token, "/albums", json!({"albumName": "3"})).await;
    assert!(
        found_ids(s, &token, json!({"albumIds": [empty["id"]]}))
            .await
            .is_empty()
    );
    let d = s.upload_photo(&token, "d").await;
    assert_eq!(
        found_ids(s, &token, json!({"isNotInAlbum": true})).await,
        [d]
    );
}

async fn search_by_type_separates_images_and_videos(s: &TestServer) {
    let token = s.admin().await;
    let image = s.upload_photo(&token, "image").await;
    let (status, body) = s
        .upload(
            &token,
            "clip.mp4",
            b"\0\0\0\x18ftypisom\0\0\0\0video".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let video = body["id"].as_str().unwrap().to_string();
    assert_eq!(
        found_ids(s, &token, json!({"type": "IMAGE"})).await,
        [image]
    );
    assert_eq!(
        found_ids(s, &token, json!({"type": "VIDEO"})).await,
        [video]
    );
}

async fn search_by_favorite_checksum_and_description(s: &TestServer) {
    let token = s.admin().await;
    let fav = s.upload_photo(&token, "fav").await;
    let plain = s.upload_photo(&token, "plain").await;
    s.put(
        &token,
        &format!("/assets/{fav}"),
        json!({"isFavorite": true, "description": "Sunset over the bay"}),
    )
    .await;
    assert_eq!(
        found_ids(s, &token, json!({"isFavorite": true})).await,
        [fav.as_str()]
    );
    assert_eq!(
        found_ids(s, &token, json!({"isFavorite": false})).await,
        [plain.as_str()]
    );
    assert_eq!(
        found_ids(
            s,
            &token,
            json!({"checksum": sha1_hex(&fake_jpeg("plain"))})
        )
        .await,
        [plain.as_str()]
    );
    assert_eq!(
        found_ids(s, &token, json!({"description": "sunset"})).await,
        [fav.as_str()]
    );
    assert_eq!(found_ids(s, &token, json!({"id": plain})).await, [plain]);
}

async fn search_excludes_trash_unless_with_deleted(s: &TestServer) {
    let token = s.admin().await;
    let kept = s.upload_photo(&token, "kept").await;
    let trashed = s.upload_photo(&token, "trashed").await;
    s.delete(&token, "/assets", Some(json!({"ids": [trashed]})))
        .await;
    assert_eq!(found_ids(s, &token, json!({})).await, [kept.as_str()]);
    assert_eq!(
        found_ids(s, &token, json!({"withDeleted": true})).await,
        sorted(&[&kept, &trashed])
    );
    let found = search(s, &token, json!({"withDeleted": true, "id": trashed})).await;
    assert_eq!(found["assets"]["items"][0]["isTrashed"], true);
}

async fn search_by_visibility_defaults_to_everything_but_locked(s: &TestServer) {
    let token = s.admin().await;
    let timeline = s.upload_photo(&token, "timeline").await;
    let archived = s.upload_photo(&token, "archived").await;
    let hidden = s.upload_photo(&token, "hidden").await;
    let locked = s.upload_photo(&token, "locked").await;
    s.put(
        &token,
        "/assets",
        json!({"ids": [hidden], "visibility": "hidden"}),
    )
    .await;
    s.put(
        &token,
        "/assets",
        json!({"ids": [archived], "visibility": "archive"}),
    )
    .await;
    s.put(
        &token,
        "/assets",
        json!({"ids": [locked], "visibility": "locked"}),
    )
    .await;
    assert_eq!(
        found_ids(s, &token, json!({})).await,
        sorted(&[&timeline, &archived, &hidden])
    );
    assert_eq!(
        found_ids(s, &token, json!({"visibility": "archive"})).await,
        [archived]
    );
    assert_eq!(
        found_ids(s, &token, json!({"visibility": "locked"})).await,
        [locked]
    );
}

async fn search_pages_with_size_and_next_page(s: &TestServer) {
    let token = s.admin().await;
    let mut all = Vec::new();
    for i in 0..5 {
        all.push(s.upload_photo(&token, &format!("p{i}")).await);
    }
    all.sort();
    let mut seen = Vec::new();
    let mut page = Some(1_i64);
    let mut pages = 0;
    while let Some(n) = page {
        let found = search(s, &token, json!({"size": 2, "page": n})).await;
        let items = found["assets"]["items"].as_array().unwrap();
        assert!(items.len() <= 2, "{found}");
        seen.extend(items.iter().map(|a| a["id"].as_str().unwrap().to_string()));
        page = found["assets"]["nextPage"]
            .as_str()
            .map(|p| p.parse().unwrap());
        if let Some(next) = page {
            assert_eq!(next, n + 1);
        }
        pages += 1;
        assert!(pages <= 5, "paging does not end");
    }
    assert_eq!(pages, 3);
    seen.sort();
    assert_eq!(seen, all, "every asset exactly once");

    let exact = search(s, &token, json!({"size": 5})).await;
    assert_eq!(exact["assets"]["count"], 5);
    assert_eq!(exact["assets"]["nextPage"], Value::Null);
    let beyond = search(s, &token, json!({"size": 5, "page": 2})).await;
    assert_eq!(beyond["assets"]["items"], json!([]));
    for bad in [
        json!({"size": 0}),
        json!({"size": 1001}),
        json!({"page": 0}),
        json!({"size": "ten"}),
    ] {
        let (status, body) = s.post(&token, "/search/metadata", bad).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
}

async fn search_orders_by_file_date(s: &TestServer) {
    let token = s.admin().await;
    let old = upload_dated(s, &token, "old", "2001-01-01T00:00:00.000Z").await;
    let new = upload_dated(s, &token, "new", "2023-06-01T00:00:00.000Z").await;
    let mid = upload_dated(s, &token, "mid", "2012-03-04T00:00:00.000Z").await;
    let token = &token;
    let order = |body: Value| async move {
        let found = search(s, token, body).await;
        found["assets"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(json!({})).await, [new.as_str(), &mid, &old]);
    assert_eq!(
        order(json!({"order": "asc"})).await,
        [old.as_str(), &mid, &new]
    );
    assert_eq!(
        order(json!({"takenAfter": "2010-01-01T00:00:00.000Z", "takenBefore": "2020-01-01T00:00:00.000Z"}))
            .await,
        [mid.as_str()]
    );
}

async fn search_rejects_bad_filters(s: &TestServer) {
    let token = s.admin().await;
    for bad in [
        json!({"type": "PANORAMA"}),
        json!({"checksum": "xyz"}),
        json!({"albumIds": ["not-a-uuid"]}),
        json!({"takenAfter": "last week"}),
        json!({"visibility": "public"}),
        json!({"isFavorite": "yes"}),
    ] {
        let (status, body) = s.post(&token, "/search/metadata", bad.clone()).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let (status, body) = s.post("", "/search/metadata", json!({})).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn another_users_assets_never_appear_in_search(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let (_, admin_me) = s.get(&admin, "/users/me").await;
    let theirs = upload_named(s, &user, "shared-secret.jpg").await;
    let mine = upload_named(s, &admin, "my-secret.jpg").await;
    // Even an album the admin may read does not make its assets searchable as theirs.
    let (status, album) = s
        .post(
            &user,
            "/albums",
            json!({"albumName": "shared", "assetIds": [theirs],
                   "albumUsers": [{"userId": admin_me["id"], "role": "viewer"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{album}");
    for body in [
        json!({}),
        json!({"withDeleted": true}),
        json!({"originalFileName": "secret"}),
        json!({"albumIds": [album["id"]]}),
        json!({"id": theirs}),
        json!({"checksum": sha1_hex(&fake_jpeg("shared-secret.jpg"))}),
    ] {
        let ids = found_ids(s, &admin, body.clone()).await;
        assert!(!ids.contains(&theirs), "{body}: {ids:?}");
        assert!(ids.iter().all(|id| *id == mine), "{body}: {ids:?}");
    }
    assert_eq!(
        found_ids(s, &user, json!({"originalFileName": "secret"})).await,
        [theirs]
    );
}
