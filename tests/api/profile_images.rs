//! Profile images: a user sets, replaces and removes their avatar; everyone signed in sees it.

use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories};

stories!(
    profile_image_is_set_replaced_served_and_removed,
    profile_image_refuses_bad_input,
);

fn form(field: &str, name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        field.to_string(),
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    )
}

async fn upload(
    s: &TestServer,
    token: &str,
    form: reqwest::multipart::Form,
) -> (StatusCode, serde_json::Value) {
    s.send(
        s.client
            .post(s.url("/users/profile-image"))
            .bearer_auth(token)
            .multipart(form),
    )
    .await
}

async fn profile_image_is_set_replaced_served_and_removed(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let (_, me) = s.get(&admin, "/users/me").await;
    let id = me["id"].as_str().unwrap();
    assert_eq!(me["profileImagePath"], "");

    let (status, body) = upload(s, &admin, form("file", "me.jpg", fake_jpeg("first"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["userId"], id);
    let path = body["profileImagePath"].as_str().unwrap().to_string();
    assert!(path.ends_with(".jpg"), "{body}");
    assert!(body["profileChangedAt"].is_string());
    let (_, me) = s.get(&admin, "/users/me").await;
    assert_eq!(me["profileImagePath"], path.as_str());

    let (status, headers, bytes) = s
        .download(&bob, &format!("/users/{id}/profile-image"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(bytes, fake_jpeg("first"));

    let (status, body) = upload(s, &admin, form("file", "me.png", fake_png())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let profiles: Vec<String> = s
        .stored_files()
        .into_iter()
        .filter(|f| f.starts_with("profile/"))
        .collect();
    assert_eq!(profiles.len(), 1, "the old image is gone: {profiles:?}");
    let (_, _, bytes) = s
        .download(&bob, &format!("/users/{id}/profile-image"), None)
        .await;
    assert_eq!(bytes, fake_png());

    let (status, _) = s.delete(&admin, "/users/profile-image", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(s.stored_files().iter().all(|f| !f.starts_with("profile/")));
    let (status, body) = s.get(&bob, &format!("/users/{id}/profile-image")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, body) = s.delete(&admin, "/users/profile-image", None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

/// The PNG signature and enough after it to pass as one.
fn fake_png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend(std::iter::repeat_n(7u8, 512));
    bytes
}

async fn profile_image_refuses_bad_input(s: &TestServer) {
    let admin = s.admin().await;
    let (status, body) = upload(s, &admin, form("file", "notes.txt", b"hello".to_vec())).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = upload(
        s,
        &admin,
        form("file", "clip.mp4", b"\0\0\0\x18ftypisom\0\0\0\0".to_vec()),
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = upload(s, &admin, form("avatar", "me.jpg", fake_jpeg("x"))).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .get(
            &admin,
            &format!("/users/{}/profile-image", uuid::Uuid::new_v4()),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&admin, "/users/not-a-uuid/profile-image").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.delete("", "/users/profile-image", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}
