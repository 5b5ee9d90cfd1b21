use reqwest::Method;
use reqwest::header::USER_AGENT;
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    session_list_marks_the_current_session_and_describes_devices,
    deleting_a_session_logs_that_device_out,
    deleting_an_unknown_or_foreign_session_is_400,
    deleting_all_sessions_keeps_only_the_current_one,
    api_key_without_session_permissions_cannot_touch_sessions,
);

/// Logs the admin in from a device that names itself in its User-Agent.
async fn login_from(s: &TestServer, agent: &str) -> String {
    let (status, body) = s
        .send(
            s.client
                .post(s.url("/auth/login"))
                .header(USER_AGENT, agent)
                .json(&json!({"email": "admin@example.com", "password": "admin-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["accessToken"].as_str().unwrap().to_string()
}

fn sessions(v: &Value) -> &Vec<Value> {
    v.as_array().expect("a list of sessions")
}

async fn session_list_marks_the_current_session_and_describes_devices(s: &TestServer) {
    let first = s.admin().await;
    let phone = login_from(s, "Immich_Android_1.2 (Android 14)").await;
    let (status, listed) = s.get(&phone, "/sessions").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed = sessions(&listed);
    assert_eq!(listed.len(), 2, "{listed:?}");
    let current: Vec<&Value> = listed.iter().filter(|x| x["current"] == true).collect();
    assert_eq!(current.len(), 1, "{listed:?}");
    assert_eq!(current[0]["deviceOS"], "Android");
    assert_eq!(current[0]["deviceType"], "Immich_Android_1.2");
    assert!(current[0]["createdAt"].is_string());

    // The other token sees the other session as current.
    let (_, from_first) = s.get(&first, "/sessions").await;
    let other_current: Vec<&Value> = sessions(&from_first)
        .iter()
        .filter(|x| x["current"] == true)
        .collect();
    assert_eq!(other_current.len(), 1);
    assert_ne!(other_current[0]["id"], current[0]["id"]);
}

async fn deleting_a_session_logs_that_device_out(s: &TestServer) {
    let token = s.admin().await;
    let laptop = login_from(s, "Mozilla/5.0 (X11; Linux x86_64)").await;
    let (_, listed) = s.get(&token, "/sessions").await;
    let laptop_id = sessions(&listed)
        .iter()
        .find(|x| x["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = s
        .delete(&token, &format!("/sessions/{laptop_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s.get(&laptop, "/users/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (_, listed) = s.get(&token, "/sessions").await;
    assert_eq!(sessions(&listed).len(), 1);
    let (status, body) = s
        .delete(&token, &format!("/sessions/{laptop_id}"), None)
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn deleting_an_unknown_or_foreign_session_is_400(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let (_, theirs) = s.get(&user, "/sessions").await;
    let their_id = sessions(&theirs)[0]["id"].as_str().unwrap().to_string();

    let (status, body) = s
        .delete(&admin, &format!("/sessions/{their_id}"), None)
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, _) = s.get(&user, "/users/me").await;
    assert_eq!(status, StatusCode::OK, "their session survives");

    let (status, body) = s
        .delete(&admin, &format!("/sessions/{}", uuid::Uuid::new_v4()), None)
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.delete(&admin, "/sessions/xyz", None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, mine) = s.get(&admin, "/sessions").await;
    assert!(
        !sessions(&mine).iter().any(|x| x["id"] == their_id.as_str()),
        "others' sessions are not listed"
    );
}

async fn deleting_all_sessions_keeps_only_the_current_one(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let a = login_from(s, "a").await;
    let b = login_from(s, "b").await;
    let (status, _) = s.delete(&b, "/sessions", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for gone in [&admin, &a] {
        let (status, body) = s.get(gone, "/users/me").await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED);
    }
    let (_, listed) = s.get(&b, "/sessions").await;
    let listed = sessions(&listed);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["current"], true);
    let (status, _) = s.get(&user, "/users/me").await;
    assert_eq!(status, StatusCode::OK, "other users are untouched");
}

async fn api_key_without_session_permissions_cannot_touch_sessions(s: &TestServer) {
    let token = s.admin().await;
    let (_, key) = s.api_key(&token, &["asset.read"]).await;
    let (status, body) = s.with_key(&key, Method::GET, "/sessions", None).await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = s.with_key(&key, Method::DELETE, "/sessions", None).await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, _) = s.get(&token, "/users/me").await;
    assert_eq!(status, StatusCode::OK);
}
