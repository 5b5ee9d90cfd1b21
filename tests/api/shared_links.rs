//! Shared links: an owner shares an album or some assets through a secret key (or a slug);
//! visitors without an account see exactly what the link shows, no more, and only while the
//! link lives.

use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories, upload_form};

stories!(
    owner_creates_lists_updates_and_deletes_links,
    visitor_with_the_key_or_slug_sees_exactly_the_links_assets,
    album_link_visitor_sees_the_album_and_its_timeline_only,
    originals_download_through_a_link_only_when_it_allows_downloads,
    expired_link_answers_401,
    password_protected_link_needs_the_password_first,
    another_users_link_reads_like_a_missing_one,
    shared_links_refuse_bad_input,
    individual_link_assets_are_added_and_removed_per_id,
    visitor_uploads_only_when_the_link_allows_it,
    link_without_metadata_hides_it_from_visitors,
);

async fn create(s: &TestServer, token: &str, body: Value) -> Value {
    let (status, link) = s.post(token, "/shared-links", body).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    link
}

fn key(link: &Value) -> String {
    link["key"].as_str().expect("key").to_string()
}

/// An album holding one photo, and a second photo outside it.
async fn album_with_photo(s: &TestServer, token: &str) -> (String, String, String) {
    let inside = s.upload_photo(token, "inside").await;
    let outside = s.upload_photo(token, "outside").await;
    let (status, album) = s
        .post(
            token,
            "/albums",
            json!({"albumName": "Trip", "assetIds": [inside]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{album}");
    (album["id"].as_str().unwrap().to_string(), inside, outside)
}

async fn owner_creates_lists_updates_and_deletes_links(s: &TestServer) {
    let admin = s.admin().await;
    let (_, me) = s.get(&admin, "/users/me").await;
    let (album, inside, _) = album_with_photo(s, &admin).await;

    let (_, before) = s.get(&admin, &format!("/albums/{album}")).await;
    assert_eq!(before["hasSharedLink"], false);
    let album_link = create(s, &admin, json!({"type": "ALBUM", "albumId": album})).await;
    let (_, after) = s.get(&admin, &format!("/albums/{album}")).await;
    assert_eq!(after["hasSharedLink"], true);
    assert_eq!(album_link["type"], "ALBUM");
    assert_eq!(album_link["userId"], me["id"]);
    assert_eq!(album_link["album"]["id"], album.as_str());
    assert_eq!(album_link["assets"], json!([]));
    assert_eq!(album_link["allowUpload"], true);
    assert_eq!(album_link["allowDownload"], true);
    assert_eq!(album_link["showMetadata"], true);
    assert_eq!(album_link["password"], Value::Null);
    assert_eq!(album_link["description"], Value::Null);
    assert_eq!(album_link["expiresAt"], Value::Null);
    assert_eq!(album_link["slug"], Value::Null);
    assert_eq!(key(&album_link).len(), 67, "50 random bytes in base64url");

    let expires = "2099-01-02T03:04:05.000Z";
    let assets_link = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [inside], "description": "For you",
               "password": "secret", "expiresAt": expires, "allowUpload": false,
               "slug": "holiday"}),
    )
    .await;
    assert_eq!(assets_link["assets"][0]["id"], inside.as_str());
    assert_eq!(assets_link["description"], "For you");
    assert_eq!(assets_link["password"], "secret");
    assert_eq!(assets_link["expiresAt"], expires);
    assert_eq!(assets_link["allowUpload"], false);
    assert_eq!(assets_link["slug"], "holiday");
    assert_ne!(key(&assets_link), key(&album_link));

    let (status, all) = s.get(&admin, "/shared-links").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, by_album) = s
        .get(&admin, &format!("/shared-links?albumId={album}"))
        .await;
    assert_eq!(by_album.as_array().unwrap().len(), 1);
    assert_eq!(by_album[0]["id"], album_link["id"]);
    let id = assets_link["id"].as_str().unwrap();
    let (_, by_id) = s.get(&admin, &format!("/shared-links?id={id}")).await;
    assert_eq!(by_id[0]["id"], id);

    let (status, got) = s.get(&admin, &format!("/shared-links/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, assets_link);

    // Absent fields stay; null clears.
    let (status, updated) = s
        .patch(
            &admin,
            &format!("/shared-links/{id}"),
            json!({"description": "Changed", "expiresAt": null, "password": null,
                   "allowDownload": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["description"], "Changed");
    assert_eq!(updated["expiresAt"], Value::Null);
    assert_eq!(updated["password"], Value::Null);
    assert_eq!(updated["allowDownload"], false);
    assert_eq!(updated["allowUpload"], false);
    assert_eq!(updated["slug"], "holiday");
    assert_eq!(updated["key"], assets_link["key"]);

    let (status, body) = s.delete(&admin, &format!("/shared-links/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = s.get(&admin, &format!("/shared-links/{id}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Shared link not found");
    let (status, body) = s
        .get("", &format!("/shared-links/me?key={}", key(&assets_link)))
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn visitor_with_the_key_or_slug_sees_exactly_the_links_assets(s: &TestServer) {
    let admin = s.admin().await;
    let shared = s.upload_photo(&admin, "shared").await;
    let private = s.upload_photo(&admin, "private").await;
    let link = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [shared], "slug": "my-slug"}),
    )
    .await;
    let k = key(&link);

    let (status, mine) = s.get("", &format!("/shared-links/me?key={k}")).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["id"], link["id"]);
    let ids: Vec<&str> = mine["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![shared.as_str()]);

    let (status, asset) = s.get("", &format!("/assets/{shared}?key={k}")).await;
    assert_eq!(status, StatusCode::OK, "{asset}");
    assert_eq!(asset["id"], shared.as_str());
    // The header and the slug work like the query key.
    let (status, _) = s
        .send(
            s.client
                .get(s.url(&format!("/assets/{shared}")))
                .header("x-immich-share-key", &k),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.get("", &format!("/assets/{shared}?slug=my-slug")).await;
    assert_eq!(status, StatusCode::OK);

    // The full-size redirect keeps the visitor's key.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirects
        .get(s.url(&format!("/assets/{shared}/thumbnail?size=original&key={k}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        res.headers()["location"],
        format!("original?key={k}").as_str()
    );

    // Anything else of the owner's reads like a missing asset.
    let (status, body) = s.get("", &format!("/assets/{private}?key={k}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .get("", &format!("/assets/{private}/original?key={k}"))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .get("", &format!("/assets/{private}/thumbnail?key={k}"))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    // Routes that do not serve visitors refuse them.
    for path in [
        "/users/me",
        "/albums",
        "/shared-links",
        "/assets/statistics",
    ] {
        let (status, body) = s.get("", &format!("{path}?key={k}")).await;
        assert_error(status, &body, StatusCode::FORBIDDEN);
    }
    let (status, body) = s
        .put(
            "",
            &format!("/assets/{shared}?key={k}"),
            json!({"isFavorite": true}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    // A key that is no link's is a 401.
    let (status, body) = s.get("", &format!("/assets/{shared}?key=not-a-key")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Invalid share key");
    let (status, body) = s.get("", &format!("/assets/{shared}?slug=nope")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Invalid share slug");
    // /shared-links/me is for visitors only.
    let (status, body) = s.get(&admin, "/shared-links/me").await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}

async fn album_link_visitor_sees_the_album_and_its_timeline_only(s: &TestServer) {
    let admin = s.admin().await;
    let (album, inside, outside) = album_with_photo(s, &admin).await;
    let (_, other_album) = s
        .post(
            &admin,
            "/albums",
            json!({"albumName": "Other", "assetIds": [outside]}),
        )
        .await;
    let other_album = other_album["id"].as_str().unwrap().to_string();
    let link = create(s, &admin, json!({"type": "ALBUM", "albumId": album})).await;
    let k = key(&link);

    let (status, got) = s.get("", &format!("/albums/{album}?key={k}")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["albumName"], "Trip");
    let (status, body) = s.get("", &format!("/albums/{other_album}?key={k}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    let (status, buckets) = s
        .get("", &format!("/timeline/buckets?albumId={album}&key={k}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{buckets}");
    let total: i64 = buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 1);
    let (status, body) = s.get("", &format!("/timeline/buckets?key={k}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .get(
            "",
            &format!("/timeline/buckets?albumId={other_album}&key={k}"),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    let (status, _) = s.get("", &format!("/assets/{inside}?key={k}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = s.get("", &format!("/assets/{outside}?key={k}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // A visitor cannot take assets out of the album.
    let (status, body) = s
        .delete(
            "",
            &format!("/albums/{album}/assets?key={k}"),
            Some(json!({"ids": [inside]})),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);

    // Deleting the album ends its links.
    s.delete(&admin, &format!("/albums/{album}"), None).await;
    let (status, body) = s.get("", &format!("/shared-links/me?key={k}")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn originals_download_through_a_link_only_when_it_allows_downloads(s: &TestServer) {
    let admin = s.admin().await;
    let photo = s.upload_photo(&admin, "downloadable").await;
    let (_, _, expected) = s
        .download(&admin, &format!("/assets/{photo}/original"), None)
        .await;
    let open = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [photo]}),
    )
    .await;
    let closed = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [photo], "allowDownload": false}),
    )
    .await;
    assert_eq!(closed["allowDownload"], false);

    let (status, _, bytes) = s
        .download(
            "",
            &format!("/assets/{photo}/original?key={}", key(&open)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, expected);
    let (status, body) = s
        .get(
            "",
            &format!("/assets/{photo}/original?key={}", key(&closed)),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // Viewing is still allowed.
    let (status, _) = s
        .get("", &format!("/assets/{photo}?key={}", key(&closed)))
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn expired_link_answers_401(s: &TestServer) {
    let admin = s.admin().await;
    let photo = s.upload_photo(&admin, "expiring").await;
    let link = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [photo], "expiresAt": "2099-01-01T00:00:00Z",
               "slug": "soon-gone"}),
    )
    .await;
    let k = key(&link);
    let (status, _) = s.get("", &format!("/assets/{photo}?key={k}")).await;
    assert_eq!(status, StatusCode::OK);

    let id = link["id"].as_str().unwrap();
    let (status, body) = s
        .patch(
            &admin,
            &format!("/shared-links/{id}"),
            json!({"expiresAt": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for path in [
        format!("/assets/{photo}?key={k}"),
        format!("/shared-links/me?key={k}"),
        format!("/assets/{photo}?slug=soon-gone"),
    ] {
        let (status, body) = s.get("", &path).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED);
    }
    // The owner still sees and can revive it.
    let (status, body) = s
        .patch(
            &admin,
            &format!("/shared-links/{id}"),
            json!({"changeExpiryTime": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expiresAt"], Value::Null);
    let (status, _) = s.get("", &format!("/assets/{photo}?key={k}")).await;
    assert_eq!(status, StatusCode::OK);
}

async fn password_protected_link_needs_the_password_first(s: &TestServer) {
    let admin = s.admin().await;
    let photo = s.upload_photo(&admin, "guarded").await;
    let link = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [photo], "password": "open sesame"}),
    )
    .await;
    let k = key(&link);

    let (status, body) = s.get("", &format!("/shared-links/me?key={k}")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Password required");
    let (status, body) = s.get("", &format!("/assets/{photo}?key={k}")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);

    let login = s.url(&format!("/shared-links/login?key={k}"));
    let (status, body) = s
        .send(s.client.post(&login).json(&json!({"password": "wrong"})))
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Invalid password");
    let (status, body) = s.send(s.client.post(&login).json(&json!({}))).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    let res = s
        .client
        .post(&login)
        .json(&json!({"password": "open sesame"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let cookie = res
        .headers()
        .get("set-cookie")
        .expect("a cookie")
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("immich_shared_link_token="), "{cookie}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], link["id"]);

    let with_cookie = |path: String| s.client.get(s.url(&path)).header("cookie", &cookie);
    let (status, mine) = s
        .send(with_cookie(format!("/shared-links/me?key={k}")))
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let (status, _) = s
        .send(with_cookie(format!("/assets/{photo}?key={k}")))
        .await;
    assert_eq!(status, StatusCode::OK);

    // A new password logs every visitor out.
    let id = link["id"].as_str().unwrap();
    s.patch(
        &admin,
        &format!("/shared-links/{id}"),
        json!({"password": "changed"}),
    )
    .await;
    let (status, body) = s
        .send(with_cookie(format!("/assets/{photo}?key={k}")))
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);

    // Logging in to a link without a password, or without a link, is refused.
    let open = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [photo]}),
    )
    .await;
    let (status, body) = s
        .send(
            s.client
                .post(s.url(&format!("/shared-links/login?key={}", key(&open))))
                .json(&json!({"password": "x"})),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(&admin, "/shared-links/login", json!({"password": "x"}))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}

async fn another_users_link_reads_like_a_missing_one(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let (album, photo, _) = album_with_photo(s, &admin).await;
    let link = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [photo]}),
    )
    .await;
    let id = link["id"].as_str().unwrap();
    let missing = uuid::Uuid::new_v4();

    for target in [id.to_string(), missing.to_string()] {
        let (status, body) = s.get(&bob, &format!("/shared-links/{target}")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        assert_eq!(body["message"], "Shared link not found");
        let (status, body) = s
            .patch(
                &bob,
                &format!("/shared-links/{target}"),
                json!({"description": "x"}),
            )
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        let (status, body) = s
            .delete(&bob, &format!("/shared-links/{target}"), None)
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        let (status, body) = s
            .put(
                &bob,
                &format!("/shared-links/{target}/assets"),
                json!({"assetIds": [photo]}),
            )
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let (_, bobs) = s.get(&bob, "/shared-links").await;
    assert_eq!(bobs, json!([]));
    // Bob cannot share what is not his.
    let (status, body) = s
        .post(
            &bob,
            "/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [photo]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(
            &bob,
            "/shared-links",
            json!({"type": "ALBUM", "albumId": album}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // An API key needs the sharedLink permissions.
    let (_, secret) = s.api_key(&admin, &["sharedLink.read"]).await;
    let (status, _) = s
        .with_key(&secret, reqwest::Method::GET, "/shared-links", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = s
        .with_key(
            &secret,
            reqwest::Method::POST,
            "/shared-links",
            Some(json!({"type": "INDIVIDUAL", "assetIds": [photo]})),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}

async fn shared_links_refuse_bad_input(s: &TestServer) {
    let admin = s.admin().await;
    let (album, photo, _) = album_with_photo(s, &admin).await;
    for (body, why) in [
        (json!({"assetIds": [photo]}), "type missing"),
        (
            json!({"type": "EVERYTHING", "assetIds": [photo]}),
            "unknown type",
        ),
        (json!({"type": "ALBUM"}), "album link without albumId"),
        (
            json!({"type": "INDIVIDUAL"}),
            "individual link without assets",
        ),
        (
            json!({"type": "INDIVIDUAL", "assetIds": []}),
            "empty assets",
        ),
        (
            json!({"type": "INDIVIDUAL", "assetIds": ["nope"]}),
            "bad asset id",
        ),
        (
            json!({"type": "ALBUM", "albumId": album, "expiresAt": "soon"}),
            "bad date",
        ),
        (
            json!({"type": "ALBUM", "albumId": uuid::Uuid::new_v4()}),
            "missing album",
        ),
    ] {
        let (status, res) = s.post(&admin, "/shared-links", body).await;
        assert_error(status, &res, StatusCode::BAD_REQUEST);
        assert!(res["message"].is_string(), "{why}: {res}");
    }
    let first = create(
        s,
        &admin,
        json!({"type": "ALBUM", "albumId": album, "slug": "taken"}),
    )
    .await;
    let (status, body) = s
        .post(
            &admin,
            "/shared-links",
            json!({"type": "ALBUM", "albumId": album, "slug": "taken"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Failed to save shared link");

    let id = first["id"].as_str().unwrap();
    let (status, body) = s
        .patch(
            &admin,
            &format!("/shared-links/{id}"),
            json!({"expiresAt": "tomorrow"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .patch(
            &admin,
            &format!("/shared-links/{id}"),
            json!({"allowUpload": "yes"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&admin, "/shared-links/not-a-uuid").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&admin, "/shared-links?albumId=nope").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(
            &admin,
            &format!("/shared-links/{id}/assets"),
            json!({"assetIds": [photo]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Invalid shared link type");
    let (status, body) = s.get("", "/shared-links/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

async fn individual_link_assets_are_added_and_removed_per_id(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let first = s.upload_photo(&admin, "first").await;
    let second = s.upload_photo(&admin, "second").await;
    let bobs = s.upload_photo(&bob, "bobs").await;
    let link = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [first]}),
    )
    .await;
    let id = link["id"].as_str().unwrap();

    let (status, results) = s
        .put(
            &admin,
            &format!("/shared-links/{id}/assets"),
            json!({"assetIds": [first, second, bobs]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(
        results,
        json!([
            {"assetId": first, "success": false, "error": "duplicate"},
            {"assetId": second, "success": true},
            {"assetId": bobs, "success": false, "error": "no_permission"},
        ])
    );
    let (_, got) = s.get(&admin, &format!("/shared-links/{id}")).await;
    assert_eq!(got["assets"].as_array().unwrap().len(), 2);
    let (status, _) = s
        .get("", &format!("/assets/{second}?key={}", key(&link)))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, results) = s
        .delete(
            &admin,
            &format!("/shared-links/{id}/assets"),
            Some(json!({"assetIds": [second, bobs]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(
        results,
        json!([
            {"assetId": second, "success": true},
            {"assetId": bobs, "success": false, "error": "not_found"},
        ])
    );
    let (status, body) = s
        .get("", &format!("/assets/{second}?key={}", key(&link)))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn visitor_uploads_only_when_the_link_allows_it(s: &TestServer) {
    let admin = s.admin().await;
    let (album, _, _) = album_with_photo(s, &admin).await;
    let closed = create(
        s,
        &admin,
        json!({"type": "ALBUM", "albumId": album, "allowUpload": false}),
    )
    .await;
    let open = create(s, &admin, json!({"type": "ALBUM", "albumId": album})).await;
    let upload = |k: String, seed: &'static str| {
        s.send(
            s.client
                .post(s.url(&format!("/assets?key={k}")))
                .multipart(upload_form(
                    &format!("{seed}.jpg"),
                    shoebox_tests::fake_jpeg(seed),
                )),
        )
    };
    let (status, body) = upload(key(&closed), "refused").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);

    let (status, body) = upload(key(&open), "guest").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let uploaded = body["id"].as_str().unwrap().to_string();
    // The upload belongs to the link's owner and joins the link's album.
    let (status, asset) = s.get(&admin, &format!("/assets/{uploaded}")).await;
    assert_eq!(status, StatusCode::OK, "{asset}");
    let (_, got) = s.get(&admin, &format!("/albums/{album}")).await;
    assert_eq!(got["assetCount"], 2, "{got}");
    let (status, _) = s
        .get("", &format!("/assets/{uploaded}?key={}", key(&open)))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Adding it to the album again reports it as already there.
    let (status, results) = s
        .put(
            "",
            &format!("/albums/{album}/assets?key={}", key(&open)),
            json!({"ids": [uploaded]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results[0]["error"], "duplicate");
}

async fn link_without_metadata_hides_it_from_visitors(s: &TestServer) {
    let admin = s.admin().await;
    let photo = s.upload_photo(&admin, "private-details").await;
    let link = create(
        s,
        &admin,
        json!({"type": "INDIVIDUAL", "assetIds": [photo], "showMetadata": false}),
    )
    .await;
    // Without metadata there are no downloads either: the original carries it.
    assert_eq!(link["showMetadata"], false);
    assert_eq!(link["allowDownload"], false);
    let k = key(&link);
    let (status, asset) = s.get("", &format!("/assets/{photo}?key={k}")).await;
    assert_eq!(status, StatusCode::OK, "{asset}");
    assert_eq!(asset["hasMetadata"], false);
    assert!(asset.get("exifInfo").is_none(), "{asset}");
    assert_eq!(asset["originalFileName"], "");
    let (_, mine) = s.get("", &format!("/shared-links/me?key={k}")).await;
    assert_eq!(mine["assets"][0]["hasMetadata"], false);
    // The owner still sees everything.
    let (_, own) = s.get(&admin, &format!("/assets/{photo}")).await;
    assert_eq!(own["hasMetadata"], true);
    assert!(own["exifInfo"].is_object());
}
