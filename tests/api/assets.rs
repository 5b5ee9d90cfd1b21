use base64::Engine;
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, sha1_hex, stories};

stories!(
    same_bytes_uploaded_twice_is_one_asset_and_a_duplicate,
    same_bytes_from_two_users_are_two_assets,
    asset_reports_its_type_name_checksum_and_dates,
    video_extension_makes_a_video_asset,
    malformed_asset_id_is_400,
    unknown_asset_id_is_400_not_found,
    another_users_asset_reads_as_not_found,
    album_member_can_read_a_shared_asset_but_not_change_it,
    update_asset_sets_favorite_description_rating_and_location,
    update_asset_date_time_original_keeps_its_offset,
    location_set_after_edits_without_one_is_saved,
    update_asset_rejects_bad_values_and_changes_nothing,
    bulk_update_changes_every_listed_asset,
    bulk_update_with_a_foreign_id_changes_nothing,
    delete_moves_to_trash_then_force_deletes_the_file,
    deleting_someone_elses_asset_is_refused,
    asset_statistics_count_by_type_with_filters,
    bulk_upload_check_accepts_new_and_rejects_known_checksums,
    bulk_upload_check_rejects_a_malformed_checksum,
    bulk_upload_check_ignores_other_users_assets,
    bulk_upload_check_reports_trashed_duplicates,
);

fn base64_sha1(bytes: &[u8]) -> String {
    let raw = hex::decode(sha1_hex(bytes)).unwrap();
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// A few bytes an MP4 starts with.
fn fake_mp4(seed: &str) -> Vec<u8> {
    let mut bytes = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    bytes.extend_from_slice(seed.as_bytes());
    bytes.extend(std::iter::repeat_n(0x11, 512));
    bytes
}

async fn asset(s: &TestServer, token: &str, id: &str) -> Value {
    let (status, body) = s.get(token, &format!("/assets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn same_bytes_uploaded_twice_is_one_asset_and_a_duplicate(s: &TestServer) {
    let token = s.admin().await;
    let (status, first) = s.upload(&token, "a.jpg", fake_jpeg("a")).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["status"], "created");
    let (status, second) = s.upload(&token, "copy.jpg", fake_jpeg("a")).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["status"], "duplicate");
    assert_eq!(second["id"], first["id"]);
    assert_eq!(s.stored_files().len(), 1, "{:?}", s.stored_files());
}

async fn same_bytes_from_two_users_are_two_assets(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let mine = s.upload_photo(&admin, "same").await;
    let theirs = s.upload_photo(&user, "same").await;
    assert_ne!(mine, theirs);
    assert_eq!(s.stored_files().len(), 2);
}

async fn asset_reports_its_type_name_checksum_and_dates(s: &TestServer) {
    let token = s.admin().await;
    let (_, me) = s.get(&token, "/users/me").await;
    let bytes = fake_jpeg("fields");
    let (status, created) = s.upload(&token, "IMG_0001.JPG", bytes.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let body = asset(s, &token, id).await;
    assert_eq!(body["id"], id);
    assert_eq!(body["ownerId"], me["id"]);
    assert_eq!(body["type"], "IMAGE");
    assert_eq!(body["originalFileName"], "IMG_0001.JPG");
    assert_eq!(body["originalMimeType"], "image/jpeg");
    assert_eq!(body["checksum"], base64_sha1(&bytes));
    assert_eq!(body["fileCreatedAt"], "2024-03-01T10:00:00.000Z");
    assert_eq!(body["fileModifiedAt"], "2024-03-01T10:00:00.000Z");
    assert_eq!(body["localDateTime"], "2024-03-01T10:00:00.000Z");
    assert_eq!(body["isFavorite"], false);
    assert_eq!(body["isTrashed"], false);
    assert_eq!(body["isArchived"], false);
    assert_eq!(body["visibility"], "timeline");
    assert_eq!(body["exifInfo"]["fileSizeInByte"], bytes.len());
    assert_eq!(body["duration"], Value::Null);
    assert!(
        body.get("owner").is_none(),
        "own assets carry no owner: {body}"
    );
}

async fn video_extension_makes_a_video_asset(s: &TestServer) {
    let token = s.admin().await;
    let (status, created) = s.upload(&token, "clip.MOV", fake_mp4("v")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let body = asset(s, &token, created["id"].as_str().unwrap()).await;
    assert_eq!(body["type"], "VIDEO");
    assert_eq!(body["originalMimeType"], "video/quicktime");
    // A movie container saved under an image name is still a video.
    let (status, created) = s.upload(&token, "odd.jpg", fake_mp4("w")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let body = asset(s, &token, created["id"].as_str().unwrap()).await;
    assert_eq!(body["type"], "VIDEO");
}

async fn malformed_asset_id_is_400(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s.get(&token, "/assets/not-a-uuid").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(&token, "/assets/123", json!({"isFavorite": true}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&token, "/assets/zzz/original").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .delete(&token, "/assets", Some(json!({"ids": ["nope"]})))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn unknown_asset_id_is_400_not_found(s: &TestServer) {
    let token = s.admin().await;
    let id = uuid::Uuid::new_v4();
    let (status, body) = s.get(&token, &format!("/assets/{id}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().starts_with("Not found"));
    let (status, body) = s.get(&token, &format!("/assets/{id}/original")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn another_users_asset_reads_as_not_found(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let theirs = s.upload_photo(&admin, "secret-holiday").await;
    let before = asset(s, &admin, &theirs).await;

    let unknown = {
        let (status, body) = s
            .get(&user, &format!("/assets/{}", uuid::Uuid::new_v4()))
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        body["message"].clone()
    };
    let attempts = [
        s.get(&user, &format!("/assets/{theirs}")).await,
        s.put(
            &user,
            &format!("/assets/{theirs}"),
            json!({"isFavorite": true, "description": "mine now"}),
        )
        .await,
        s.put(
            &user,
            "/assets",
            json!({"ids": [theirs], "isFavorite": true}),
        )
        .await,
        s.delete(&user, "/assets", Some(json!({"ids": [theirs]})))
            .await,
        s.delete(
            &user,
            "/assets",
            Some(json!({"ids": [theirs], "force": true})),
        )
        .await,
        s.get(&user, &format!("/assets/{theirs}/original")).await,
    ];
    for (status, body) in attempts {
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with("Not found"), "{message}");
        assert!(!body.to_string().contains("secret-holiday"), "{body}");
    }
    // Reading is indistinguishable from a missing asset.
    let (_, body) = s.get(&user, &format!("/assets/{theirs}")).await;
    assert_eq!(body["message"], unknown);

    let (status, _, bytes) = s
        .download(&user, &format!("/assets/{theirs}/original"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!bytes.windows(14).any(|w| w == b"secret-holiday"));

    let after = asset(s, &admin, &theirs).await;
    assert_eq!(after, before, "nothing changed");
    assert_eq!(s.stored_files().len(), 1);
}

async fn album_member_can_read_a_shared_asset_but_not_change_it(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let shared = s.upload_photo(&admin, "shared").await;
    let (status, album) = s
        .post(
            &admin,
            "/albums",
            json!({
                "albumName": "together",
                "assetIds": [shared],
                "albumUsers": [{"userId": user_id, "role": "editor"}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{album}");

    let body = asset(s, &user, &shared).await;
    assert_eq!(body["owner"]["email"], "admin@example.com");
    let (status, _, bytes) = s
        .download(&user, &format!("/assets/{shared}/original"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, fake_jpeg("shared"));

    let (status, body) = s
        .put(
            &user,
            &format!("/assets/{shared}"),
            json!({"isFavorite": true}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .delete(&user, "/assets", Some(json!({"ids": [shared]})))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let body = asset(s, &admin, &shared).await;
    assert_eq!(body["isFavorite"], false);
    assert_eq!(body["isTrashed"], false);
}

async fn update_asset_sets_favorite_description_rating_and_location(s: &TestServer) {
    let token = s.admin().await;
    let id = s.upload_photo(&token, "edit").await;
    let (status, body) = s
        .put(
            &token,
            &format!("/assets/{id}"),
            json!({
                "isFavorite": true,
                "description": "at the beach",
                "rating": 4,
                "latitude": 48.8584,
                "longitude": 2.2945,
                "visibility": "archive"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["isFavorite"], true);
    assert_eq!(body["isArchived"], true);
    assert_eq!(body["visibility"], "archive");
    assert_eq!(body["exifInfo"]["description"], "at the beach");
    assert_eq!(body["exifInfo"]["rating"], 4);
    assert_eq!(body["exifInfo"]["latitude"], 48.8584);
    assert_eq!(body["exifInfo"]["longitude"], 2.2945);
    assert_eq!(asset(s, &token, &id).await, body);

    // Only the fields sent change; null clears the rating.
    let (status, body) = s
        .put(
            &token,
            &format!("/assets/{id}"),
            json!({"isFavorite": false, "rating": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["isFavorite"], false);
    assert_eq!(body["exifInfo"]["rating"], Value::Null);
    assert_eq!(body["exifInfo"]["description"], "at the beach");
    assert_eq!(body["visibility"], "archive");
}

async fn update_asset_date_time_original_keeps_its_offset(s: &TestServer) {
    let token = s.admin().await;
    let id = s.upload_photo(&token, "dated").await;
    let (status, body) = s
        .put(
            &token,
            &format!("/assets/{id}"),
            json!({"dateTimeOriginal": "2021-07-14T18:30:00+02:00"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["exifInfo"]["dateTimeOriginal"],
        "2021-07-14T16:30:00.000Z"
    );
    assert_eq!(body["exifInfo"]["timeZone"], "UTC+02:00");
    assert_eq!(body["localDateTime"], "2021-07-14T18:30:00.000Z");
    let (status, body) = s
        .put(
            &token,
            &format!("/assets/{id}"),
            json!({"dateTimeOriginal": "2020-01-02T03:04:05-05:30"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["exifInfo"]["timeZone"], "UTC-05:30");
    assert_eq!(
        body["exifInfo"]["dateTimeOriginal"],
        "2020-01-02T08:34:05.000Z"
    );
}

async fn update_asset_rejects_bad_values_and_changes_nothing(s: &TestServer) {
    let token = s.admin().await;
    let id = s.upload_photo(&token, "strict").await;
    let before = asset(s, &token, &id).await;
    for body in [
        json!({"latitude": 91, "longitude": 0}),
        json!({"latitude": -90.5, "longitude": 0}),
        json!({"latitude": 0, "longitude": 180.1}),
        json!({"latitude": 0, "longitude": -181}),
        json!({"latitude": 10}),
        json!({"rating": 6}),
        json!({"rating": -2}),
        json!({"visibility": "everyone"}),
        json!({"isFavorite": "yes"}),
        json!({"dateTimeOriginal": "yesterday"}),
        json!({"isFavorite": true, "rating": 9}),
    ] {
        let (status, answer) = s.put(&token, &format!("/assets/{id}"), body.clone()).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST);
    }
    assert_eq!(asset(s, &token, &id).await, before);
}

async fn bulk_update_changes_every_listed_asset(s: &TestServer) {
    let token = s.admin().await;
    let a = s.upload_photo(&token, "a").await;
    let b = s.upload_photo(&token, "b").await;
    let c = s.upload_photo(&token, "c").await;
    let (status, body) = s
        .put(
            &token,
            "/assets",
            json!({"ids": [a, b], "isFavorite": true, "description": "pair"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    for id in [&a, &b] {
        let body = asset(s, &token, id).await;
        assert_eq!(body["isFavorite"], true);
        assert_eq!(body["exifInfo"]["description"], "pair");
    }
    assert_eq!(asset(s, &token, &c).await["isFavorite"], false);
    let (status, body) = s
        .put(&token, "/assets", json!({"ids": [a], "rating": 7}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn bulk_update_with_a_foreign_id_changes_nothing(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let mine = s.upload_photo(&user, "mine").await;
    let theirs = s.upload_photo(&admin, "theirs").await;
    let (status, body) = s
        .put(
            &user,
            "/assets",
            json!({"ids": [mine, theirs], "isFavorite": true}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(asset(s, &user, &mine).await["isFavorite"], false);
    assert_eq!(asset(s, &admin, &theirs).await["isFavorite"], false);
}

async fn delete_moves_to_trash_then_force_deletes_the_file(s: &TestServer) {
    let token = s.admin().await;
    let id = s.upload_photo(&token, "doomed").await;
    let keep = s.upload_photo(&token, "kept").await;
    let (status, body) = s
        .delete(&token, "/assets", Some(json!({"ids": [id]})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let trashed = asset(s, &token, &id).await;
    assert_eq!(trashed["isTrashed"], true);
    assert_eq!(s.stored_files().len(), 2, "trash keeps the file");
    assert_eq!(s.asset_statistics(&token).await["total"], 1);
    let (_, in_trash) = s.get(&token, "/assets/statistics?isTrashed=true").await;
    assert_eq!(in_trash["images"], 1);

    let (status, body) = s
        .delete(&token, "/assets", Some(json!({"ids": [id], "force": true})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = s.get(&token, &format!("/assets/{id}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let files = s.stored_files();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].contains(&keep), "{files:?}");
    let (_, in_trash) = s.get(&token, "/assets/statistics?isTrashed=true").await;
    assert_eq!(in_trash["total"], 0);
    // The same bytes can come back as a new asset.
    let again = s.upload_photo(&token, "doomed").await;
    assert_ne!(again, id);
}

async fn deleting_someone_elses_asset_is_refused(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let mine = s.upload_photo(&user, "mine").await;
    let theirs = s.upload_photo(&admin, "theirs").await;
    let (status, body) = s
        .delete(
            &user,
            "/assets",
            Some(json!({"ids": [mine, theirs], "force": true})),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(s.stored_files().len(), 2, "neither file went");
    assert_eq!(asset(s, &user, &mine).await["isTrashed"], false);
}

async fn asset_statistics_count_by_type_with_filters(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let fav = s.upload_photo(&user, "fav").await;
    s.upload_photo(&user, "plain").await;
    let archived = s.upload_photo(&user, "archived").await;
    let trashed = s.upload_photo(&user, "trashed").await;
    let (status, _) = s.upload(&user, "v.mp4", fake_mp4("v")).await;
    assert_eq!(status, StatusCode::CREATED);
    let locked = s.upload_photo(&user, "locked").await;
    s.upload_photo(&admin, "someone-else").await;
    for (id, change) in [
        (&fav, json!({"isFavorite": true})),
        (&archived, json!({"visibility": "archive"})),
        (&locked, json!({"visibility": "locked"})),
    ] {
        let (status, body) = s.put(&user, &format!("/assets/{id}"), change).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, _) = s
        .delete(&user, "/assets", Some(json!({"ids": [trashed]})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let user = &user;
    let stats = |q: &'static str| async move {
        let (status, body) = s.get(user, &format!("/assets/statistics{q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        body
    };
    // Timeline and archive count by default; trash and the locked folder do not.
    assert_eq!(
        stats("").await,
        json!({"images": 3, "videos": 1, "total": 4})
    );
    assert_eq!(stats("?isFavorite=true").await["total"], 1);
    assert_eq!(stats("?isFavorite=false").await["total"], 3);
    assert_eq!(stats("?visibility=archive").await["total"], 1);
    assert_eq!(stats("?visibility=timeline").await["images"], 2);
    assert_eq!(stats("?visibility=locked").await["total"], 1);
    assert_eq!(
        stats("?isTrashed=true").await,
        json!({"images": 1, "videos": 0, "total": 1})
    );
    let (status, body) = s.get(user, "/assets/statistics?visibility=public").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(user, "/assets/statistics?isFavorite=often").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn bulk_upload_check_accepts_new_and_rejects_known_checksums(s: &TestServer) {
    let token = s.admin().await;
    let known = fake_jpeg("known");
    let (_, created) = s.upload(&token, "known.jpg", known.clone()).await;
    let fresh = fake_jpeg("fresh");
    let (status, body) = s
        .post(
            &token,
            "/assets/bulk-upload-check",
            json!({"assets": [
                {"id": "/photos/known.jpg", "checksum": sha1_hex(&known)},
                {"id": "/photos/known-b64.jpg", "checksum": base64_sha1(&known)},
                {"id": "/photos/KNOWN-UPPER.jpg", "checksum": sha1_hex(&known).to_uppercase()},
                {"id": "/photos/fresh.jpg", "checksum": sha1_hex(&fresh)},
                {"id": "/photos/fresh-b64.jpg", "checksum": base64_sha1(&fresh)},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for r in &results[..3] {
        assert_eq!(r["action"], "reject", "{r}");
        assert_eq!(r["reason"], "duplicate", "{r}");
        assert_eq!(r["assetId"], created["id"], "{r}");
        assert_eq!(r["isTrashed"], false, "{r}");
    }
    assert_eq!(results[0]["id"], "/photos/known.jpg");
    for r in &results[3..] {
        assert_eq!(r["action"], "accept", "{r}");
        assert!(r.get("assetId").is_none(), "{r}");
    }
    assert_eq!(results[4]["id"], "/photos/fresh-b64.jpg");
    let (status, body) = s
        .post(&token, "/assets/bulk-upload-check", json!({"assets": []}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"results": []}));
}

async fn bulk_upload_check_rejects_a_malformed_checksum(s: &TestServer) {
    let token = s.admin().await;
    for checksum in [
        "abc",
        "zz".repeat(20).as_str(),
        "not base64 at all!!!!!!!!!!!",
        "",
    ] {
        let (status, body) = s
            .post(
                &token,
                "/assets/bulk-upload-check",
                json!({"assets": [
                    {"id": "fine", "checksum": sha1_hex(b"fine")},
                    {"id": "bad", "checksum": checksum},
                ]}),
            )
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let (status, body) = s
        .post(
            &token,
            "/assets/bulk-upload-check",
            json!({"assets": [{"id": "x"}]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn bulk_upload_check_ignores_other_users_assets(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let bytes = fake_jpeg("admins");
    s.upload(&admin, "a.jpg", bytes.clone()).await;
    let (status, body) = s
        .post(
            &user,
            "/assets/bulk-upload-check",
            json!({"assets": [{"id": "a", "checksum": sha1_hex(&bytes)}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["action"], "accept");
    assert!(body["results"][0].get("assetId").is_none());
}

async fn bulk_upload_check_reports_trashed_duplicates(s: &TestServer) {
    let token = s.admin().await;
    let bytes = fake_jpeg("trashed");
    let (_, created) = s.upload(&token, "t.jpg", bytes.clone()).await;
    s.delete(&token, "/assets", Some(json!({"ids": [created["id"]]})))
        .await;
    let (_, body) = s
        .post(
            &token,
            "/assets/bulk-upload-check",
            json!({"assets": [{"id": "t", "checksum": base64_sha1(&bytes)}]}),
        )
        .await;
    assert_eq!(body["results"][0]["action"], "reject");
    assert_eq!(body["results"][0]["isTrashed"], true);
    assert_eq!(body["results"][0]["assetId"], created["id"]);
}

/// Edits without a location bind NULL coordinates; on PostgreSQL a later edit with one, on
/// the same pooled connection and statement, must still be accepted (sqlx 0.9 typed NULL
/// doubles as float4, which poisoned the prepared statement).
async fn location_set_after_edits_without_one_is_saved(s: &TestServer) {
    let token = s.admin().await;
    for round in 0..4 {
        let id = s.upload_photo(&token, &format!("place-{round}")).await;
        let (status, body) = s
            .put(
                &token,
                &format!("/assets/{id}"),
                json!({"isFavorite": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = s
            .put(
                &token,
                &format!("/assets/{id}"),
                json!({"latitude": 48.8584, "longitude": 2.2945}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "round {round}: {body}");
        assert_eq!(body["exifInfo"]["latitude"], 48.8584);
    }
}
