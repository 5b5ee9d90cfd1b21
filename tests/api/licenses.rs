//! Licenses: Shoebox answers like an Immich server that has none and cannot activate one.

use serde_json::json;
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(no_license_is_found_and_none_can_be_activated);

async fn no_license_is_found_and_none_can_be_activated(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let key = json!({"licenseKey": "IMCL-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH",
                     "activationKey": "not-signed"});
    for path in ["/server/license", "/users/me/license"] {
        let (status, body) = s.get(&admin, path).await;
        assert_error(status, &body, StatusCode::NOT_FOUND);
        let (status, body) = s.put(&admin, path, key.clone()).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        let (status, body) = s.put(&admin, path, json!({})).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        let (status, _) = s.delete(&admin, path, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    // The server's license is the admin's business; a user's own is theirs.
    let (status, body) = s.get(&bob, "/server/license").await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = s.get(&bob, "/users/me/license").await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, body) = s.get("", "/users/me/license").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}
