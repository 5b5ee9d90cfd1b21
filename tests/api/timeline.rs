use reqwest::multipart::Form;
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories};

stories!(
    buckets_count_assets_per_month_newest_first,
    bucket_lists_its_assets_as_parallel_arrays,
    archive_shows_by_default_and_trash_only_when_asked,
    album_timeline_shows_every_members_assets_in_it,
    other_users_assets_never_appear,
    bad_timeline_requests_are_400,
);

/// Uploads a photo dated `when` and returns its id.
async fn photo_at(s: &TestServer, token: &str, seed: &str, when: &str) -> String {
    let form = Form::new()
        .text("fileCreatedAt", when.to_string())
        .text("fileModifiedAt", when.to_string())
        .part(
            "assetData",
            reqwest::multipart::Part::bytes(fake_jpeg(seed)).file_name(format!("{seed}.jpg")),
        );
    let (status, body) = s.upload_form(token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

fn ids(bucket: &Value) -> Vec<String> {
    bucket["id"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

async fn buckets_count_assets_per_month_newest_first(s: &TestServer) {
    let token = s.admin().await;
    photo_at(s, &token, "a", "2023-05-02T10:00:00.000Z").await;
    photo_at(s, &token, "b", "2023-05-30T10:00:00.000Z").await;
    photo_at(s, &token, "c", "2024-01-15T08:00:00.000Z").await;
    let (status, buckets) = s.get(&token, "/timeline/buckets").await;
    assert_eq!(status, StatusCode::OK, "{buckets}");
    assert_eq!(
        buckets,
        json!([{"timeBucket": "2024-01-01", "count": 1}, {"timeBucket": "2023-05-01", "count": 2}])
    );
    let (_, ascending) = s.get(&token, "/timeline/buckets?order=asc").await;
    assert_eq!(ascending[0]["timeBucket"], "2023-05-01");
}

async fn bucket_lists_its_assets_as_parallel_arrays(s: &TestServer) {
    let token = s.admin().await;
    let early = photo_at(s, &token, "early", "2023-05-02T10:00:00.000Z").await;
    let late = photo_at(s, &token, "late", "2023-05-30T10:00:00.000Z").await;
    photo_at(s, &token, "other-month", "2023-06-01T00:00:00.000Z").await;
    let (status, bucket) = s
        .get(&token, "/timeline/bucket?timeBucket=2023-05-01")
        .await;
    assert_eq!(status, StatusCode::OK, "{bucket}");
    assert_eq!(
        ids(&bucket),
        vec![late.clone(), early.clone()],
        "newest first"
    );
    for key in [
        "ownerId",
        "ratio",
        "isFavorite",
        "visibility",
        "isTrashed",
        "isImage",
        "thumbhash",
        "createdAt",
        "fileCreatedAt",
        "localOffsetHours",
        "duration",
        "projectionType",
        "livePhotoVideoId",
        "city",
        "country",
    ] {
        assert_eq!(
            bucket[key].as_array().map(Vec::len),
            Some(2),
            "{key}: {bucket}"
        );
    }
    assert_eq!(bucket["isImage"], json!([true, true]));
    assert_eq!(bucket["fileCreatedAt"][1], "2023-05-02T10:00:00.000");
    let (_, ascending) = s
        .get(&token, "/timeline/bucket?timeBucket=2023-05-01&order=asc")
        .await;
    assert_eq!(ids(&ascending), vec![early, late]);
    let (status, empty) = s
        .get(&token, "/timeline/bucket?timeBucket=1999-01-01")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty["id"], json!([]));
}

async fn archive_shows_by_default_and_trash_only_when_asked(s: &TestServer) {
    let token = s.admin().await;
    let kept = photo_at(s, &token, "kept", "2023-05-02T10:00:00.000Z").await;
    let archived = photo_at(s, &token, "archived", "2023-05-03T10:00:00.000Z").await;
    let trashed = photo_at(s, &token, "trashed", "2023-05-04T10:00:00.000Z").await;
    s.put(
        &token,
        &format!("/assets/{archived}"),
        json!({"visibility": "archive"}),
    )
    .await;
    s.delete(&token, "/assets", Some(json!({"ids": [trashed]})))
        .await;
    let (_, all) = s
        .get(&token, "/timeline/bucket?timeBucket=2023-05-01")
        .await;
    assert_eq!(ids(&all), vec![archived.clone(), kept.clone()]);
    let (_, timeline) = s
        .get(
            &token,
            "/timeline/bucket?timeBucket=2023-05-01&visibility=timeline",
        )
        .await;
    assert_eq!(ids(&timeline), vec![kept]);
    let (_, trash) = s
        .get(
            &token,
            "/timeline/bucket?timeBucket=2023-05-01&isTrashed=true",
        )
        .await;
    assert_eq!(ids(&trash), vec![trashed]);
    let (_, buckets) = s.get(&token, "/timeline/buckets?visibility=archive").await;
    assert_eq!(buckets, json!([{"timeBucket": "2023-05-01", "count": 1}]));
}

async fn album_timeline_shows_every_members_assets_in_it(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "member@example.com").await;
    let mine = photo_at(s, &admin, "mine", "2023-05-02T10:00:00.000Z").await;
    photo_at(s, &admin, "not-in-album", "2023-05-03T10:00:00.000Z").await;
    let (_, album) = s
        .post(
            &admin,
            "/albums",
            json!({"albumName": "Trip", "assetIds": [mine], "albumUsers": [{"userId": user_id, "role": "viewer"}]}),
        )
        .await;
    let album_id = album["id"].as_str().unwrap();
    let (status, bucket) = s
        .get(
            &user,
            &format!("/timeline/bucket?timeBucket=2023-05-01&albumId={album_id}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bucket}");
    assert_eq!(ids(&bucket), vec![mine]);
    assert_eq!(bucket["isFavorite"], json!([false]));
}

async fn other_users_assets_never_appear(s: &TestServer) {
    let admin = s.admin().await;
    let (admin_me_status, admin_me) = s.get(&admin, "/users/me").await;
    assert_eq!(admin_me_status, StatusCode::OK);
    let (_, user) = s.user(&admin, "other@example.com").await;
    photo_at(s, &admin, "private", "2023-05-02T10:00:00.000Z").await;
    let (_, buckets) = s.get(&user, "/timeline/buckets").await;
    assert_eq!(buckets, json!([]));
    let admin_id = admin_me["id"].as_str().unwrap();
    let (status, body) = s
        .get(&user, &format!("/timeline/buckets?userId={admin_id}"))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, album) = s
        .post(&admin, "/albums", json!({"albumName": "Private"}))
        .await;
    let album_id = album["id"].as_str().unwrap();
    let (status, body) = s
        .get(&user, &format!("/timeline/buckets?albumId={album_id}"))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn bad_timeline_requests_are_400(s: &TestServer) {
    let token = s.admin().await;
    for path in [
        "/timeline/bucket",
        "/timeline/bucket?timeBucket=last-tuesday",
        "/timeline/buckets?visibility=sideways",
        "/timeline/buckets?withPartners=true",
        "/timeline/buckets?albumId=not-a-uuid",
    ] {
        let (status, body) = s.get(&token, path).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let (status, _) = s.get("", "/timeline/buckets").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
