//! Stacks: several assets shown as one, the primary in front; the timeline collapses them
//! when asked to.

use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    stacked_timeline_shows_only_the_primary_with_its_count,
    stack_primary_changes_and_members_leave_until_it_dissolves,
    stacking_stacked_assets_merges_their_stacks,
    deleting_a_stacks_primary_puts_another_member_in_front,
    stacks_refuse_bad_requests,
);

async fn photos(s: &TestServer, token: &str, seeds: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for seed in seeds {
        ids.push(s.upload_photo(token, seed).await);
    }
    ids
}

async fn stack(s: &TestServer, token: &str, ids: &[&String]) -> Value {
    let (status, body) = s.post(token, "/stacks", json!({"assetIds": ids})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

fn ids_of(stack: &Value) -> Vec<String> {
    stack["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

async fn bucket(s: &TestServer, token: &str, query: &str) -> Value {
    let (status, body) = s
        .get(
            token,
            &format!("/timeline/bucket?timeBucket=2024-03-01{query}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn stacked_timeline_shows_only_the_primary_with_its_count(s: &TestServer) {
    let token = s.admin().await;
    let ids = photos(s, &token, &["a", "b", "c", "lone"]).await;
    let created = stack(s, &token, &[&ids[1], &ids[0], &ids[2]]).await;
    let stack_id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["primaryAssetId"], ids[1].as_str());
    assert_eq!(ids_of(&created)[0], ids[1], "the primary comes first");
    assert_eq!(ids_of(&created).len(), 3);

    let (_, member) = s.get(&token, &format!("/assets/{}", ids[0])).await;
    assert_eq!(
        member["stack"],
        json!({"id": stack_id, "primaryAssetId": ids[1], "assetCount": 3}),
        "{member}"
    );
    let (_, lone) = s.get(&token, &format!("/assets/{}", ids[3])).await;
    assert!(lone["stack"].is_null(), "{lone}");

    let (_, all) = s.get(&token, "/timeline/buckets").await;
    assert_eq!(all, json!([{"timeBucket": "2024-03-01", "count": 4}]));
    let (_, stacked) = s.get(&token, "/timeline/buckets?withStacked=true").await;
    assert_eq!(stacked, json!([{"timeBucket": "2024-03-01", "count": 2}]));

    let plain = bucket(s, &token, "").await;
    assert_eq!(plain["id"].as_array().unwrap().len(), 4);
    assert!(plain.get("stack").is_none(), "{plain}");
    let collapsed = bucket(s, &token, "&withStacked=true").await;
    let shown: Vec<&str> = collapsed["id"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(shown.len(), 2, "{collapsed}");
    assert!(shown.contains(&ids[1].as_str()) && shown.contains(&ids[3].as_str()));
    let at = shown.iter().position(|id| *id == ids[1]).unwrap();
    assert_eq!(collapsed["stack"][at], json!([stack_id, "3"]));
    assert!(collapsed["stack"][1 - at].is_null());
}

async fn stack_primary_changes_and_members_leave_until_it_dissolves(s: &TestServer) {
    let token = s.admin().await;
    let ids = photos(s, &token, &["a", "b", "c", "outsider"]).await;
    let created = stack(s, &token, &[&ids[0], &ids[1], &ids[2]]).await;
    let id = created["id"].as_str().unwrap().to_string();

    let (status, updated) = s
        .put(
            &token,
            &format!("/stacks/{id}"),
            json!({"primaryAssetId": ids[2]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["primaryAssetId"], ids[2].as_str());
    let (status, body) = s
        .put(
            &token,
            &format!("/stacks/{id}"),
            json!({"primaryAssetId": ids[3]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    let (status, body) = s
        .delete(&token, &format!("/stacks/{id}/assets/{}", ids[2]), None)
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, _) = s
        .delete(&token, &format!("/stacks/{id}/assets/{}", ids[0]), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, left) = s.get(&token, &format!("/stacks/{id}")).await;
    assert_eq!(ids_of(&left), vec![ids[2].clone(), ids[1].clone()]);
    let (status, body) = s
        .delete(&token, &format!("/stacks/{id}/assets/{}", ids[3]), None)
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    // A stack of one is no stack.
    let (status, _) = s
        .delete(&token, &format!("/stacks/{id}/assets/{}", ids[1]), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s.get(&token, &format!("/stacks/{id}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, asset) = s.get(&token, &format!("/assets/{}", ids[2])).await;
    assert!(asset["stack"].is_null(), "{asset}");
}

async fn stacking_stacked_assets_merges_their_stacks(s: &TestServer) {
    let token = s.admin().await;
    let ids = photos(s, &token, &["a", "b", "c"]).await;
    let first = stack(s, &token, &[&ids[0], &ids[1]]).await;
    let merged = stack(s, &token, &[&ids[2], &ids[0]]).await;
    assert_eq!(merged["primaryAssetId"], ids[2].as_str());
    let mut members = ids_of(&merged);
    members.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(members, expected, "b came along with a");
    let (status, _) = s
        .get(
            &token,
            &format!("/stacks/{}", first["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the old stack is gone");

    let (_, all) = s.get(&token, "/stacks").await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    let (_, by_primary) = s
        .get(&token, &format!("/stacks?primaryAssetId={}", ids[2]))
        .await;
    assert_eq!(by_primary.as_array().unwrap().len(), 1);
    let (_, none) = s
        .get(&token, &format!("/stacks?primaryAssetId={}", ids[0]))
        .await;
    assert_eq!(none, json!([]));

    let (status, _) = s
        .delete(&token, "/stacks", Some(json!({"ids": [merged["id"]]})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for id in &ids {
        let (status, asset) = s.get(&token, &format!("/assets/{id}")).await;
        assert_eq!(status, StatusCode::OK, "the assets stay");
        assert!(asset["stack"].is_null(), "{asset}");
    }
}

async fn deleting_a_stacks_primary_puts_another_member_in_front(s: &TestServer) {
    let token = s.admin().await;
    let ids = photos(s, &token, &["a", "b", "c"]).await;
    let created = stack(s, &token, &[&ids[0], &ids[1], &ids[2]]).await;
    let id = created["id"].as_str().unwrap().to_string();
    let (status, _) = s
        .delete(
            &token,
            "/assets",
            Some(json!({"ids": [ids[0]], "force": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, left) = s.get(&token, &format!("/stacks/{id}")).await;
    let members = ids_of(&left);
    assert_eq!(members.len(), 2, "{left}");
    assert_eq!(left["primaryAssetId"], members[0].as_str());
    assert!(!members.contains(&ids[0]));

    let (status, _) = s
        .delete(
            &token,
            "/assets",
            Some(json!({"ids": [members[0]], "force": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = s.get(&token, &format!("/stacks/{id}")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "one member left: dissolved"
    );
    let (_, last) = s.get(&token, &format!("/assets/{}", members[1])).await;
    assert!(last["stack"].is_null(), "{last}");
}

async fn stacks_refuse_bad_requests(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let mine = photos(s, &admin, &["a", "b"]).await;
    let his = s.upload_photo(&bob, "his").await;

    let (status, body) = s
        .post(&admin, "/stacks", json!({"assetIds": [mine[0]]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(&admin, "/stacks", json!({"assetIds": [mine[0], mine[0]]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(&admin, "/stacks", json!({"assetIds": [mine[0], his]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(&admin, "/stacks", json!({"assetIds": ["x", "y"]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.post(&admin, "/stacks", json!({})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    let created = stack(s, &admin, &[&mine[0], &mine[1]]).await;
    let id = created["id"].as_str().unwrap();
    let (status, body) = s.get(&bob, &format!("/stacks/{id}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.delete(&bob, &format!("/stacks/{id}"), None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&admin, "/stacks/not-a-uuid").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, bobs) = s.get(&bob, "/stacks").await;
    assert_eq!(bobs, json!([]));
}
