use reqwest::multipart::Part;
use serde_json::json;
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories, upload_form};

stories!(
    restore_assets_brings_back_only_the_listed_ones,
    restore_assets_refuses_foreign_ids_and_changes_nothing,
    restore_all_brings_back_the_whole_trash_of_the_caller_only,
    empty_trash_deletes_trashed_assets_and_their_files,
    trash_needs_credentials_and_permission,
);

async fn trash(s: &TestServer, token: &str, ids: &[&str]) {
    let (status, body) = s.delete(token, "/assets", Some(json!({"ids": ids}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

async fn is_trashed(s: &TestServer, token: &str, id: &str) -> bool {
    let (status, body) = s.get(token, &format!("/assets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["isTrashed"].as_bool().unwrap()
}

async fn restore_assets_brings_back_only_the_listed_ones(s: &TestServer) {
    let token = s.admin().await;
    let a = s.upload_photo(&token, "a").await;
    let b = s.upload_photo(&token, "b").await;
    trash(s, &token, &[&a, &b]).await;
    let (status, body) = s
        .post(&token, "/trash/restore/assets", json!({"ids": [a]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"count": 1}));
    assert!(!is_trashed(s, &token, &a).await);
    assert!(is_trashed(s, &token, &b).await);
    assert_eq!(s.asset_statistics(&token).await["total"], 1);
}

async fn restore_assets_refuses_foreign_ids_and_changes_nothing(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let theirs = s.upload_photo(&admin, "theirs").await;
    let mine = s.upload_photo(&user, "mine").await;
    trash(s, &admin, &[&theirs]).await;
    trash(s, &user, &[&mine]).await;
    let (status, body) = s
        .post(
            &user,
            "/trash/restore/assets",
            json!({"ids": [mine, theirs]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert!(is_trashed(s, &admin, &theirs).await);
    assert!(is_trashed(s, &user, &mine).await);
    let (status, body) = s
        .post(&user, "/trash/restore/assets", json!({"ids": ["nope"]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn restore_all_brings_back_the_whole_trash_of_the_caller_only(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let a = s.upload_photo(&user, "a").await;
    let b = s.upload_photo(&user, "b").await;
    s.upload_photo(&user, "c").await;
    let theirs = s.upload_photo(&admin, "theirs").await;
    trash(s, &user, &[&a, &b]).await;
    trash(s, &admin, &[&theirs]).await;

    let (status, body) = s.post(&user, "/trash/restore", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"count": 2}));
    assert!(!is_trashed(s, &user, &a).await);
    assert!(!is_trashed(s, &user, &b).await);
    assert!(is_trashed(s, &admin, &theirs).await, "not the caller's");
    let (_, body) = s.post(&user, "/trash/restore", json!({})).await;
    assert_eq!(body, json!({"count": 0}));
}

async fn empty_trash_deletes_trashed_assets_and_their_files(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let form = upload_form("gone.jpg", fake_jpeg("gone")).part(
        "sidecarData",
        Part::bytes(b"<x/>".to_vec()).file_name("gone.xmp"),
    );
    let (status, body) = s.upload_form(&user, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let gone = body["id"].as_str().unwrap().to_string();
    let kept = s.upload_photo(&user, "kept").await;
    let theirs = s.upload_photo(&admin, "theirs").await;
    trash(s, &user, &[&gone]).await;
    trash(s, &admin, &[&theirs]).await;
    assert_eq!(s.stored_files().len(), 4);

    let (status, body) = s.post(&user, "/trash/empty", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"count": 1}));
    let (status, body) = s.get(&user, &format!("/assets/{gone}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let files = s.stored_files();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| !f.contains(&gone)), "{files:?}");
    assert!(files.iter().any(|f| f.contains(&kept)), "{files:?}");
    assert!(files.iter().any(|f| f.contains(&theirs)), "{files:?}");
    assert!(is_trashed(s, &admin, &theirs).await);
    let (_, in_trash) = s.get(&user, "/assets/statistics?isTrashed=true").await;
    assert_eq!(in_trash["total"], 0);
}

async fn trash_needs_credentials_and_permission(s: &TestServer) {
    let token = s.admin().await;
    let a = s.upload_photo(&token, "a").await;
    trash(s, &token, &[&a]).await;
    for path in ["/trash/restore", "/trash/empty"] {
        let (status, body) = s.post("", path, json!({})).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED);
    }
    let (_, key) = s.api_key(&token, &["asset.read"]).await;
    let (status, body) = s
        .with_key(&key, reqwest::Method::POST, "/trash/empty", None)
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    assert!(is_trashed(s, &token, &a).await);
    assert_eq!(s.stored_files().len(), 1);
}
