use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::json;
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    first_user_signs_up_as_admin_and_second_sign_up_is_refused,
    sign_up_with_a_bad_email_is_400_and_leaves_the_server_uninitialized,
    wrong_password_is_401,
    unknown_email_is_401_like_a_wrong_password,
    login_ignores_the_case_of_the_email,
    login_answers_the_user_and_a_token,
    login_sets_an_access_token_cookie_that_authenticates,
    bearer_and_user_token_headers_authenticate,
    api_key_header_authenticates,
    missing_credentials_are_401_with_immich_error_json,
    garbage_credentials_are_401,
    logout_revokes_only_that_token_and_clears_cookies,
    validate_token_accepts_a_live_token_and_rejects_others,
    change_password_with_wrong_old_password_is_400_and_changes_nothing,
    change_password_to_a_short_password_is_400,
    changed_password_replaces_the_old_one,
    change_password_with_invalidate_sessions_ends_the_other_sessions_only,
    change_password_without_invalidate_keeps_other_sessions,
    auth_status_reports_a_password_login,
);

async fn first_user_signs_up_as_admin_and_second_sign_up_is_refused(s: &TestServer) {
    let token = s.admin().await;
    let (status, me) = s.get(&token, "/users/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["isAdmin"], true);
    assert_eq!(me["email"], "admin@example.com");

    let (status, body) = s
        .post(
            "",
            "/auth/admin-sign-up",
            json!({"email": "x@example.com", "name": "X", "password": "p"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let status = s.login_status("x@example.com", "p").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no account was made");
}

async fn sign_up_with_a_bad_email_is_400_and_leaves_the_server_uninitialized(s: &TestServer) {
    let (status, body) = s
        .post(
            "",
            "/auth/admin-sign-up",
            json!({"email": "not-an-email", "name": "X", "password": "password"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post("", "/auth/admin-sign-up", json!({"email": "a@example.com"}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, config) = s.get("", "/server/config").await;
    assert_eq!(config["isInitialized"], false, "{config}");
    // The real sign-up still works afterwards.
    s.admin().await;
}

async fn wrong_password_is_401(s: &TestServer) {
    s.admin().await;
    let (status, body) = s
        .post(
            "",
            "/auth/login",
            json!({"email": "admin@example.com", "password": "nope"}),
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn unknown_email_is_401_like_a_wrong_password(s: &TestServer) {
    s.admin().await;
    let (status, unknown) = s
        .post(
            "",
            "/auth/login",
            json!({"email": "nobody@example.com", "password": "admin-password"}),
        )
        .await;
    assert_error(status, &unknown, StatusCode::UNAUTHORIZED);
    let (_, wrong) = s
        .post(
            "",
            "/auth/login",
            json!({"email": "admin@example.com", "password": "nope"}),
        )
        .await;
    assert_eq!(unknown["message"], wrong["message"], "no account probing");
}

async fn login_ignores_the_case_of_the_email(s: &TestServer) {
    s.admin().await;
    let token = s.login("  ADMIN@Example.COM ", "admin-password").await;
    let (status, me) = s.get(&token, "/users/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "admin@example.com");
}

async fn login_answers_the_user_and_a_token(s: &TestServer) {
    let admin = s.admin().await;
    let (id, _) = s.user(&admin, "u@example.com").await;
    let (status, body) = s
        .post(
            "",
            "/auth/login",
            json!({"email": "u@example.com", "password": "user-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["userId"], id.as_str());
    assert_eq!(body["userEmail"], "u@example.com");
    assert_eq!(body["name"], "u@example.com");
    assert_eq!(body["isAdmin"], false);
    assert_eq!(body["isOnboarded"], false);
    assert_eq!(body["shouldChangePassword"], false);
    assert!(body["accessToken"].as_str().is_some_and(|t| t.len() >= 32));
}

async fn login_sets_an_access_token_cookie_that_authenticates(s: &TestServer) {
    s.admin().await;
    let res = s
        .client
        .post(s.url("/auth/login"))
        .json(&json!({"email": "admin@example.com", "password": "admin-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let cookies: Vec<String> = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let body: serde_json::Value = res.json().await.unwrap();
    let token = body["accessToken"].as_str().unwrap();
    let access = cookies
        .iter()
        .find(|c| c.starts_with("immich_access_token="))
        .unwrap_or_else(|| panic!("no access token cookie in {cookies:?}"));
    assert!(
        access.starts_with(&format!("immich_access_token={token};")),
        "{access}"
    );
    assert!(access.contains("HttpOnly"), "{access}");

    let (status, me) = s
        .send(
            s.client
                .get(s.url("/users/me"))
                .header(COOKIE, format!("theme=dark; immich_access_token={token}")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "admin@example.com");
}

async fn bearer_and_user_token_headers_authenticate(s: &TestServer) {
    let token = s.admin().await;
    let (status, me) = s.get(&token, "/users/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (status, me) = s
        .send(
            s.client
                .get(s.url("/users/me"))
                .header("x-immich-user-token", &token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "admin@example.com");
}

async fn api_key_header_authenticates(s: &TestServer) {
    let token = s.admin().await;
    let (_, secret) = s.api_key(&token, &["all"]).await;
    let (status, me) = s.with_key(&secret, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "admin@example.com");
}

async fn missing_credentials_are_401_with_immich_error_json(s: &TestServer) {
    s.admin().await;
    for path in ["/users/me", "/assets/statistics", "/albums", "/api-keys"] {
        let res = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        let content_type = res.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
        assert!(content_type.contains("json"), "{path}: {content_type}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_error(StatusCode::UNAUTHORIZED, &body, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "Unauthorized");
    }
    // Writes are refused before the body is looked at.
    let (status, body) = s.post("", "/albums", json!({"albumName": "x"})).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn garbage_credentials_are_401(s: &TestServer) {
    s.admin().await;
    let (status, body) = s.get("not-a-real-token", "/users/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, body) = s
        .with_key("not-a-real-key", Method::GET, "/users/me", None)
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, body) = s
        .send(
            s.client
                .get(s.url("/users/me"))
                .header(COOKIE, "immich_access_token=forged"),
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn logout_revokes_only_that_token_and_clears_cookies(s: &TestServer) {
    let token = s.admin().await;
    let other = s.login("admin@example.com", "admin-password").await;
    let res = s
        .client
        .post(s.url("/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cleared = res.headers().get_all(SET_COOKIE).iter().any(|c| {
        let c = c.to_str().unwrap();
        c.starts_with("immich_access_token=;") && c.contains("Max-Age=0")
    });
    assert!(cleared, "the access token cookie is cleared");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["successful"], true);
    assert!(body["redirectUri"].is_string());

    let (status, body) = s.get(&token, "/users/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, _) = s.get(&other, "/users/me").await;
    assert_eq!(status, StatusCode::OK, "another session survives");
}

async fn validate_token_accepts_a_live_token_and_rejects_others(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s.post(&token, "/auth/validateToken", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["authStatus"], true);
    let (status, body) = s.post("bogus", "/auth/validateToken", json!({})).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    s.post(&token, "/auth/logout", json!({})).await;
    let (status, body) = s.post(&token, "/auth/validateToken", json!({})).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn change_password_with_wrong_old_password_is_400_and_changes_nothing(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s
        .post(
            &token,
            "/auth/change-password",
            json!({"password": "wrong-password", "newPassword": "brand-new-password"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    s.login("admin@example.com", "admin-password").await;
    let status = s
        .login_status("admin@example.com", "brand-new-password")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn change_password_to_a_short_password_is_400(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s
        .post(
            &token,
            "/auth/change-password",
            json!({"password": "admin-password", "newPassword": "short"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    s.login("admin@example.com", "admin-password").await;
}

async fn changed_password_replaces_the_old_one(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s
        .post(
            &token,
            "/auth/change-password",
            json!({"password": "admin-password", "newPassword": "brand-new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "admin@example.com");
    assert_eq!(body["shouldChangePassword"], false);
    let (status, body) = s
        .post(
            "",
            "/auth/login",
            json!({"email": "admin@example.com", "password": "admin-password"}),
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    s.login("admin@example.com", "brand-new-password").await;
}

async fn change_password_with_invalidate_sessions_ends_the_other_sessions_only(s: &TestServer) {
    let token = s.admin().await;
    let other = s.login("admin@example.com", "admin-password").await;
    let (_, key) = s.api_key(&token, &["all"]).await;
    let (status, body) = s
        .post(
            &token,
            "/auth/change-password",
            json!({
                "password": "admin-password",
                "newPassword": "brand-new-password",
                "invalidateSessions": true
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s.get(&other, "/users/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, _) = s.get(&token, "/users/me").await;
    assert_eq!(status, StatusCode::OK, "the session that asked stays");
    let (status, _) = s.with_key(&key, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK, "API keys are not sessions");
}

async fn change_password_without_invalidate_keeps_other_sessions(s: &TestServer) {
    let token = s.admin().await;
    let other = s.login("admin@example.com", "admin-password").await;
    let (status, body) = s
        .post(
            &token,
            "/auth/change-password",
            json!({"password": "admin-password", "newPassword": "brand-new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = s.get(&other, "/users/me").await;
    assert_eq!(status, StatusCode::OK);
}

async fn auth_status_reports_a_password_login(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s.get(&token, "/auth/status").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["password"], true);
    assert_eq!(body["pinCode"], false);
    assert_eq!(body["isElevated"], false);
    let (status, body) = s.get("", "/auth/status").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}
