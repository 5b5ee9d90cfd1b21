//! Notifications: an admin's message reaches one user, who lists, reads and dismisses it;
//! nobody else sees it.

use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    user_lists_reads_and_dismisses_their_notifications,
    notifications_refuse_bad_input_and_other_users,
);

async fn notify(s: &TestServer, admin: &str, body: Value) -> Value {
    let (status, n) = s.post(admin, "/admin/notifications", body).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    n
}

async fn user_lists_reads_and_dismisses_their_notifications(s: &TestServer) {
    let admin = s.admin().await;
    let (bob_id, bob) = s.user(&admin, "bob@example.com").await;
    let first = notify(s, &admin, json!({"userId": bob_id, "title": "Hello"})).await;
    assert_eq!(first["level"], "info");
    assert_eq!(first["type"], "Custom");
    assert_eq!(first["title"], "Hello");
    assert!(first.get("readAt").is_none());
    assert!(first["createdAt"].is_string());
    let second = notify(
        s,
        &admin,
        json!({"userId": bob_id, "title": "Backup failed", "description": "disk full",
               "level": "error", "type": "BackupFailed", "data": {"attempt": 2}}),
    )
    .await;
    assert_eq!(second["description"], "disk full");
    assert_eq!(second["data"], json!({"attempt": 2}));

    let (status, all) = s.get(&bob, "/notifications").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, errors) = s.get(&bob, "/notifications?level=error").await;
    assert_eq!(errors.as_array().unwrap().len(), 1);
    assert_eq!(errors[0]["id"], second["id"]);
    let (_, custom) = s.get(&bob, "/notifications?type=Custom").await;
    assert_eq!(custom[0]["id"], first["id"]);
    let (_, admins) = s.get(&admin, "/notifications").await;
    assert_eq!(admins, json!([]));

    let id = first["id"].as_str().unwrap();
    let (status, read) = s
        .put(
            &bob,
            &format!("/notifications/{id}"),
            json!({"readAt": "2026-01-01T00:00:00.000Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["readAt"], "2026-01-01T00:00:00.000Z");
    let (_, unread) = s.get(&bob, "/notifications?unread=true").await;
    assert_eq!(unread.as_array().unwrap().len(), 1);
    assert_eq!(unread[0]["id"], second["id"]);
    let (status, again) = s
        .put(
            &bob,
            &format!("/notifications/{id}"),
            json!({"readAt": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert!(again.get("readAt").is_none());

    let (status, _) = s
        .put(
            &bob,
            "/notifications",
            json!({"ids": [first["id"], second["id"]], "readAt": "2026-02-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, unread) = s.get(&bob, "/notifications?unread=true").await;
    assert_eq!(unread, json!([]));

    let (status, _) = s.delete(&bob, &format!("/notifications/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s.get(&bob, &format!("/notifications/{id}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, _) = s
        .delete(&bob, "/notifications", Some(json!({"ids": [second["id"]]})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, all) = s.get(&bob, "/notifications").await;
    assert_eq!(all, json!([]));
}

async fn notifications_refuse_bad_input_and_other_users(s: &TestServer) {
    let admin = s.admin().await;
    let (bob_id, bob) = s.user(&admin, "bob@example.com").await;
    let (_, me) = s.get(&admin, "/users/me").await;
    let n = notify(
        s,
        &admin,
        json!({"userId": me["id"], "title": "Admin's own"}),
    )
    .await;
    let id = n["id"].as_str().unwrap();

    // Bob cannot see, read or dismiss the admin's notification; bulk calls pass it over.
    let (status, body) = s.get(&bob, &format!("/notifications/{id}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(
            &bob,
            &format!("/notifications/{id}"),
            json!({"readAt": null}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.delete(&bob, &format!("/notifications/{id}"), None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    s.delete(&bob, "/notifications", Some(json!({"ids": [id]})))
        .await;
    let (status, _) = s.get(&admin, &format!("/notifications/{id}")).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = s
        .post(
            &bob,
            "/admin/notifications",
            json!({"userId": bob_id, "title": "x"}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    for body in [
        json!({"title": "no user"}),
        json!({"userId": bob_id}),
        json!({"userId": bob_id, "title": " "}),
        json!({"userId": bob_id, "title": "x", "level": "loud"}),
        json!({"userId": bob_id, "title": "x", "type": "Gossip"}),
        json!({"userId": uuid::Uuid::new_v4(), "title": "nobody"}),
    ] {
        let (status, res) = s.post(&admin, "/admin/notifications", body).await;
        assert_error(status, &res, StatusCode::BAD_REQUEST);
    }
    for path in [
        "/notifications?level=loud",
        "/notifications?unread=maybe",
        "/notifications/nope",
    ] {
        let (status, res) = s.get(&admin, path).await;
        assert_error(status, &res, StatusCode::BAD_REQUEST);
    }
    let (status, res) = s
        .put(
            &admin,
            &format!("/notifications/{id}"),
            json!({"readAt": "soon"}),
        )
        .await;
    assert_error(status, &res, StatusCode::BAD_REQUEST);
    let (status, res) = s.get("", "/notifications").await;
    assert_error(status, &res, StatusCode::UNAUTHORIZED);
}
