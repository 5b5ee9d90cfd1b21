use serde_json::json;
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    first_user_signs_up_as_admin_and_second_sign_up_is_refused,
    wrong_password_is_401
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
