use reqwest::Method;
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories, upload_form};

stories!(
    created_key_shows_its_secret_once,
    unnamed_key_is_called_api_key,
    key_with_only_asset_read_cannot_upload_or_create_albums_but_reads_assets,
    key_with_all_can_upload_and_create_albums,
    api_keys_me_answers_the_calling_key,
    api_keys_me_with_a_session_is_403,
    keys_can_be_listed_read_renamed_and_deleted,
    deleted_key_no_longer_authenticates,
    another_users_key_reads_as_not_found,
    a_key_cannot_grant_permissions_it_lacks,
    a_key_cannot_widen_permissions_by_update,
    key_permissions_must_be_known_and_non_empty,
    key_without_api_key_read_cannot_list_keys,
);

async fn upload_with_key(s: &TestServer, key: &str, seed: &str) -> (StatusCode, Value) {
    s.send(
        s.client
            .post(s.url("/assets"))
            .header("x-api-key", key)
            .multipart(upload_form(&format!("{seed}.jpg"), fake_jpeg(seed))),
    )
    .await
}

async fn created_key_shows_its_secret_once(s: &TestServer) {
    let token = s.admin().await;
    let (status, created) = s
        .post(
            &token,
            "/api-keys",
            json!({"name": "cli", "permissions": ["asset.upload", "user.read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().expect("secret");
    assert!(secret.len() >= 32, "{secret}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["apiKey"]["id"], id);
    assert_eq!(created["name"], "cli");
    assert_eq!(created["apiKey"]["name"], "cli");
    assert_eq!(created["permissions"], json!(["asset.upload", "user.read"]));

    let (status, listed) = s.get(&token, "/api-keys").await;
    assert_eq!(status, StatusCode::OK);
    let text = listed.to_string();
    assert!(!text.contains(secret), "{text}");
    assert!(listed[0].get("secret").is_none(), "{listed}");
    let (status, one) = s.get(&token, &format!("/api-keys/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert!(one.get("secret").is_none(), "{one}");
    assert!(!one.to_string().contains(secret));
}

async fn unnamed_key_is_called_api_key(s: &TestServer) {
    let token = s.admin().await;
    let (status, created) = s
        .post(&token, "/api-keys", json!({"permissions": ["all"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "API Key");
}

async fn key_with_only_asset_read_cannot_upload_or_create_albums_but_reads_assets(s: &TestServer) {
    let token = s.admin().await;
    let asset = s.upload_photo(&token, "mine").await;
    let (_, key) = s.api_key(&token, &["asset.read"]).await;
    let before = s.stored_files();

    let (status, body) = upload_with_key(s, &key, "refused").await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    assert!(
        body["message"].as_str().unwrap().contains("asset.upload"),
        "{body}"
    );
    assert_eq!(s.stored_files(), before);

    let (status, body) = s
        .with_key(
            &key,
            Method::POST,
            "/albums",
            Some(json!({"albumName": "nope"})),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (_, albums) = s.get(&token, "/albums").await;
    assert_eq!(albums, json!([]));

    let (status, body) = s
        .with_key(&key, Method::GET, &format!("/assets/{asset}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], asset.as_str());
    // Reading metadata is not downloading.
    let (status, body) = s
        .with_key(
            &key,
            Method::GET,
            &format!("/assets/{asset}/original"),
            None,
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}

async fn key_with_all_can_upload_and_create_albums(s: &TestServer) {
    let token = s.admin().await;
    let (_, key) = s.api_key(&token, &["all"]).await;
    let (status, body) = upload_with_key(s, &key, "by-key").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let asset = body["id"].as_str().unwrap().to_string();
    let (status, album) = s
        .with_key(
            &key,
            Method::POST,
            "/albums",
            Some(json!({"albumName": "by key", "assetIds": [asset]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{album}");
    assert_eq!(album["assetCount"], 1);
    // The asset belongs to the key's user.
    let (status, body) = s.get(&token, &format!("/assets/{asset}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn api_keys_me_answers_the_calling_key(s: &TestServer) {
    let token = s.admin().await;
    let (id, key) = s.api_key(&token, &["user.read", "asset.upload"]).await;
    s.api_key(&token, &["all"]).await;
    let (status, me) = s.with_key(&key, Method::GET, "/api-keys/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["id"], id.as_str());
    assert_eq!(me["permissions"], json!(["user.read", "asset.upload"]));
    assert!(me.get("secret").is_none());
}

async fn api_keys_me_with_a_session_is_403(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s.get(&token, "/api-keys/me").await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}

async fn keys_can_be_listed_read_renamed_and_deleted(s: &TestServer) {
    let token = s.admin().await;
    let (first, _) = s.api_key(&token, &["all"]).await;
    let (second, _) = s.api_key(&token, &["asset.read"]).await;

    let (status, listed) = s.get(&token, "/api-keys").await;
    assert_eq!(status, StatusCode::OK);
    let mut ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![first.as_str(), second.as_str()];
    expected.sort();
    assert_eq!(ids, expected);

    let (status, one) = s.get(&token, &format!("/api-keys/{second}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["permissions"], json!(["asset.read"]));

    let (status, updated) = s
        .put(
            &token,
            &format!("/api-keys/{second}"),
            json!({"name": "renamed", "permissions": ["asset.read", "album.read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "renamed");
    assert_eq!(updated["permissions"], json!(["asset.read", "album.read"]));
    let (_, one) = s.get(&token, &format!("/api-keys/{second}")).await;
    assert_eq!(one["name"], "renamed");

    // Renaming alone keeps the permissions.
    let (status, updated) = s
        .put(
            &token,
            &format!("/api-keys/{second}"),
            json!({"name": "again"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["permissions"], json!(["asset.read", "album.read"]));

    let (status, _) = s.delete(&token, &format!("/api-keys/{second}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s.get(&token, &format!("/api-keys/{second}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.delete(&token, &format!("/api-keys/{second}"), None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, listed) = s.get(&token, "/api-keys").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let (status, body) = s.get(&token, "/api-keys/not-a-uuid").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn deleted_key_no_longer_authenticates(s: &TestServer) {
    let token = s.admin().await;
    let (id, key) = s.api_key(&token, &["all"]).await;
    let (status, _) = s.with_key(&key, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.delete(&token, &format!("/api-keys/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s.with_key(&key, Method::GET, "/users/me", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn another_users_key_reads_as_not_found(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let (theirs, their_secret) = s.api_key(&user, &["all"]).await;

    let (status, body) = s.get(&admin, &format!("/api-keys/{theirs}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(
            &admin,
            &format!("/api-keys/{theirs}"),
            json!({"name": "hijacked"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.delete(&admin, &format!("/api-keys/{theirs}"), None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, listed) = s.get(&admin, "/api-keys").await;
    assert_eq!(listed, json!([]));

    let (status, me) = s
        .with_key(&their_secret, Method::GET, "/api-keys/me", None)
        .await;
    assert_eq!(status, StatusCode::OK, "the key is untouched: {me}");
    assert_eq!(me["name"], "test key");
}

async fn a_key_cannot_grant_permissions_it_lacks(s: &TestServer) {
    let token = s.admin().await;
    let (_, key) = s.api_key(&token, &["apiKey.create", "asset.read"]).await;
    let create = |permissions: Value| {
        s.with_key(
            &key,
            Method::POST,
            "/api-keys",
            Some(json!({"name": "child", "permissions": permissions})),
        )
    };
    let (status, body) = create(json!(["asset.read"])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = create(json!(["asset.read", "asset.upload"])).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = create(json!(["all"])).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    let (_, listed) = s.get(&token, "/api-keys").await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    // A session holds every permission.
    s.api_key(&token, &["all"]).await;
}

async fn a_key_cannot_widen_permissions_by_update(s: &TestServer) {
    let token = s.admin().await;
    let (id, key) = s
        .api_key(&token, &["apiKey.update", "apiKey.read", "asset.read"])
        .await;
    let (status, body) = s
        .with_key(
            &key,
            Method::PUT,
            &format!("/api-keys/{id}"),
            Some(json!({"permissions": ["all"]})),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .with_key(
            &key,
            Method::PUT,
            &format!("/api-keys/{id}"),
            Some(json!({"permissions": ["apiKey.read", "asset.upload"]})),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, me) = s.with_key(&key, Method::GET, "/api-keys/me", None).await;
    assert_eq!(
        me["permissions"],
        json!(["apiKey.update", "apiKey.read", "asset.read"])
    );

    // Narrowing is fine.
    let (status, body) = s
        .with_key(
            &key,
            Method::PUT,
            &format!("/api-keys/{id}"),
            Some(json!({"permissions": ["apiKey.read"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["permissions"], json!(["apiKey.read"]));
}

async fn key_permissions_must_be_known_and_non_empty(s: &TestServer) {
    let token = s.admin().await;
    for permissions in [json!([]), json!(["no.such.permission"]), json!("all")] {
        let (status, body) = s
            .post(&token, "/api-keys", json!({"permissions": permissions}))
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let (status, body) = s.post(&token, "/api-keys", json!({"name": "x"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, listed) = s.get(&token, "/api-keys").await;
    assert_eq!(listed, json!([]));
}

async fn key_without_api_key_read_cannot_list_keys(s: &TestServer) {
    let token = s.admin().await;
    let (_, key) = s.api_key(&token, &["asset.read"]).await;
    let (status, body) = s.with_key(&key, Method::GET, "/api-keys", None).await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = s
        .with_key(
            &key,
            Method::POST,
            "/api-keys",
            Some(json!({"permissions": ["asset.read"]})),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}
