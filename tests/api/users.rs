use serde_json::json;
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories};

stories!(
    users_me_answers_the_callers_full_profile,
    users_me_counts_the_bytes_the_caller_stores,
    update_me_changes_name_and_email,
    update_me_to_a_taken_email_is_400,
    update_me_with_bad_values_is_400_and_changes_nothing,
    preferences_start_at_immich_defaults,
    preferences_update_merges_partially,
    preferences_are_per_user,
    preferences_avatar_sets_the_users_colour,
    users_list_shows_active_users_in_the_public_view,
    user_by_id_answers_the_public_view,
    unknown_or_malformed_user_id_is_400,
    onboarding_can_be_set_read_and_reset,
);

async fn users_me_answers_the_callers_full_profile(s: &TestServer) {
    let admin = s.admin().await;
    let (id, user) = s.user(&admin, "u@example.com").await;
    let (status, me) = s.get(&user, "/users/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["id"], id.as_str());
    assert_eq!(me["email"], "u@example.com");
    assert_eq!(me["name"], "u@example.com");
    assert_eq!(me["isAdmin"], false);
    assert_eq!(me["status"], "active");
    assert_eq!(me["shouldChangePassword"], false);
    assert_eq!(me["deletedAt"], serde_json::Value::Null);
    assert_eq!(me["quotaUsageInBytes"], 0);
    assert!(me["avatarColor"].is_string());
    assert!(me.get("password").is_none() && me.get("passwordHash").is_none());
}

async fn users_me_counts_the_bytes_the_caller_stores(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let bytes = fake_jpeg("mine");
    let (status, _) = s.upload(&user, "mine.jpg", bytes.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    s.upload_photo(&admin, "not-mine").await;
    let (_, me) = s.get(&user, "/users/me").await;
    assert_eq!(me["quotaUsageInBytes"], bytes.len());
}

async fn update_me_changes_name_and_email(s: &TestServer) {
    let admin = s.admin().await;
    let (id, user) = s.user(&admin, "u@example.com").await;
    let (status, body) = s
        .put(
            &user,
            "/users/me",
            json!({"name": "New Name", "email": "New@Example.com", "avatarColor": "green"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["name"], "New Name");
    assert_eq!(body["email"], "new@example.com");
    assert_eq!(body["avatarColor"], "green");
    let (_, me) = s.get(&user, "/users/me").await;
    assert_eq!(me["name"], "New Name");
    s.login("new@example.com", "user-password").await;
    let status = s.login_status("u@example.com", "user-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old email is gone");
}

async fn update_me_to_a_taken_email_is_400(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let (status, body) = s
        .put(&user, "/users/me", json!({"email": "ADMIN@example.com"}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, me) = s.get(&user, "/users/me").await;
    assert_eq!(me["email"], "u@example.com");
    // Keeping one's own email is not a clash.
    let (status, body) = s
        .put(&user, "/users/me", json!({"email": "u@example.com"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn update_me_with_bad_values_is_400_and_changes_nothing(s: &TestServer) {
    let token = s.admin().await;
    for body in [
        json!({"email": "no-at-sign"}),
        json!({"name": "   "}),
        json!({"avatarColor": "chartreuse"}),
        json!({"name": 42}),
    ] {
        let (status, answer) = s.put(&token, "/users/me", body.clone()).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST);
    }
    let (_, me) = s.get(&token, "/users/me").await;
    assert_eq!(me["name"], "Admin");
    assert_eq!(me["email"], "admin@example.com");
}

async fn preferences_start_at_immich_defaults(s: &TestServer) {
    let token = s.admin().await;
    let (status, prefs) = s.get(&token, "/users/me/preferences").await;
    assert_eq!(status, StatusCode::OK, "{prefs}");
    assert_eq!(prefs["memories"]["enabled"], true);
    assert_eq!(prefs["memories"]["duration"], 5);
    assert_eq!(prefs["download"]["archiveSize"], 4_i64 * 1024 * 1024 * 1024);
    assert_eq!(prefs["albums"]["defaultAssetOrder"], "desc");
    assert_eq!(prefs["ratings"]["enabled"], false);
    assert_eq!(prefs["emailNotifications"]["enabled"], true);
}

async fn preferences_update_merges_partially(s: &TestServer) {
    let token = s.admin().await;
    let (_, defaults) = s.get(&token, "/users/me/preferences").await;
    let (status, updated) = s
        .put(
            &token,
            "/users/me/preferences",
            json!({"memories": {"enabled": false}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["memories"]["enabled"], false);
    assert_eq!(updated["memories"]["duration"], 5, "siblings are kept");

    let (status, updated) = s
        .put(
            &token,
            "/users/me/preferences",
            json!({"ratings": {"enabled": true}, "download": {"archiveSize": 1024}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["memories"]["enabled"], false, "earlier change kept");
    assert_eq!(updated["ratings"]["enabled"], true);
    assert_eq!(updated["download"]["archiveSize"], 1024);
    assert_eq!(
        updated["download"]["includeEmbeddedVideos"],
        defaults["download"]["includeEmbeddedVideos"]
    );
    assert_eq!(updated["tags"], defaults["tags"]);

    let (_, read) = s.get(&token, "/users/me/preferences").await;
    assert_eq!(read, updated);

    let (status, body) = s
        .put(
            &token,
            "/users/me/preferences",
            json!({"memories": {"enabled": "yes"}}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, read) = s.get(&token, "/users/me/preferences").await;
    assert_eq!(read, updated);
}

async fn preferences_are_per_user(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let (status, _) = s
        .put(
            &user,
            "/users/me/preferences",
            json!({"memories": {"enabled": false}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, admin_prefs) = s.get(&admin, "/users/me/preferences").await;
    assert_eq!(admin_prefs["memories"]["enabled"], true);
}

async fn preferences_avatar_sets_the_users_colour(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s
        .put(
            &token,
            "/users/me/preferences",
            json!({"avatar": {"color": "pink"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = s.get(&token, "/users/me").await;
    assert_eq!(me["avatarColor"], "pink");
}

async fn users_list_shows_active_users_in_the_public_view(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let (gone_id, _) = s.user(&admin, "gone@example.com").await;
    let (status, _) = s
        .delete(&admin, &format!("/admin/users/{gone_id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, users) = s.get(&user, "/users").await;
    assert_eq!(status, StatusCode::OK, "{users}");
    let users = users.as_array().unwrap();
    let mut emails: Vec<&str> = users.iter().map(|u| u["email"].as_str().unwrap()).collect();
    emails.sort();
    assert_eq!(emails, ["admin@example.com", "u@example.com"]);
    let me = users.iter().find(|u| u["id"] == user_id.as_str()).unwrap();
    assert_eq!(me["name"], "u@example.com");
    assert!(me.get("isAdmin").is_none(), "public view: {me}");
    assert!(me.get("quotaSizeInBytes").is_none(), "public view: {me}");
}

async fn user_by_id_answers_the_public_view(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let (_, admin_me) = s.get(&admin, "/users/me").await;
    let admin_id = admin_me["id"].as_str().unwrap();
    let (status, body) = s.get(&user, &format!("/users/{admin_id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "admin@example.com");
    assert_eq!(body["name"], "Admin");
    assert!(body.get("isAdmin").is_none(), "{body}");
    let (status, body) = s.get(&admin, &format!("/users/{user_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], user_id.as_str());
}

async fn unknown_or_malformed_user_id_is_400(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s
        .get(&token, &format!("/users/{}", uuid::Uuid::new_v4()))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&token, "/users/12345").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn onboarding_can_be_set_read_and_reset(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let (status, body) = s.get(&user, "/users/me/onboarding").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"isOnboarded": false}));

    let (status, body) = s
        .put(&user, "/users/me/onboarding", json!({"isOnboarded": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"isOnboarded": true}));
    let (_, body) = s.get(&user, "/users/me/onboarding").await;
    assert_eq!(body, json!({"isOnboarded": true}));
    let (_, login) = s
        .post(
            "",
            "/auth/login",
            json!({"email": "u@example.com", "password": "user-password"}),
        )
        .await;
    assert_eq!(login["isOnboarded"], true);
    let (_, other) = s.get(&admin, "/users/me/onboarding").await;
    assert_eq!(other, json!({"isOnboarded": false}), "per user");

    let (status, body) = s
        .put(
            &user,
            "/users/me/onboarding",
            json!({"isOnboarded": "sure"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    let (status, _) = s.delete(&user, "/users/me/onboarding", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, body) = s.get(&user, "/users/me/onboarding").await;
    assert_eq!(body, json!({"isOnboarded": false}));
}
