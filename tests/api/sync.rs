//! The mobile app's sync stream (`/sync/stream`, `/sync/ack`), driven as the app drives it:
//! one ack per run of same-type lines, the run's last.

use serde_json::{Value, json};
use shoebox_store::sync::{SyncRange, SyncSource};
use shoebox_tests::{
    Backend, SYNC_APP_TYPES as APP_TYPES, StatusCode, TestDatabase, TestServer, assert_error,
    stories,
};

stories!(
    first_sync_sends_the_user_their_assets_and_exif_then_completes,
    an_acknowledged_sync_sends_only_what_changed_since,
    trash_is_an_update_and_purge_a_delete,
    an_album_member_receives_the_album_its_owner_and_its_assets,
    a_member_removed_from_an_album_gets_the_album_deleted,
    a_partner_added_after_the_first_sync_is_backfilled,
    a_client_that_leaves_mid_stream_loses_nothing,
    reset_on_request_and_when_the_session_is_flagged,
    acks_are_validated_and_api_keys_may_not_sync,
    deprecated_and_unknown_request_types_are_refused_before_any_line,
    asset_metadata_set_by_the_app_syncs_to_its_owner,
);

/// The lines of one stream, parsed; panics on a non-200 answer or a malformed line.
async fn stream(s: &TestServer, token: &str, types: &[&str], reset: bool) -> Vec<Value> {
    let res = s
        .client
        .post(s.url("/sync/stream"))
        .bearer_auth(token)
        .json(&json!({"types": types, "reset": reset}))
        .send()
        .await
        .expect("stream answers");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/jsonlines+json",
        "content type"
    );
    let text = res.text().await.expect("body");
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
            assert_eq!(keys.len(), 3, "{l}");
            assert!(
                v["type"].is_string() && v["ack"].is_string() && v["data"].is_object(),
                "{l}"
            );
            v
        })
        .collect()
}

/// Acks as the app does: the last ack of each run of lines of one type.
async fn ack_like_the_app(s: &TestServer, token: &str, lines: &[Value]) {
    let mut i = 0;
    while i < lines.len() {
        let kind = &lines[i]["type"];
        let mut j = i;
        while j + 1 < lines.len() && &lines[j + 1]["type"] == kind {
            j += 1;
        }
        let (status, body) = s
            .post(token, "/sync/ack", json!({"acks": [lines[j]["ack"]]}))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        i = j + 1;
    }
}

/// One sync as the app does it: stream, then ack. Jobs settle first: a change waits for
/// the writes that began before it (see docs/sync.md), so a job mid-write delays it.
async fn sync(s: &TestServer, token: &str) -> Vec<Value> {
    let admin = s.login("admin@example.com", "admin-password").await;
    settle(s, &admin).await;
    let lines = stream(s, token, APP_TYPES, false).await;
    ack_like_the_app(s, token, &lines).await;
    lines
}

fn of_type<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["type"] == kind).collect()
}

fn types(lines: &[Value]) -> Vec<&str> {
    lines.iter().map(|l| l["type"].as_str().unwrap()).collect()
}

async fn settle(s: &TestServer, token: &str) {
    for q in [
        "metadataExtraction",
        "thumbnailGeneration",
        "sidecar",
        "backgroundTask",
    ] {
        s.queue_settles(token, q).await;
    }
}

async fn first_sync_sends_the_user_their_assets_and_exif_then_completes(s: &TestServer) {
    let admin = s.admin().await;
    let asset = s.upload_photo(&admin, "first").await;
    settle(s, &admin).await;
    let lines = sync(s, &admin).await;
    let kinds = types(&lines);
    assert_eq!(kinds.last(), Some(&"SyncCompleteV1"), "{kinds:?}");
    // Users before their assets, assets before their EXIF.
    let pos = |k: &str| {
        kinds
            .iter()
            .position(|x| *x == k)
            .unwrap_or_else(|| panic!("{k} in {kinds:?}"))
    };
    assert!(pos("AuthUserV1") < pos("UserV1") && pos("UserV1") < pos("AssetV2"));
    assert!(pos("AssetV2") < pos("AssetExifV1"));
    let a = of_type(&lines, "AssetV2");
    assert_eq!(a.len(), 1);
    let data = &a[0]["data"];
    assert_eq!(data["id"], asset.as_str());
    assert_eq!(data["type"], "IMAGE");
    assert_eq!(data["visibility"], "timeline");
    assert!(data["deletedAt"].is_null() && data["libraryId"].is_null());
    assert!(data["checksum"].is_string());
    let exif = of_type(&lines, "AssetExifV1");
    assert_eq!(exif[0]["data"]["assetId"], asset.as_str());
    let auth = of_type(&lines, "AuthUserV1");
    assert_eq!(auth[0]["data"]["email"], "admin@example.com");
    assert_eq!(auth[0]["data"]["isAdmin"], true);
    // The checkpoints are what was acked.
    let (status, acks) = s.get(&admin, "/sync/ack").await;
    assert_eq!(status, StatusCode::OK);
    let acked: Vec<&str> = acks
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert!(
        acked.contains(&"AssetV2") && acked.contains(&"SyncCompleteV1"),
        "{acked:?}"
    );
}

async fn an_acknowledged_sync_sends_only_what_changed_since(s: &TestServer) {
    let admin = s.admin().await;
    let a = s.upload_photo(&admin, "one").await;
    let _b = s.upload_photo(&admin, "two").await;
    settle(s, &admin).await;
    sync(s, &admin).await;
    // Nothing changed: only the end of the stream.
    let again = sync(s, &admin).await;
    assert_eq!(types(&again), vec!["SyncCompleteV1"], "{again:?}");
    let (status, body) = s
        .put(&admin, &format!("/assets/{a}"), json!({"isFavorite": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let changed = sync(s, &admin).await;
    let assets = of_type(&changed, "AssetV2");
    assert_eq!(assets.len(), 1, "{changed:?}");
    assert_eq!(assets[0]["data"]["id"], a.as_str());
    assert_eq!(assets[0]["data"]["isFavorite"], true);
    // The EXIF did not change, so no EXIF line is sent again.
    assert!(of_type(&changed, "AssetExifV1").is_empty(), "{changed:?}");
}

async fn trash_is_an_update_and_purge_a_delete(s: &TestServer) {
    let admin = s.admin().await;
    let a = s.upload_photo(&admin, "doomed").await;
    settle(s, &admin).await;
    sync(s, &admin).await;
    let (status, _) = s.delete(&admin, "/assets", Some(json!({"ids": [a]}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let trashed = sync(s, &admin).await;
    let assets = of_type(&trashed, "AssetV2");
    assert_eq!(assets.len(), 1, "{trashed:?}");
    assert!(assets[0]["data"]["deletedAt"].is_string());
    assert!(of_type(&trashed, "AssetDeleteV1").is_empty());
    let (status, _) = s
        .delete(&admin, "/assets", Some(json!({"ids": [a], "force": true})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let purged = sync(s, &admin).await;
    let deletes = of_type(&purged, "AssetDeleteV1");
    assert_eq!(deletes.len(), 1, "{purged:?}");
    assert_eq!(deletes[0]["data"], json!({"assetId": a}));
    // Deletes of a type come before its upserts.
    assert_eq!(types(&purged).last(), Some(&"SyncCompleteV1"));
}

async fn share_album(s: &TestServer, owner: &str, member_id: &str, assets: &[&str]) -> String {
    let (status, album) = s
        .post(
            owner,
            "/albums",
            json!({"albumName": "Trip", "assetIds": assets,
                   "albumUsers": [{"userId": member_id, "role": "viewer"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{album}");
    album["id"].as_str().unwrap().to_string()
}

async fn an_album_member_receives_the_album_its_owner_and_its_assets(s: &TestServer) {
    let admin = s.admin().await;
    let (bob_id, bob) = s.user(&admin, "bob@example.com").await;
    let photo = s.upload_photo(&admin, "shared").await;
    settle(s, &admin).await;
    sync(s, &bob).await;
    let album = share_album(s, &admin, &bob_id, &[&photo]).await;
    let lines = sync(s, &bob).await;
    let albums = of_type(&lines, "AlbumV2");
    assert_eq!(albums.len(), 1, "{lines:?}");
    assert_eq!(albums[0]["data"]["id"], album.as_str());
    assert!(albums[0]["data"].get("ownerId").is_none());
    let members = of_type(&lines, "AlbumUserV1");
    let roles: Vec<(&str, &str)> = members
        .iter()
        .map(|m| {
            (
                m["data"]["userId"].as_str().unwrap(),
                m["data"]["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(roles.contains(&(&bob_id, "viewer")), "{roles:?}");
    assert!(roles.iter().any(|(_, r)| *r == "owner"), "{roles:?}");
    let created = of_type(&lines, "AlbumAssetCreateV2");
    assert_eq!(created.len(), 1, "{lines:?}");
    assert_eq!(created[0]["data"]["id"], photo.as_str());
    // Someone else's favourite is not theirs to know.
    assert_eq!(created[0]["data"]["isFavorite"], false);
    let links = of_type(&lines, "AlbumToAssetV1");
    assert_eq!(
        links[0]["data"],
        json!({"albumId": album, "assetId": photo})
    );
    // The album precedes its links; the update checkpoint moves before the first create.
    let kinds = types(&lines);
    let first_create = kinds
        .iter()
        .position(|k| *k == "AlbumAssetCreateV2")
        .unwrap();
    assert_eq!(kinds[first_create - 1], "SyncAckV1", "{kinds:?}");
    assert!(
        lines[first_create - 1]["ack"]
            .as_str()
            .unwrap()
            .starts_with("AlbumAssetUpdateV2|")
    );
    // A change to the shared asset reaches the member as an update.
    s.put(
        &admin,
        &format!("/assets/{photo}"),
        json!({"isFavorite": true, "description": "sea"}),
    )
    .await;
    let later = sync(s, &bob).await;
    let updated = of_type(&later, "AlbumAssetUpdateV2");
    assert_eq!(updated.len(), 1, "{later:?}");
    assert_eq!(updated[0]["data"]["isFavorite"], false);
    let exif = of_type(&later, "AlbumAssetExifUpdateV1");
    assert_eq!(exif[0]["data"]["description"], "sea");
}

async fn a_member_removed_from_an_album_gets_the_album_deleted(s: &TestServer) {
    let admin = s.admin().await;
    let (bob_id, bob) = s.user(&admin, "bob@example.com").await;
    let (carol_id, carol) = s.user(&admin, "carol@example.com").await;
    let photo = s.upload_photo(&admin, "shared").await;
    let album = share_album(s, &admin, &bob_id, &[&photo]).await;
    let (status, body) = s
        .put(
            &admin,
            &format!("/albums/{album}/users"),
            json!({"albumUsers": [{"userId": carol_id, "role": "editor"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sync(s, &bob).await;
    sync(s, &carol).await;
    let (status, body) = s
        .delete(&admin, &format!("/albums/{album}/user/{bob_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let bob_lines = sync(s, &bob).await;
    assert_eq!(
        of_type(&bob_lines, "AlbumDeleteV1")[0]["data"],
        json!({"albumId": album})
    );
    assert!(
        of_type(&bob_lines, "AlbumUserDeleteV1").is_empty(),
        "{bob_lines:?}"
    );
    let carol_lines = sync(s, &carol).await;
    assert_eq!(
        of_type(&carol_lines, "AlbumUserDeleteV1")[0]["data"],
        json!({"albumId": album, "userId": bob_id})
    );
    // Deleting the album reaches everyone still in it.
    let (status, _) = s.delete(&admin, &format!("/albums/{album}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let carol_lines = sync(s, &carol).await;
    assert_eq!(
        of_type(&carol_lines, "AlbumDeleteV1").len(),
        1,
        "{carol_lines:?}"
    );
}

async fn a_partner_added_after_the_first_sync_is_backfilled(s: &TestServer) {
    let admin = s.admin().await;
    let (bob_id, bob) = s.user(&admin, "bob@example.com").await;
    let (_, carol) = s.user(&admin, "carol@example.com").await;
    let old = s.upload_photo(&admin, "old").await;
    settle(s, &admin).await;
    // Bob already syncs a partner's (Carol's) library when the admin shares with him.
    s.upload_photo(&carol, "carols").await;
    settle(s, &admin).await;
    let (status, body) = s
        .post(&carol, "/partners", json!({"sharedWithId": bob_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let first = sync(s, &bob).await;
    assert_eq!(of_type(&first, "PartnerAssetV2").len(), 1, "{first:?}");
    assert!(
        of_type(&first, "PartnerAssetBackfillV2").is_empty(),
        "{first:?}"
    );
    let (status, body) = s
        .post(&admin, "/partners", json!({"sharedWithId": bob_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let lines = sync(s, &bob).await;
    let backfilled = of_type(&lines, "PartnerAssetBackfillV2");
    assert_eq!(backfilled.len(), 1, "{lines:?}");
    assert_eq!(backfilled[0]["data"]["id"], old.as_str());
    let marks: Vec<&str> = of_type(&lines, "SyncAckV1")
        .iter()
        .map(|l| l["ack"].as_str().unwrap())
        .filter(|a| a.starts_with("PartnerAssetBackfillV2|"))
        .collect();
    assert!(
        marks.iter().all(|a| a.ends_with("|complete")) && !marks.is_empty(),
        "{marks:?}"
    );
    assert_eq!(
        of_type(&lines, "PartnerAssetExifBackfillV1").len(),
        1,
        "{lines:?}"
    );
    // Once acknowledged, the backfill is not sent again.
    let again = sync(s, &bob).await;
    assert!(
        of_type(&again, "PartnerAssetBackfillV2").is_empty(),
        "{again:?}"
    );
}

async fn a_client_that_leaves_mid_stream_loses_nothing(s: &TestServer) {
    let admin = s.admin().await;
    for i in 0..5 {
        s.upload_photo(&admin, &format!("p{i}")).await;
    }
    settle(s, &admin).await;
    // Read the first two asset lines, ack the first, then hang up.
    let lines = stream(s, &admin, &["AssetsV2"], false).await;
    let assets = of_type(&lines, "AssetV2");
    assert_eq!(assets.len(), 5);
    s.post(&admin, "/sync/ack", json!({"acks": [assets[1]["ack"]]}))
        .await;
    let rest = stream(s, &admin, &["AssetsV2"], false).await;
    let ids: Vec<&Value> = of_type(&rest, "AssetV2")
        .iter()
        .map(|l| &l["data"]["id"])
        .collect();
    let expected: Vec<&Value> = assets[2..].iter().map(|l| &l["data"]["id"]).collect();
    assert_eq!(ids, expected);
    // An aborted request (the body never read) moves nothing either.
    let res = s
        .client
        .post(s.url("/sync/stream"))
        .bearer_auth(&admin)
        .json(&json!({"types": ["AssetsV2"]}))
        .send()
        .await
        .unwrap();
    drop(res);
    let after = stream(s, &admin, &["AssetsV2"], false).await;
    assert_eq!(of_type(&after, "AssetV2").len(), 3);
}

async fn reset_on_request_and_when_the_session_is_flagged(s: &TestServer) {
    let admin = s.admin().await;
    s.upload_photo(&admin, "kept").await;
    sync(s, &admin).await;
    // reset: true starts over from nothing.
    let full = stream(s, &admin, &["AssetsV2"], true).await;
    assert_eq!(of_type(&full, "AssetV2").len(), 1);
    // A flagged session answers only SyncResetV1 until the app acks it.
    let (_, sessions) = s.get(&admin, "/sessions").await;
    let me = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["current"] == true)
        .unwrap();
    let path = format!("/sessions/{}", me["id"].as_str().unwrap());
    let (status, body) = s
        .put(&admin, &path, json!({"isPendingSyncReset": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["isPendingSyncReset"], true);
    let (status, body) = s.put(&admin, &path, json!({})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let reset = stream(s, &admin, APP_TYPES, false).await;
    assert_eq!(
        reset,
        vec![json!({"type": "SyncResetV1", "data": {}, "ack": "SyncResetV1|reset"})]
    );
    ack_like_the_app(s, &admin, &reset).await;
    let (_, acks) = s.get(&admin, "/sync/ack").await;
    assert_eq!(acks, json!([]));
    let fresh = sync(s, &admin).await;
    assert_eq!(of_type(&fresh, "AssetV2").len(), 1);
}

async fn acks_are_validated_and_api_keys_may_not_sync(s: &TestServer) {
    let admin = s.admin().await;
    let too_many: Vec<String> = (0..1001).map(|i| format!("AssetV2|0-{i}")).collect();
    let (status, body) = s.post(&admin, "/sync/ack", json!({"acks": too_many})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(&admin, "/sync/ack", json!({"acks": ["NopeV1|0-1"]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Invalid ack type: NopeV1");
    let (status, body) = s
        .post(&admin, "/sync/ack", json!({"acks": ["AssetV2|garbage"]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // Nothing of a refused request was kept.
    let (_, acks) = s.get(&admin, "/sync/ack").await;
    assert_eq!(acks, json!([]));
    // Acks of types never requested are kept, as Immich keeps them; deleting them works.
    let (status, _) = s
        .post(
            &admin,
            "/sync/ack",
            json!({"acks": ["PersonV1|0-5", "PersonV1|0-3"]}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, acks) = s.get(&admin, "/sync/ack").await;
    assert_eq!(acks, json!([{"type": "PersonV1", "ack": "PersonV1|0-5"}]));
    let (status, _) = s
        .delete(
            &admin,
            "/sync/ack",
            Some(json!({"types": ["AlbumV1", "PersonV1"]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, acks) = s.get(&admin, "/sync/ack").await;
    assert_eq!(acks, json!([]));
    let (status, body) = s
        .delete(&admin, "/sync/ack", Some(json!({"types": ["Nope"]})))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // API keys: Immich's 403.
    let (_, key) = s.api_key(&admin, &["all"]).await;
    for (method, path, body) in [
        (
            reqwest::Method::POST,
            "/sync/stream",
            json!({"types": ["AssetsV2"]}),
        ),
        (reqwest::Method::POST, "/sync/ack", json!({"acks": []})),
        (reqwest::Method::GET, "/sync/ack", Value::Null),
    ] {
        let body = (!body.is_null()).then_some(body);
        let (status, answer) = s.with_key(&key, method, path, body).await;
        assert_error(status, &answer, StatusCode::FORBIDDEN);
        assert_eq!(
            answer["message"],
            "Sync endpoints cannot be used with API keys"
        );
    }
}

async fn deprecated_and_unknown_request_types_are_refused_before_any_line(s: &TestServer) {
    let admin = s.admin().await;
    let (status, body) = s
        .post(
            &admin,
            "/sync/stream",
            json!({"types": ["AuthUsersV1", "AssetsV1"]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "SyncRequestType.AssetsV1 is deprecated, use SyncRequestType.AssetsV2 instead"
    );
    let (status, body) = s
        .post(&admin, "/sync/stream", json!({"types": ["TagsV9"]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.post(&admin, "/sync/stream", json!({})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // No types: just the end of the stream.
    let lines = stream(s, &admin, &[], false).await;
    assert_eq!(types(&lines), vec!["SyncCompleteV1"]);
}

async fn read_users(
    store: &shoebox_store::Store,
    me: uuid::Uuid,
    after: Option<shoebox_store::sync::SyncPosition>,
) -> Vec<shoebox_store::sync::PositionedRow> {
    let horizon = store.sync.horizon().await.unwrap();
    let range = SyncRange {
        after,
        through: None,
        horizon,
    };
    let audience = store.sync.audience(me).await.unwrap();
    let rows: Vec<_> =
        futures_util::StreamExt::collect(store.sync.rows(&audience, SyncSource::Users, range))
            .await;
    rows.into_iter().map(|r| r.unwrap()).collect()
}

/// The proof that no change is skipped on PostgreSQL: a write whose transaction is still
/// open when a stream starts cannot be overtaken by later writes the client acknowledges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_committed_late_is_not_skipped_on_postgres() {
    use sqlx::Connection;
    let db = TestDatabase::open(Backend::Postgres).await;
    let mut slow = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut fast = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let now = "2026-01-01T00:00:00.000Z";
    for (id, name) in [
        ("00000000-0000-0000-0000-00000000000a", "a"),
        ("00000000-0000-0000-0000-00000000000b", "b"),
    ] {
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, profile_changed_at, created_at, updated_at) \
             VALUES ($1, $2, $3, '', $4, $4, $4)",
        )
        .bind(id)
        .bind(format!("{name}@example.com"))
        .bind(name)
        .bind(now)
        .execute(&mut fast)
        .await
        .unwrap();
    }
    let me: uuid::Uuid = "00000000-0000-0000-0000-00000000000a".parse().unwrap();
    let read = |after| read_users(&db.store, me, after);
    let first = read(None).await;
    assert_eq!(first.len(), 2);
    let mut checkpoint = first.last().map(|r| r.position);

    // The slow writer takes its position first and commits last.
    sqlx::query("BEGIN").execute(&mut slow).await.unwrap();
    sqlx::query("UPDATE users SET name = 'a2' WHERE email = 'a@example.com'")
        .execute(&mut slow)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET name = 'b2' WHERE email = 'b@example.com'")
        .execute(&mut fast)
        .await
        .unwrap();
    let during = read(checkpoint).await;
    // The fast write waits behind the open transaction: acknowledging it now would let the
    // client's checkpoint pass the slow write.
    assert!(during.is_empty(), "{during:?}");
    if let Some(last) = during.last() {
        checkpoint = Some(last.position);
    }
    sqlx::query("COMMIT").execute(&mut slow).await.unwrap();
    let after = read(checkpoint).await;
    let names: Vec<String> = after
        .iter()
        .map(|r| match &r.row {
            shoebox_store::sync::SyncRow::User(u) => u.name.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"a2".to_string()) && names.contains(&"b2".to_string()));
}

async fn asset_metadata_set_by_the_app_syncs_to_its_owner(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let a = s.upload_photo(&admin, "icloud").await;
    sync(s, &admin).await;
    let value = json!({"iCloudId": "abc", "createdAt": "2024-01-01", "adjustmentTime": "", "latitude": "1", "longitude": "2"});
    let (status, body) = s
        .put(
            &admin,
            "/assets/metadata",
            json!({"items": [{"assetId": a, "key": "mobile-app", "value": value}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["assetId"], a.as_str());
    assert!(body[0]["updatedAt"].is_string());
    let lines = sync(s, &admin).await;
    let meta = of_type(&lines, "AssetMetadataV1");
    assert_eq!(meta.len(), 1, "{lines:?}");
    assert_eq!(
        meta[0]["data"],
        json!({"assetId": a, "key": "mobile-app", "value": value})
    );
    let (status, one) = s
        .get(&admin, &format!("/assets/{a}/metadata/mobile-app"))
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["value"], value);
    let (status, missing) = s.get(&admin, &format!("/assets/{a}/metadata/nope")).await;
    assert_error(status, &missing, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing["message"],
        format!("Metadata with key \"nope\" not found for asset with id \"{a}\"")
    );
    // Refused: duplicates, values that are not objects, someone else's asset.
    let dup = json!({"items": [{"assetId": a, "key": "k", "value": {}}, {"assetId": a, "key": "k", "value": {}}]});
    let (status, body) = s.put(&admin, "/assets/metadata", dup).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let scalar = json!({"items": [{"assetId": a, "key": "k", "value": 5}]});
    let (status, body) = s.put(&admin, "/assets/metadata", scalar).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let theirs = json!({"items": [{"assetId": a, "key": "k", "value": {}}]});
    let (status, body) = s.put(&bob, "/assets/metadata", theirs).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Not found or no asset.update access");
    // Deleting reaches the phone as a delete line.
    let (status, _) = s
        .delete(
            &admin,
            "/assets/metadata",
            Some(json!({"items": [{"assetId": a, "key": "mobile-app"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let lines = sync(s, &admin).await;
    assert_eq!(
        of_type(&lines, "AssetMetadataDeleteV1")[0]["data"],
        json!({"assetId": a, "key": "mobile-app"})
    );
}
