use reqwest::multipart::Part;
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories, upload_form};

stories!(
    non_admin_gets_403_on_every_admin_user_endpoint,
    admin_creates_a_user_who_can_log_in,
    created_user_must_change_password_by_default,
    creating_a_user_with_a_taken_email_is_400,
    creating_a_user_with_a_bad_email_is_400,
    creating_a_user_with_missing_or_empty_fields_is_400,
    admin_list_hides_deleted_users_unless_asked,
    admin_gets_one_user_with_details,
    admin_updates_name_quota_and_admin_flag,
    quota_refuses_an_upload_that_would_exceed_it,
    admin_cannot_drop_their_own_admin_flag,
    update_to_a_taken_email_is_400,
    soft_deleted_user_cannot_log_in_until_restored,
    force_delete_removes_the_users_files_from_disk,
    admin_cannot_delete_themselves,
    admin_lists_a_users_sessions,
    admin_reads_and_updates_a_users_preferences,
);

async fn admin_id(s: &TestServer, token: &str) -> String {
    let (_, me) = s.get(token, "/users/me").await;
    me["id"].as_str().unwrap().to_string()
}

async fn create(s: &TestServer, token: &str, body: Value) -> (StatusCode, Value) {
    s.post(token, "/admin/users", body).await
}

async fn non_admin_gets_403_on_every_admin_user_endpoint(s: &TestServer) {
    let admin = s.admin().await;
    let (id, user) = s.user(&admin, "u@example.com").await;
    let admin_user = admin_id(s, &admin).await;
    let user_path = format!("/admin/users/{admin_user}");
    let checks = [
        s.get(&user, "/admin/users").await,
        create(
            s,
            &user,
            json!({"email": "x@example.com", "name": "x", "password": "password"}),
        )
        .await,
        s.get(&user, &user_path).await,
        s.put(&user, &user_path, json!({"name": "pwned"})).await,
        s.put(
            &user,
            &format!("/admin/users/{id}"),
            json!({"isAdmin": true}),
        )
        .await,
        s.delete(&user, &user_path, None).await,
        s.post(&user, &format!("{user_path}/restore"), json!({}))
            .await,
        s.get(&user, &format!("{user_path}/preferences")).await,
        s.put(
            &user,
            &format!("{user_path}/preferences"),
            json!({"memories": {"enabled": false}}),
        )
        .await,
        s.get(&user, &format!("{user_path}/sessions")).await,
        s.get(&user, "/server/statistics").await,
    ];
    for (status, body) in checks {
        assert_error(status, &body, StatusCode::FORBIDDEN);
    }
    let (_, me) = s.get(&user, "/users/me").await;
    assert_eq!(me["isAdmin"], false);
    let (_, admin_me) = s.get(&admin, "/users/me").await;
    assert_eq!(admin_me["name"], "Admin");
    let status = s.login_status("x@example.com", "password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no user was created");
}

async fn admin_creates_a_user_who_can_log_in(s: &TestServer) {
    let admin = s.admin().await;
    let (status, body) = create(
        s,
        &admin,
        json!({
            "email": "New.User@Example.com",
            "name": "New User",
            "password": "secret-password",
            "quotaSizeInBytes": 1_000_000,
            "storageLabel": "newbie",
            "avatarColor": "blue",
            "shouldChangePassword": false
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["email"], "new.user@example.com");
    assert_eq!(body["name"], "New User");
    assert_eq!(body["isAdmin"], false);
    assert_eq!(body["quotaSizeInBytes"], 1_000_000);
    assert_eq!(body["quotaUsageInBytes"], 0);
    assert_eq!(body["storageLabel"], "newbie");
    assert_eq!(body["avatarColor"], "blue");
    assert_eq!(body["status"], "active");
    assert_eq!(body["shouldChangePassword"], false);
    let token = s.login("new.user@example.com", "secret-password").await;
    let (_, me) = s.get(&token, "/users/me").await;
    assert_eq!(me["id"], body["id"]);
}

async fn created_user_must_change_password_by_default(s: &TestServer) {
    let admin = s.admin().await;
    let (status, body) = create(
        s,
        &admin,
        json!({"email": "u@example.com", "name": "U", "password": "password"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["shouldChangePassword"], true);
    let (_, login) = s
        .post(
            "",
            "/auth/login",
            json!({"email": "u@example.com", "password": "password"}),
        )
        .await;
    assert_eq!(login["shouldChangePassword"], true);
}

async fn creating_a_user_with_a_taken_email_is_400(s: &TestServer) {
    let admin = s.admin().await;
    s.user(&admin, "u@example.com").await;
    let (status, body) = create(
        s,
        &admin,
        json!({"email": "U@EXAMPLE.com", "name": "dup", "password": "password"}),
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, users) = s.get(&admin, "/admin/users").await;
    assert_eq!(users.as_array().unwrap().len(), 2);
}

async fn creating_a_user_with_a_bad_email_is_400(s: &TestServer) {
    let admin = s.admin().await;
    for email in [
        "no-at-sign",
        "@example.com",
        "user@",
        "two words@example.com",
    ] {
        let (status, body) = create(
            s,
            &admin,
            json!({"email": email, "name": "x", "password": "password"}),
        )
        .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let (_, users) = s.get(&admin, "/admin/users").await;
    assert_eq!(users.as_array().unwrap().len(), 1);
}

async fn creating_a_user_with_missing_or_empty_fields_is_400(s: &TestServer) {
    let admin = s.admin().await;
    for body in [
        json!({"name": "x", "password": "password"}),
        json!({"email": "x@example.com", "password": "password"}),
        json!({"email": "x@example.com", "name": "x"}),
        json!({"email": "x@example.com", "name": "", "password": "password"}),
        json!({"email": "x@example.com", "name": "x", "password": ""}),
        json!({"email": "x@example.com", "name": "x", "password": "password", "quotaSizeInBytes": -1}),
        json!({"email": "x@example.com", "name": "x", "password": "password", "isAdmin": "yes"}),
    ] {
        let (status, answer) = create(s, &admin, body.clone()).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST);
    }
    let (status, body) = s
        .send(
            s.client
                .post(s.url("/admin/users"))
                .bearer_auth(&admin)
                .body("{not json"),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, users) = s.get(&admin, "/admin/users").await;
    assert_eq!(users.as_array().unwrap().len(), 1);
}

async fn admin_list_hides_deleted_users_unless_asked(s: &TestServer) {
    let admin = s.admin().await;
    let (kept, _) = s.user(&admin, "kept@example.com").await;
    let (gone, _) = s.user(&admin, "gone@example.com").await;
    let (status, _) = s
        .delete(&admin, &format!("/admin/users/{gone}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, listed) = s.get(&admin, "/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    let listed = ids(&listed);
    assert!(
        listed.contains(&kept) && !listed.contains(&gone),
        "{listed:?}"
    );
    let (_, all) = s.get(&admin, "/admin/users?withDeleted=true").await;
    let all = ids(&all);
    assert!(all.contains(&kept) && all.contains(&gone), "{all:?}");
    let (status, body) = s.get(&admin, "/admin/users?withDeleted=maybe").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn admin_gets_one_user_with_details(s: &TestServer) {
    let admin = s.admin().await;
    let (id, _) = s.user(&admin, "u@example.com").await;
    let (status, body) = s.get(&admin, &format!("/admin/users/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["email"], "u@example.com");
    assert_eq!(body["isAdmin"], false);
    assert!(body.get("createdAt").is_some() && body.get("status").is_some());
    let (status, body) = s
        .get(&admin, &format!("/admin/users/{}", uuid::Uuid::new_v4()))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&admin, "/admin/users/not-a-uuid").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn admin_updates_name_quota_and_admin_flag(s: &TestServer) {
    let admin = s.admin().await;
    let (id, user) = s.user(&admin, "u@example.com").await;
    let path = format!("/admin/users/{id}");
    let (status, body) = s
        .put(
            &admin,
            &path,
            json!({"name": "Renamed", "quotaSizeInBytes": 5000, "isAdmin": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "Renamed");
    assert_eq!(body["quotaSizeInBytes"], 5000);
    assert_eq!(body["isAdmin"], true);
    let (_, read) = s.get(&admin, &path).await;
    assert_eq!(read["name"], "Renamed");
    assert_eq!(read["quotaSizeInBytes"], 5000);
    // The promotion takes effect for the user's existing session.
    let (status, body) = s.get(&user, "/admin/users").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // null clears the quota; a missing field leaves it alone.
    let (_, body) = s.put(&admin, &path, json!({"name": "Again"})).await;
    assert_eq!(body["quotaSizeInBytes"], 5000);
    let (status, body) = s
        .put(&admin, &path, json!({"quotaSizeInBytes": null}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["quotaSizeInBytes"], Value::Null);
    let (status, body) = s.put(&admin, &path, json!({"quotaSizeInBytes": -5})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(
            &admin,
            &format!("/admin/users/{}", uuid::Uuid::new_v4()),
            json!({"name": "ghost"}),
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");
}

async fn quota_refuses_an_upload_that_would_exceed_it(s: &TestServer) {
    let admin = s.admin().await;
    let (id, user) = s.user(&admin, "u@example.com").await;
    let first = fake_jpeg("first");
    let (status, body) = s
        .put(
            &admin,
            &format!("/admin/users/{id}"),
            json!({"quotaSizeInBytes": first.len() + 10}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s.upload(&user, "first.jpg", first).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let before = s.stored_files();
    let (status, body) = s.upload(&user, "second.jpg", fake_jpeg("second")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(s.stored_files(), before);
    assert_eq!(s.asset_statistics(&user).await["total"], 1);
}

async fn admin_cannot_drop_their_own_admin_flag(s: &TestServer) {
    let admin = s.admin().await;
    let id = admin_id(s, &admin).await;
    let (status, body) = s
        .put(
            &admin,
            &format!("/admin/users/{id}"),
            json!({"isAdmin": false}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, me) = s.get(&admin, "/users/me").await;
    assert_eq!(me["isAdmin"], true);
}

async fn update_to_a_taken_email_is_400(s: &TestServer) {
    let admin = s.admin().await;
    let (id, _) = s.user(&admin, "u@example.com").await;
    let (status, body) = s
        .put(
            &admin,
            &format!("/admin/users/{id}"),
            json!({"email": "admin@example.com"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, read) = s.get(&admin, &format!("/admin/users/{id}")).await;
    assert_eq!(read["email"], "u@example.com");
}

async fn soft_deleted_user_cannot_log_in_until_restored(s: &TestServer) {
    let admin = s.admin().await;
    let (id, user) = s.user(&admin, "u@example.com").await;
    let asset = s.upload_photo(&user, "kept").await;
    let path = format!("/admin/users/{id}");

    let (status, body) = s.delete(&admin, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "deleted");
    assert!(body["deletedAt"].is_string(), "{body}");

    let (status, body) = s.get(&user, "/users/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, body) = s
        .post(
            "",
            "/auth/login",
            json!({"email": "u@example.com", "password": "user-password"}),
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, body) = s.get(&admin, &path).await;
    assert_eq!(status, StatusCode::OK, "admins still see it: {body}");
    assert_eq!(body["status"], "deleted");
    assert_eq!(s.stored_files().len(), 1, "files stay until purged");

    let (status, body) = s.post(&admin, &format!("{path}/restore"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "active");
    assert_eq!(body["deletedAt"], Value::Null);
    let token = s.login("u@example.com", "user-password").await;
    let (status, body) = s.get(&token, &format!("/assets/{asset}")).await;
    assert_eq!(status, StatusCode::OK, "assets survive: {body}");
}

async fn force_delete_removes_the_users_files_from_disk(s: &TestServer) {
    let admin = s.admin().await;
    let (id, user) = s.user(&admin, "u@example.com").await;
    s.upload_photo(&user, "one").await;
    let with_sidecar = upload_form("two.jpg", fake_jpeg("two")).part(
        "sidecarData",
        Part::bytes(b"<x:xmpmeta/>".to_vec()).file_name("two.xmp"),
    );
    let (status, body) = s.upload_form(&user, with_sidecar).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let trashed = s.upload_photo(&user, "three").await;
    let (status, _) = s
        .delete(&user, "/assets", Some(json!({"ids": [trashed]})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let admins_asset = s.upload_photo(&admin, "admins").await;
    assert_eq!(s.stored_files().len(), 5, "{:?}", s.stored_files());

    let (status, body) = s
        .delete(
            &admin,
            &format!("/admin/users/{id}"),
            Some(json!({"force": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let files = s.stored_files();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        !files.iter().any(|f| f.contains(&id)),
        "nothing of the user's is left: {files:?}"
    );
    let (status, body) = s.get(&admin, &format!("/admin/users/{id}")).await;
    assert!(
        status.is_client_error(),
        "the user is gone: {status} {body}"
    );
    let (_, all) = s.get(&admin, "/admin/users?withDeleted=true").await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    let (status, body) = s
        .post(
            "",
            "/auth/login",
            json!({"email": "u@example.com", "password": "user-password"}),
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, _, bytes) = s
        .download(&admin, &format!("/assets/{admins_asset}/original"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, fake_jpeg("admins"));
    // The address is free again.
    s.user(&admin, "u@example.com").await;
}

async fn admin_cannot_delete_themselves(s: &TestServer) {
    let admin = s.admin().await;
    let id = admin_id(s, &admin).await;
    for body in [None, Some(json!({"force": true}))] {
        let (status, answer) = s.delete(&admin, &format!("/admin/users/{id}"), body).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST);
    }
    let (status, _) = s.get(&admin, "/users/me").await;
    assert_eq!(status, StatusCode::OK);
}

async fn admin_lists_a_users_sessions(s: &TestServer) {
    let admin = s.admin().await;
    let (id, _) = s.user(&admin, "u@example.com").await;
    s.login("u@example.com", "user-password").await;
    let (status, sessions) = s.get(&admin, &format!("/admin/users/{id}/sessions")).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert!(
        sessions.iter().all(|x| x["current"] == false),
        "none is the admin's own: {sessions:?}"
    );
    let (_, mine) = s
        .get(
            &admin,
            &format!("/admin/users/{}/sessions", admin_id(s, &admin).await),
        )
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["current"], true);
}

async fn admin_reads_and_updates_a_users_preferences(s: &TestServer) {
    let admin = s.admin().await;
    let (id, user) = s.user(&admin, "u@example.com").await;
    let path = format!("/admin/users/{id}/preferences");
    let (status, prefs) = s.get(&admin, &path).await;
    assert_eq!(status, StatusCode::OK, "{prefs}");
    assert_eq!(prefs["memories"]["enabled"], true);
    let (status, prefs) = s
        .put(
            &admin,
            &path,
            json!({"memories": {"enabled": false}, "ratings": {"enabled": true}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{prefs}");
    assert_eq!(prefs["memories"]["enabled"], false);
    let (_, seen) = s.get(&user, "/users/me/preferences").await;
    assert_eq!(seen, prefs);
    let (_, admins_own) = s.get(&admin, "/users/me/preferences").await;
    assert_eq!(admins_own["memories"]["enabled"], true);
}
