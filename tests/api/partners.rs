//! Partner sharing: one user lets another see their library; the other chooses whether it
//! joins their own timeline. Sharing never lets the partner change anything.

use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    partner_sees_a_shared_library_and_chooses_whether_it_joins_their_timeline,
    partner_sharing_refuses_bad_requests,
    partner_cannot_see_archived_assets_or_change_anything,
    removing_a_partner_ends_their_access,
);

async fn total(s: &TestServer, token: &str, query: &str) -> (StatusCode, i64) {
    let (status, buckets) = s.get(token, &format!("/timeline/buckets{query}")).await;
    let sum = buckets
        .as_array()
        .map(|b| b.iter().map(|b| b["count"].as_i64().unwrap()).sum())
        .unwrap_or(-1);
    (status, sum)
}

/// The admin (who shares) and a second user (who is shared with), with one photo each.
async fn two_users(s: &TestServer) -> (String, String, String, String, String) {
    let admin = s.admin().await;
    let (_, me) = s.get(&admin, "/users/me").await;
    let admin_id = me["id"].as_str().unwrap().to_string();
    let (bob_id, bob) = s.user(&admin, "bob@example.com").await;
    let photo = s.upload_photo(&admin, "shared").await;
    s.upload_photo(&bob, "bobs-own").await;
    (admin, admin_id, bob, bob_id, photo)
}

async fn share(s: &TestServer, token: &str, with: &str) -> Value {
    let (status, body) = s
        .post(token, "/partners", json!({"sharedWithId": with}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn partner_sees_a_shared_library_and_chooses_whether_it_joins_their_timeline(s: &TestServer) {
    let (admin, admin_id, bob, bob_id, photo) = two_users(s).await;
    let (status, _) = s.get(&bob, &format!("/assets/{photo}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not shared yet");

    let created = share(s, &admin, &bob_id).await;
    assert_eq!(created["id"], bob_id.as_str());
    assert_eq!(created["email"], "bob@example.com");
    assert_eq!(created["inTimeline"], false);

    let (_, shared_by) = s.get(&admin, "/partners?direction=shared-by").await;
    assert_eq!(shared_by.as_array().unwrap().len(), 1, "{shared_by}");
    assert_eq!(shared_by[0]["id"], bob_id.as_str());
    let (_, shared_with) = s.get(&bob, "/partners?direction=shared-with").await;
    assert_eq!(shared_with[0]["id"], admin_id.as_str(), "{shared_with}");
    let (_, none) = s.get(&bob, "/partners?direction=shared-by").await;
    assert_eq!(none, json!([]));

    let (status, asset) = s.get(&bob, &format!("/assets/{photo}")).await;
    assert_eq!(status, StatusCode::OK, "{asset}");
    // The partner's library is browsable on its own...
    let partner_view = format!("?userId={admin_id}&visibility=timeline");
    assert_eq!(total(s, &bob, &partner_view).await, (StatusCode::OK, 1));
    // ...and joins Bob's timeline only once he asks for it.
    let with_partners = "?withPartners=true&visibility=timeline";
    assert_eq!(total(s, &bob, with_partners).await, (StatusCode::OK, 1));
    let (status, updated) = s
        .put(
            &bob,
            &format!("/partners/{admin_id}"),
            json!({"inTimeline": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["inTimeline"], true);
    assert_eq!(updated["id"], admin_id.as_str());
    assert_eq!(total(s, &bob, with_partners).await, (StatusCode::OK, 2));
    assert_eq!(
        total(s, &bob, "").await,
        (StatusCode::OK, 1),
        "own timeline"
    );
    let (_, bucket_list) = s
        .get(&bob, &format!("/timeline/buckets{with_partners}"))
        .await;
    let month = bucket_list[0]["timeBucket"].as_str().unwrap().to_string();
    let (status, bucket) = s
        .get(
            &bob,
            &format!("/timeline/bucket{with_partners}&timeBucket={month}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bucket}");
    let owners: Vec<&str> = bucket["ownerId"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert!(owners.contains(&admin_id.as_str()), "{bucket}");
    assert!(owners.contains(&bob_id.as_str()), "{bucket}");
}

async fn partner_sharing_refuses_bad_requests(s: &TestServer) {
    let (admin, admin_id, bob, bob_id, _) = two_users(s).await;
    let (status, body) = s
        .post(&admin, "/partners", json!({"sharedWithId": admin_id}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(
            &admin,
            "/partners",
            json!({"sharedWithId": "6b1c2a44-0c59-4f0e-9d1b-0a3b7f1e2d3c"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(&admin, "/partners", json!({"sharedWithId": "bob"}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    share(s, &admin, &bob_id).await;
    let (status, body) = s
        .post(&admin, "/partners", json!({"sharedWithId": bob_id}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Partner already exists");
    let (status, body) = s.get(&admin, "/partners").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&admin, "/partners?direction=sideways").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // Only the one shared with decides about their own timeline.
    let (status, body) = s
        .put(
            &admin,
            &format!("/partners/{bob_id}"),
            json!({"inTimeline": true}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(&bob, &format!("/partners/{admin_id}"), json!({}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // Sharing is one way: Bob's library stays his.
    let (status, _) = total(s, &admin, &format!("?userId={bob_id}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn partner_cannot_see_archived_assets_or_change_anything(s: &TestServer) {
    let (admin, admin_id, bob, bob_id, photo) = two_users(s).await;
    share(s, &admin, &bob_id).await;
    let (status, body) = s
        .put(
            &bob,
            &format!("/assets/{photo}"),
            json!({"isFavorite": true}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .delete(&bob, "/assets", Some(json!({"ids": [photo]})))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, _) = total(s, &bob, &format!("?userId={admin_id}&visibility=archive")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = s
        .put(
            &admin,
            &format!("/assets/{photo}"),
            json!({"visibility": "archive"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = s.get(&bob, &format!("/assets/{photo}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "archived stays private");
    assert_eq!(
        total(s, &bob, &format!("?userId={admin_id}")).await,
        (StatusCode::OK, 0)
    );
}

async fn removing_a_partner_ends_their_access(s: &TestServer) {
    let (admin, admin_id, bob, bob_id, photo) = two_users(s).await;
    share(s, &admin, &bob_id).await;
    let (status, _) = s.delete(&admin, &format!("/partners/{bob_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = s.get(&bob, &format!("/assets/{photo}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = total(s, &bob, &format!("?userId={admin_id}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = s.delete(&admin, &format!("/partners/{bob_id}"), None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, listed) = s.get(&bob, "/partners?direction=shared-with").await;
    assert_eq!(listed, json!([]));
}
