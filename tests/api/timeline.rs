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
    bucket_counts_follow_every_change,
    bucket_orders_by_local_day_then_time_taken,
    bucket_coordinates_are_exact_after_an_edit,
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

/// Waits for metadata extraction, which rewrites the dates of a new upload, so
/// that later edits stick.
async fn metadata_settles(s: &TestServer, token: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (status, queue) = s.get(token, "/queues/metadataExtraction").await;
        assert_eq!(status, StatusCode::OK, "{queue}");
        let stats = &queue["statistics"];
        if stats["waiting"] == 0 && stats["active"] == 0 && stats["delayed"] == 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "metadata jobs never settled: {queue}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// The buckets for `query`, asserted twice: for the caller's library, which
/// reads the per-month counts, and for an album holding every asset, which
/// counts the assets themselves.
async fn assert_buckets(s: &TestServer, token: &str, album: &str, query: &str, expected: Value) {
    let (status, library) = s.get(token, &format!("/timeline/buckets?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{library}");
    assert_eq!(library, expected, "library, {query}");
    let (status, in_album) = s
        .get(token, &format!("/timeline/buckets?albumId={album}&{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{in_album}");
    assert_eq!(in_album, expected, "album, {query}");
}

async fn bucket_counts_follow_every_change(s: &TestServer) {
    let token = s.admin().await;
    let a = photo_at(s, &token, "a", "2023-05-02T10:00:00.000Z").await;
    let b = photo_at(s, &token, "b", "2023-05-10T10:00:00.000Z").await;
    let c = photo_at(s, &token, "c", "2023-05-20T10:00:00.000Z").await;
    let d = photo_at(s, &token, "d", "2023-06-05T10:00:00.000Z").await;
    metadata_settles(s, &token).await;
    let (_, album) = s
        .post(
            &token,
            "/albums",
            json!({"albumName": "Everything", "assetIds": [a, b, c, d]}),
        )
        .await;
    let album = album["id"].as_str().unwrap().to_string();
    let check = |query: &'static str, expected: Value| {
        let (token, album) = (token.clone(), album.clone());
        async move { assert_buckets(s, &token, &album, query, expected).await }
    };
    check(
        "",
        json!([{"timeBucket": "2023-06-01", "count": 1}, {"timeBucket": "2023-05-01", "count": 3}]),
    )
    .await;

    s.put(&token, &format!("/assets/{a}"), json!({"isFavorite": true}))
        .await;
    check(
        "isFavorite=true",
        json!([{"timeBucket": "2023-05-01", "count": 1}]),
    )
    .await;
    check(
        "isFavorite=false",
        json!([{"timeBucket": "2023-06-01", "count": 1}, {"timeBucket": "2023-05-01", "count": 2}]),
    )
    .await;

    s.put(
        &token,
        &format!("/assets/{b}"),
        json!({"visibility": "archive"}),
    )
    .await;
    check(
        "visibility=timeline",
        json!([{"timeBucket": "2023-06-01", "count": 1}, {"timeBucket": "2023-05-01", "count": 2}]),
    )
    .await;
    check(
        "visibility=archive",
        json!([{"timeBucket": "2023-05-01", "count": 1}]),
    )
    .await;

    let (status, body) = s
        .put(
            &token,
            &format!("/assets/{c}"),
            json!({"dateTimeOriginal": "2022-12-24T10:00:00.000Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check(
        "",
        json!([
            {"timeBucket": "2023-06-01", "count": 1},
            {"timeBucket": "2023-05-01", "count": 2},
            {"timeBucket": "2022-12-01", "count": 1}
        ]),
    )
    .await;
    check(
        "order=asc",
        json!([
            {"timeBucket": "2022-12-01", "count": 1},
            {"timeBucket": "2023-05-01", "count": 2},
            {"timeBucket": "2023-06-01", "count": 1}
        ]),
    )
    .await;

    s.delete(&token, "/assets", Some(json!({"ids": [d]}))).await;
    check(
        "",
        json!([{"timeBucket": "2023-05-01", "count": 2}, {"timeBucket": "2022-12-01", "count": 1}]),
    )
    .await;
    check(
        "isTrashed=true",
        json!([{"timeBucket": "2023-06-01", "count": 1}]),
    )
    .await;

    let (status, body) = s
        .post(&token, "/trash/restore/assets", json!({"ids": [d]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check("isTrashed=true", json!([])).await;
    check(
        "",
        json!([
            {"timeBucket": "2023-06-01", "count": 1},
            {"timeBucket": "2023-05-01", "count": 2},
            {"timeBucket": "2022-12-01", "count": 1}
        ]),
    )
    .await;

    let (status, body) = s
        .delete(&token, "/assets", Some(json!({"ids": [a], "force": true})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    check("isFavorite=true", json!([])).await;
    check(
        "",
        json!([
            {"timeBucket": "2023-06-01", "count": 1},
            {"timeBucket": "2023-05-01", "count": 1},
            {"timeBucket": "2022-12-01", "count": 1}
        ]),
    )
    .await;
}

/// Within a month, assets go by local day, then by the instant they were
/// taken: neither the local time alone nor the instant alone gives this order.
async fn bucket_orders_by_local_day_then_time_taken(s: &TestServer) {
    let token = s.admin().await;
    // Uploaded at the instants the edits below give them, so the order holds
    // whether an edit of the date also moves fileCreatedAt or not.
    let x = photo_at(s, &token, "x", "2023-05-02T20:00:00.000Z").await;
    let y = photo_at(s, &token, "y", "2023-05-02T22:00:00.000Z").await;
    let z = photo_at(s, &token, "z", "2023-05-02T09:00:00.000Z").await;
    metadata_settles(s, &token).await;
    for (id, taken) in [
        (&x, "2023-05-03T06:00:00+10:00"),
        (&y, "2023-05-02T08:00:00-14:00"),
    ] {
        let (status, body) = s
            .put(
                &token,
                &format!("/assets/{id}"),
                json!({"dateTimeOriginal": taken}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, bucket) = s
        .get(&token, "/timeline/bucket?timeBucket=2023-05-01")
        .await;
    assert_eq!(status, StatusCode::OK, "{bucket}");
    assert_eq!(ids(&bucket), vec![x.clone(), y.clone(), z.clone()]);
    assert_eq!(bucket["localOffsetHours"], json!([10.0, -14.0, 0.0]));
    let (_, ascending) = s
        .get(&token, "/timeline/bucket?timeBucket=2023-05-01&order=asc")
        .await;
    assert_eq!(ids(&ascending), vec![z, y, x]);
}

async fn bucket_coordinates_are_exact_after_an_edit(s: &TestServer) {
    let token = s.admin().await;
    let paris = photo_at(s, &token, "paris", "2023-05-03T10:00:00.000Z").await;
    let equator = photo_at(s, &token, "equator", "2023-05-02T10:00:00.000Z").await;
    metadata_settles(s, &token).await;
    // 17 significant digits, and an exact zero: both must come back bit for bit.
    for (id, lat, lon) in [
        (&paris, 48.85661400000001, 2.3522219),
        (&equator, 0.0, -78.4678382),
    ] {
        let (status, body) = s
            .put(
                &token,
                &format!("/assets/{id}"),
                json!({"latitude": lat, "longitude": lon}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, bucket) = s
        .get(
            &token,
            "/timeline/bucket?timeBucket=2023-05-01&withCoordinates=true",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bucket}");
    assert_eq!(ids(&bucket), vec![paris, equator]);
    assert_eq!(bucket["latitude"], json!([48.85661400000001, 0.0]));
    assert_eq!(bucket["longitude"], json!([2.3522219, -78.4678382]));
    assert_eq!(bucket["city"], json!([null, null]));
    let (_, plain) = s
        .get(&token, "/timeline/bucket?timeBucket=2023-05-01")
        .await;
    assert!(plain.get("latitude").is_none(), "{plain}");
}
