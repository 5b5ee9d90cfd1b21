//! Tags: a user's hierarchical labels, on assets by hand or from a file's
//! keywords, and as timeline and search filters that take in the tags below.

use std::path::Path;
use std::process::Command;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories};

stories!(
    created_tag_under_a_parent_gets_the_parents_path,
    upsert_creates_every_level_and_returns_the_last_ones,
    a_tag_path_exists_once_per_user,
    colors_are_checked_and_stored_with_a_hash,
    update_changes_only_the_color,
    deleting_a_tag_deletes_the_tags_below_and_untags_assets,
    tagging_assets_reports_a_result_per_id,
    bulk_tagging_counts_only_new_links_on_own_assets,
    another_users_tag_reads_as_missing,
    tags_need_their_permissions,
    single_asset_view_lists_its_tags,
    timeline_tag_filter_takes_in_the_tags_below,
    search_by_tags_needs_every_tag_and_null_finds_untagged,
    keywords_in_an_uploaded_jpeg_become_tags_at_every_level,
);

async fn upsert(s: &TestServer, token: &str, paths: &[&str]) -> Vec<Value> {
    let (status, body) = s.put(token, "/tags", json!({ "tags": paths })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

/// Creates the path and returns the id of its last level.
async fn tag(s: &TestServer, token: &str, path: &str) -> String {
    id_of(&upsert(s, token, &[path]).await[0])
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn values(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["value"].as_str().unwrap().to_string())
        .collect()
}

async fn tag_values(s: &TestServer, token: &str) -> Vec<String> {
    let (status, tags) = s.get(token, "/tags").await;
    assert_eq!(status, StatusCode::OK, "{tags}");
    values(&tags)
}

async fn asset_tag_values(s: &TestServer, token: &str, asset: &str) -> Vec<String> {
    let (status, body) = s.get(token, &format!("/assets/{asset}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    values(&body["tags"])
}

async fn put_on(s: &TestServer, token: &str, tag: &str, assets: &[&str]) -> Value {
    let (status, results) = s
        .put(
            token,
            &format!("/tags/{tag}/assets"),
            json!({ "ids": assets }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    results
}

/// The `error` of each per-id result, `"ok"` for successes, in request order.
fn outcomes(results: &Value) -> Vec<String> {
    results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match r["success"].as_bool() {
            Some(true) => "ok".to_string(),
            _ => r["error"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// Uploads a photo dated `when` and returns its id.
async fn photo_at(s: &TestServer, token: &str, seed: &str, when: &str) -> String {
    let form = Form::new()
        .text("fileCreatedAt", when.to_string())
        .text("fileModifiedAt", when.to_string())
        .part(
            "assetData",
            Part::bytes(fake_jpeg(seed)).file_name(format!("{seed}.jpg")),
        );
    let (status, body) = s.upload_form(token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn created_tag_under_a_parent_gets_the_parents_path(s: &TestServer) {
    let token = s.admin().await;
    let (status, places) = s.post(&token, "/tags", json!({"name": "Places"})).await;
    assert_eq!(status, StatusCode::CREATED, "{places}");
    assert_eq!(places["name"], "Places");
    assert_eq!(places["value"], "Places");
    assert!(places.get("parentId").is_none(), "{places}");
    assert!(places.get("color").is_none(), "{places}");
    assert!(places["createdAt"].as_str().unwrap().ends_with('Z'));

    let (status, paris) = s
        .post(
            &token,
            "/tags",
            json!({"name": "Paris", "parentId": id_of(&places)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paris}");
    assert_eq!(paris["name"], "Paris");
    assert_eq!(paris["value"], "Places/Paris");
    assert_eq!(paris["parentId"], places["id"]);

    let (status, again) = s.get(&token, &format!("/tags/{}", id_of(&paris))).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, paris);
    assert_eq!(tag_values(s, &token).await, ["Places", "Places/Paris"]);
}

async fn upsert_creates_every_level_and_returns_the_last_ones(s: &TestServer) {
    let token = s.admin().await;
    let leaves = upsert(s, &token, &["a/b/c", "x", "a/b/c", "a/b"]).await;
    assert_eq!(values(&json!(leaves)), ["a/b/c", "x", "a/b"]);
    assert_eq!(leaves[0]["name"], "c");
    let (_, all) = s.get(&token, "/tags").await;
    assert_eq!(values(&all), ["a", "a/b", "a/b/c", "x"]);
    let by_value = |v: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|t| t["value"] == v)
            .unwrap()
            .clone()
    };
    assert!(by_value("a").get("parentId").is_none());
    assert_eq!(by_value("a/b")["parentId"], by_value("a")["id"]);
    assert_eq!(by_value("a/b/c")["parentId"], by_value("a/b")["id"]);

    // Upserting again creates nothing; empty levels do not count.
    let again = upsert(s, &token, &["/a//b/c/", "", "/"]).await;
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0]["id"], by_value("a/b/c")["id"]);
    assert_eq!(tag_values(s, &token).await.len(), 4);
}

async fn a_tag_path_exists_once_per_user(s: &TestServer) {
    let admin = s.admin().await;
    let (_, other) = s.user(&admin, "other@example.com").await;
    let (status, a) = s.post(&admin, "/tags", json!({"name": "a"})).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let (status, body) = s.post(&admin, "/tags", json!({"name": "a"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "A tag with that name already exists");

    // The same path reached through a parent is the same tag.
    tag(s, &admin, "a/b").await;
    let (status, body) = s
        .post(&admin, "/tags", json!({"name": "b", "parentId": id_of(&a)}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "A tag with that name already exists");

    let (status, body) = s.post(&admin, "/tags", json!({"name": ""})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.post(&admin, "/tags", json!({})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    // Another user has their own namespace.
    let (status, body) = s.post(&other, "/tags", json!({"name": "a"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_ne!(body["id"], a["id"]);
    assert_eq!(tag_values(s, &other).await, ["a"]);
    assert_eq!(tag_values(s, &admin).await, ["a", "a/b"]);
}

async fn colors_are_checked_and_stored_with_a_hash(s: &TestServer) {
    let token = s.admin().await;
    for (given, stored) in [
        ("ff0000", "#ff0000"),
        ("#ABC", "#ABC"),
        ("#abcd", "#abcd"),
        ("11223344", "#11223344"),
    ] {
        let (status, body) = s
            .post(&token, "/tags", json!({"name": given, "color": given}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["color"], stored);
    }
    for bad in ["red", "#12", "#12345", "", "#ggg"] {
        let (status, body) = s
            .post(&token, "/tags", json!({"name": "bad", "color": bad}))
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    assert!(!tag_values(s, &token).await.contains(&"bad".to_string()));
    let (status, body) = s
        .post(&token, "/tags", json!({"name": "plain", "color": null}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body.get("color").is_none(), "{body}");
}

async fn update_changes_only_the_color(s: &TestServer) {
    let token = s.admin().await;
    let id = tag(s, &token, "a/b").await;
    let path = format!("/tags/{id}");
    let (_, before) = s.get(&token, &path).await;

    let (status, updated) = s
        .put(
            &token,
            &path,
            json!({"color": "00ff00", "name": "renamed", "value": "z"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["color"], "#00ff00");
    assert_eq!(updated["value"], "a/b", "no renaming through update");
    assert_eq!(updated["name"], "b");
    assert_eq!(updated["parentId"], before["parentId"]);
    assert_eq!(updated["createdAt"], before["createdAt"]);
    assert!(updated["updatedAt"].as_str() >= before["updatedAt"].as_str());

    // No color leaves it; null clears it; a bad one is refused.
    let (_, same) = s.put(&token, &path, json!({})).await;
    assert_eq!(same["color"], "#00ff00", "{same}");
    let (status, body) = s.put(&token, &path, json!({"color": "green"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, cleared) = s.put(&token, &path, json!({"color": null})).await;
    assert!(cleared.get("color").is_none(), "{cleared}");
    let (_, read) = s.get(&token, &path).await;
    assert_eq!(read, cleared);
}

async fn deleting_a_tag_deletes_the_tags_below_and_untags_assets(s: &TestServer) {
    let token = s.admin().await;
    let photo = s.upload_photo(&token, "p").await;
    let c = tag(s, &token, "a/b/c").await;
    let b = tag(s, &token, "a/b").await;
    let x = tag(s, &token, "x").await;
    put_on(s, &token, &c, &[&photo]).await;
    put_on(s, &token, &x, &[&photo]).await;
    assert_eq!(asset_tag_values(s, &token, &photo).await, ["a/b/c", "x"]);

    let (status, _) = s.delete(&token, &format!("/tags/{b}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(tag_values(s, &token).await, ["a", "x"]);
    for gone in [&b, &c] {
        let (status, body) = s.get(&token, &format!("/tags/{gone}")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    assert_eq!(asset_tag_values(s, &token, &photo).await, ["x"]);

    // Deleting again is as for any missing tag; the asset itself stays.
    let (status, body) = s.delete(&token, &format!("/tags/{b}"), None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, _) = s.get(&token, &format!("/assets/{photo}")).await;
    assert_eq!(status, StatusCode::OK);
}

async fn tagging_assets_reports_a_result_per_id(s: &TestServer) {
    let admin = s.admin().await;
    let (_, other) = s.user(&admin, "other@example.com").await;
    let mine = s.upload_photo(&admin, "mine").await;
    let second = s.upload_photo(&admin, "second").await;
    let theirs = s.upload_photo(&other, "theirs").await;
    let missing = uuid::Uuid::new_v4().to_string();
    let t = tag(s, &admin, "t").await;

    let results = put_on(s, &admin, &t, &[&mine, &mine, &theirs, &missing]).await;
    assert_eq!(
        outcomes(&results),
        ["ok", "duplicate", "no_permission", "no_permission"]
    );
    assert_eq!(results[0]["id"], mine.as_str());
    assert_eq!(
        outcomes(&put_on(s, &admin, &t, &[&mine, &second]).await),
        ["duplicate", "ok"]
    );
    assert_eq!(asset_tag_values(s, &admin, &second).await, ["t"]);

    let (status, results) = s
        .delete(
            &admin,
            &format!("/tags/{t}/assets"),
            Some(json!({"ids": [mine, theirs, mine]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(outcomes(&results), ["ok", "not_found", "not_found"]);
    assert!(asset_tag_values(s, &admin, &mine).await.is_empty());
    assert_eq!(asset_tag_values(s, &admin, &second).await, ["t"]);
}

async fn bulk_tagging_counts_only_new_links_on_own_assets(s: &TestServer) {
    let admin = s.admin().await;
    let (_, other) = s.user(&admin, "other@example.com").await;
    let p1 = s.upload_photo(&admin, "p1").await;
    let p2 = s.upload_photo(&admin, "p2").await;
    let theirs = s.upload_photo(&other, "theirs").await;
    let their_tag = tag(s, &other, "theirs").await;
    let t1 = tag(s, &admin, "t1").await;
    let t2 = tag(s, &admin, "t2").await;
    put_on(s, &admin, &t1, &[&p1]).await;

    let body = json!({"tagIds": [t1, t2, their_tag], "assetIds": [p1, p2, theirs]});
    let (status, result) = s.put(&admin, "/tags/assets", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result, json!({"count": 3}), "p1 already had t1");
    assert_eq!(asset_tag_values(s, &admin, &p2).await, ["t1", "t2"]);
    assert!(asset_tag_values(s, &other, &theirs).await.is_empty());
    let (_, again) = s.put(&admin, "/tags/assets", body).await;
    assert_eq!(again, json!({"count": 0}));
}

async fn another_users_tag_reads_as_missing(s: &TestServer) {
    let admin = s.admin().await;
    let (_, other) = s.user(&admin, "other@example.com").await;
    let theirs = tag(s, &other, "private").await;
    let photo = s.upload_photo(&admin, "p").await;
    let path = format!("/tags/{theirs}");
    let missing = format!("/tags/{}", uuid::Uuid::new_v4());

    for p in [&path, &missing] {
        let (status, body) = s.get(&admin, p).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        assert_eq!(body["message"], "Not found or no tag.read access");
    }
    let (status, body) = s.put(&admin, &path, json!({"color": "fff"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.delete(&admin, &path, None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(&admin, &format!("{path}/assets"), json!({"ids": [photo]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .delete(
            &admin,
            &format!("{path}/assets"),
            Some(json!({"ids": [photo]})),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(
            &admin,
            "/tags",
            json!({"name": "under", "parentId": theirs}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&admin, "/tags/not-a-uuid").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    assert!(tag_values(s, &admin).await.is_empty());
    let (status, body) = s.get(&other, &path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(tag_values(s, &other).await, ["private"]);
}

async fn tags_need_their_permissions(s: &TestServer) {
    let token = s.admin().await;
    let t = tag(s, &token, "t").await;
    let (_, reader) = s.api_key(&token, &["tag.read"]).await;
    let (status, body) = s
        .with_key(&reader, reqwest::Method::GET, &format!("/tags/{t}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (method, path, body) in [
        (
            reqwest::Method::POST,
            "/tags".to_string(),
            json!({"name": "n"}),
        ),
        (
            reqwest::Method::PUT,
            "/tags".to_string(),
            json!({"tags": ["n"]}),
        ),
        (
            reqwest::Method::PUT,
            format!("/tags/{t}"),
            json!({"color": "fff"}),
        ),
        (reqwest::Method::DELETE, format!("/tags/{t}"), json!({})),
        (
            reqwest::Method::PUT,
            format!("/tags/{t}/assets"),
            json!({"ids": []}),
        ),
        (
            reqwest::Method::PUT,
            "/tags/assets".to_string(),
            json!({"tagIds": [], "assetIds": []}),
        ),
    ] {
        let (status, body) = s.with_key(&reader, method, &path, Some(body)).await;
        assert_error(status, &body, StatusCode::FORBIDDEN);
    }
    let (status, body) = s.get("", "/tags").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn single_asset_view_lists_its_tags(s: &TestServer) {
    let token = s.admin().await;
    let photo = s.upload_photo(&token, "p").await;
    let (_, body) = s.get(&token, &format!("/assets/{photo}")).await;
    assert_eq!(body["tags"], json!([]), "{body}");

    let leaf = upsert(s, &token, &["Places/Paris"]).await.remove(0);
    put_on(s, &token, &id_of(&leaf), &[&photo]).await;
    let (_, body) = s.get(&token, &format!("/assets/{photo}")).await;
    assert_eq!(body["tags"], json!([leaf]), "{body}");
    assert_eq!(body["tags"][0]["name"], "Paris");

    // Lists stay cheap: no tags there.
    let (_, found) = s.post(&token, "/search/metadata", json!({})).await;
    let item = &found["assets"]["items"][0];
    assert_eq!(item["id"], photo.as_str(), "{found}");
    assert!(item.get("tags").is_none(), "{item}");
}

async fn timeline_tag_filter_takes_in_the_tags_below(s: &TestServer) {
    let admin = s.admin().await;
    let (_, other) = s.user(&admin, "other@example.com").await;
    let top = photo_at(s, &admin, "top", "2023-05-02T10:00:00.000Z").await;
    let below = photo_at(s, &admin, "below", "2024-01-15T08:00:00.000Z").await;
    let deeper = photo_at(s, &admin, "deeper", "2024-01-20T08:00:00.000Z").await;
    photo_at(s, &admin, "untagged", "2024-01-10T08:00:00.000Z").await;
    let a = tag(s, &admin, "a").await;
    let ab = tag(s, &admin, "a/b").await;
    let abc = tag(s, &admin, "a/b/c").await;
    let elsewhere = tag(s, &admin, "z").await;
    put_on(s, &admin, &a, &[&top]).await;
    put_on(s, &admin, &ab, &[&below]).await;
    put_on(s, &admin, &abc, &[&deeper, &below]).await;

    let (status, buckets) = s.get(&admin, &format!("/timeline/buckets?tagId={a}")).await;
    assert_eq!(status, StatusCode::OK, "{buckets}");
    assert_eq!(
        buckets,
        json!([{"timeBucket": "2024-01-01", "count": 2}, {"timeBucket": "2023-05-01", "count": 1}]),
        "an asset under two of the tags counts once"
    );
    let (_, buckets) = s
        .get(&admin, &format!("/timeline/buckets?tagId={abc}"))
        .await;
    assert_eq!(buckets, json!([{"timeBucket": "2024-01-01", "count": 2}]));
    let (_, buckets) = s
        .get(&admin, &format!("/timeline/buckets?tagId={elsewhere}"))
        .await;
    assert_eq!(buckets, json!([]));
    let (_, all) = s.get(&admin, "/timeline/buckets").await;
    assert_eq!(all[0]["count"], 3, "{all}");

    let (status, bucket) = s
        .get(
            &admin,
            &format!("/timeline/bucket?timeBucket=2024-01-01&tagId={ab}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bucket}");
    assert_eq!(bucket["id"], json!([deeper, below]));

    // Trash leaves a tag's timeline like any other.
    let (status, _) = s
        .delete(&admin, "/assets", Some(json!({"ids": [deeper]})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, buckets) = s
        .get(&admin, &format!("/timeline/buckets?tagId={abc}"))
        .await;
    assert_eq!(buckets, json!([{"timeBucket": "2024-01-01", "count": 1}]));

    for path in [
        format!("/timeline/buckets?tagId={a}"),
        format!("/timeline/bucket?timeBucket=2024-01-01&tagId={a}"),
    ] {
        let (status, body) = s.get(&other, &path).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let (status, body) = s.get(&admin, "/timeline/buckets?tagId=nope").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn search_by_tags_needs_every_tag_and_null_finds_untagged(s: &TestServer) {
    let token = s.admin().await;
    let both = s.upload_photo(&token, "both").await;
    let only_a = s.upload_photo(&token, "only-a").await;
    let untagged = s.upload_photo(&token, "untagged").await;
    let a = tag(s, &token, "a").await;
    let ab = tag(s, &token, "a/b").await;
    let x = tag(s, &token, "x").await;
    put_on(s, &token, &a, &[&only_a]).await;
    put_on(s, &token, &ab, &[&both]).await;
    put_on(s, &token, &x, &[&both]).await;

    let token = token.as_str();
    let found = |body: Value| async move {
        let (status, result) = s.post(token, "/search/metadata", body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}: {result}");
        let mut ids: Vec<String> = result["assets"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect();
        ids.sort();
        ids
    };
    let sorted = |ids: &[&String]| {
        let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(
        found(json!({"tagIds": [a]})).await,
        sorted(&[&both, &only_a])
    );
    assert_eq!(found(json!({"tagIds": [a, x]})).await, sorted(&[&both]));
    assert_eq!(found(json!({"tagIds": [ab]})).await, sorted(&[&both]));
    assert_eq!(found(json!({"tagIds": null})).await, sorted(&[&untagged]));
    assert_eq!(
        found(json!({"tagIds": []})).await,
        sorted(&[&both, &only_a, &untagged])
    );
    assert_eq!(found(json!({})).await.len(), 3);
    let (status, body) = s
        .post(token, "/search/metadata", json!({"tagIds": ["nope"]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

/// A real 64×48 JPEG carrying `xmp` in an APP1 segment right after its start marker.
fn jpeg_with_xmp(dir: &Path, name: &str, xmp: &str) -> Vec<u8> {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc=size=64x48", "-frames:v", "1"])
        .arg(&out)
        .status()
        .expect("ffmpeg runs (scripts/setup.sh installs it)");
    assert!(status.success(), "ffmpeg could not make {name}");
    let jpeg = std::fs::read(&out).unwrap();
    let mut app1 = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    app1.extend_from_slice(xmp.as_bytes());
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1];
    bytes.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    bytes.extend_from_slice(&app1);
    bytes.extend_from_slice(&jpeg[2..]);
    bytes
}

fn xmp_packet(name: &str, properties: &str) -> String {
    format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{name}</rdf:li></rdf:Alt></dc:title>
   {properties}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
    )
}

async fn keywords_in_an_uploaded_jpeg_become_tags_at_every_level(s: &TestServer) {
    let token = s.admin().await;
    // Lightroom's hierarchy wins over the flat keywords; a `/` inside a level stays in it.
    let lightroom = jpeg_with_xmp(
        s.temp_dir(),
        "lightroom.jpg",
        &xmp_packet(
            "lightroom",
            "<dc:subject><rdf:Bag><rdf:li>Paris</rdf:li><rdf:li>Alice</rdf:li></rdf:Bag></dc:subject>
   <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|France|Paris</rdf:li>\
<rdf:li>People|Alice</rdf:li><rdf:li>Music|AC/DC</rdf:li></rdf:Bag></lr:hierarchicalSubject>",
        ),
    );
    let keywords = jpeg_with_xmp(
        s.temp_dir(),
        "keywords.jpg",
        &xmp_packet(
            "keywords",
            "<dc:subject><rdf:Bag><rdf:li>sunset</rdf:li><rdf:li>Places</rdf:li></rdf:Bag></dc:subject>",
        ),
    );
    let t = token.as_str();
    let upload = |name: &'static str, bytes: Vec<u8>| async move {
        let (status, body) = s.upload(t, name, bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_string()
    };
    let plain = jpeg_with_xmp(s.temp_dir(), "plain.jpg", &xmp_packet("plain", ""));
    let lightroom = upload("lightroom.jpg", lightroom).await;
    let keywords = upload("keywords.jpg", keywords).await;
    let plain = upload("plain.jpg", plain).await;
    let queue = s.queue_settles(&token, "metadataExtraction").await;
    assert_eq!(queue["statistics"]["failed"], 0, "{queue}");

    assert_eq!(
        asset_tag_values(s, &token, &lightroom).await,
        ["Music/AC|DC", "People/Alice", "Places/France/Paris"]
    );
    assert_eq!(
        asset_tag_values(s, &token, &keywords).await,
        ["Places", "sunset"]
    );
    assert_eq!(
        tag_values(s, &token).await,
        [
            "Music",
            "Music/AC|DC",
            "People",
            "People/Alice",
            "Places",
            "Places/France",
            "Places/France/Paris",
            "sunset",
        ]
    );

    assert!(asset_tag_values(s, &token, &plain).await.is_empty());

    // A fresh read replaces the asset's tags with the file's; a file without
    // keywords leaves the asset's tags alone.
    let extra = tag(s, &token, "extra").await;
    put_on(s, &token, &extra, &[&lightroom, &plain]).await;
    let (status, _) = s
        .post(
            &token,
            "/assets/jobs",
            json!({"assetIds": [lightroom, plain], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let queue = s.queue_settles(&token, "metadataExtraction").await;
    assert_eq!(queue["statistics"]["failed"], 0, "{queue}");
    assert_eq!(
        asset_tag_values(s, &token, &lightroom).await,
        ["Music/AC|DC", "People/Alice", "Places/France/Paris"]
    );
    assert_eq!(asset_tag_values(s, &token, &plain).await, ["extra"]);
    // Both photos are under "Places" for the timeline.
    let (_, places) = s.get(&token, "/tags").await;
    let places = places
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["value"] == "Places")
        .map(id_of)
        .unwrap();
    let (_, buckets) = s
        .get(&token, &format!("/timeline/buckets?tagId={places}"))
        .await;
    assert_eq!(buckets[0]["count"], 2, "{buckets}");
}
