use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    create_album_with_own_assets,
    create_album_shared_with_a_viewer,
    create_album_refuses_bad_input_and_creates_nothing,
    album_list_filters_by_shared_and_asset,
    album_is_readable_by_members_only,
    update_album_changes_name_description_and_order,
    album_thumbnail_must_be_in_the_album,
    only_the_owner_updates_or_deletes_an_album,
    add_assets_reports_a_result_per_id,
    remove_assets_reports_not_found_for_absent_ids,
    add_assets_to_several_albums_at_once,
    album_users_are_added_updated_and_removed,
    adding_the_owner_or_an_existing_member_is_400,
    member_can_leave_with_me_but_not_remove_others,
    viewer_cannot_add_assets_but_editor_can,
    editor_removes_only_their_own_assets,
    album_statistics_count_owned_shared_and_not_shared,
);

async fn create(s: &TestServer, token: &str, body: Value) -> Value {
    let (status, album) = s.post(token, "/albums", body).await;
    assert_eq!(status, StatusCode::CREATED, "{album}");
    album
}

async fn get(s: &TestServer, token: &str, id: &str) -> Value {
    let (status, album) = s.get(token, &format!("/albums/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{album}");
    album
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    let mut out: Vec<String> = list.as_array().unwrap().iter().map(id_of).collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// (user id, role) of each album member, owner first.
fn members(album: &Value) -> Vec<(String, String)> {
    album["albumUsers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"]["id"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The `error` of each per-id result, `"ok"` for successes, in request order.
fn outcomes(results: &Value) -> Vec<String> {
    results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            if r["success"] == true {
                "ok".to_string()
            } else {
                r["error"].as_str().unwrap().to_string()
            }
        })
        .collect()
}

async fn my_id(s: &TestServer, token: &str) -> String {
    let (_, me) = s.get(token, "/users/me").await;
    id_of(&me)
}

async fn create_album_with_own_assets(s: &TestServer) {
    let token = s.admin().await;
    let a = s.upload_photo(&token, "a").await;
    let b = s.upload_photo(&token, "b").await;
    let album = create(
        s,
        &token,
        json!({"albumName": " Holiday ", "description": "sun", "assetIds": [a, b]}),
    )
    .await;
    assert_eq!(album["albumName"], "Holiday");
    assert_eq!(album["description"], "sun");
    assert_eq!(album["assetCount"], 2);
    assert_eq!(album["albumThumbnailAssetId"], a.as_str());
    assert_eq!(album["shared"], false);
    assert_eq!(
        members(&album),
        [(my_id(s, &token).await, "owner".to_string())]
    );
    let read = get(s, &token, &id_of(&album)).await;
    assert_eq!(read["assetCount"], 2);
    assert_eq!(read["albumName"], "Holiday");
    let (_, listed) = s.get(&token, "/albums").await;
    assert_eq!(ids(&listed), [id_of(&album)]);

    let empty = create(s, &token, json!({"albumName": "empty"})).await;
    assert_eq!(empty["assetCount"], 0);
    assert_eq!(empty["albumThumbnailAssetId"], Value::Null);
}

async fn create_album_shared_with_a_viewer(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let asset = s.upload_photo(&admin, "shared").await;
    let album = create(
        s,
        &admin,
        json!({
            "albumName": "family",
            "assetIds": [asset],
            "albumUsers": [{"userId": user_id, "role": "viewer"}]
        }),
    )
    .await;
    assert_eq!(album["shared"], true);
    let roles = members(&album);
    assert_eq!(roles[0].1, "owner");
    assert_eq!(roles[1], (user_id.clone(), "viewer".to_string()));

    let seen = get(s, &user, &id_of(&album)).await;
    assert_eq!(seen["assetCount"], 1);
    let (_, listed) = s.get(&user, "/albums").await;
    assert_eq!(ids(&listed), [id_of(&album)]);
    let (_, shared) = s.get(&user, "/albums?shared=true").await;
    assert_eq!(ids(&shared), [id_of(&album)]);
    let (_, own) = s.get(&user, "/albums?shared=false").await;
    assert_eq!(own, json!([]), "shared with me is not mine");
}

async fn create_album_refuses_bad_input_and_creates_nothing(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let theirs = s.upload_photo(&admin, "theirs").await;
    let mine = s.upload_photo(&user, "mine").await;
    for body in [
        json!({}),
        json!({"albumName": ""}),
        json!({"albumName": "   "}),
        json!({"albumName": 7}),
        json!({"albumName": "x", "assetIds": ["not-a-uuid"]}),
        json!({"albumName": "x", "assetIds": [mine, theirs]}),
        json!({"albumName": "x", "assetIds": [uuid::Uuid::new_v4()]}),
        json!({"albumName": "x", "albumUsers": [{"userId": user_id, "role": "admin"}]}),
        json!({"albumName": "x", "albumUsers": [{"userId": user_id, "role": "owner"}]}),
        json!({"albumName": "x", "albumUsers": [{"userId": user_id}]}),
        json!({"albumName": "x", "albumUsers": [{"userId": uuid::Uuid::new_v4(), "role": "viewer"}]}),
    ] {
        let (status, answer) = s.post(&user, "/albums", body.clone()).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST);
    }
    let (_, listed) = s.get(&user, "/albums").await;
    assert_eq!(listed, json!([]));
    let (_, listed) = s.get(&admin, "/albums").await;
    assert_eq!(listed, json!([]));
}

async fn album_list_filters_by_shared_and_asset(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let admin_id = my_id(s, &admin).await;
    let (_, outsider) = s.user(&admin, "o@example.com").await;
    let x = s.upload_photo(&admin, "x").await;
    let y = s.upload_photo(&admin, "y").await;
    let private = id_of(&create(s, &admin, json!({"albumName": "private", "assetIds": [x]})).await);
    let shared_out = id_of(
        &create(
            s,
            &admin,
            json!({"albumName": "out", "assetIds": [x, y],
                   "albumUsers": [{"userId": user_id, "role": "editor"}]}),
        )
        .await,
    );
    let shared_in = id_of(
        &create(
            s,
            &user,
            json!({"albumName": "in", "albumUsers": [{"userId": admin_id, "role": "viewer"}]}),
        )
        .await,
    );
    create(s, &outsider, json!({"albumName": "not mine"})).await;

    let admin = &admin;
    let list = |q: String| async move {
        let (status, body) = s.get(admin, &format!("/albums{q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        ids(&body)
    };
    assert_eq!(
        list(String::new()).await,
        sorted(vec![private.clone(), shared_out.clone(), shared_in.clone()])
    );
    assert_eq!(
        list("?shared=true".into()).await,
        sorted(vec![shared_out.clone(), shared_in.clone()])
    );
    assert_eq!(list("?shared=false".into()).await, [private.as_str()]);
    assert_eq!(
        list(format!("?assetId={x}")).await,
        sorted(vec![private.clone(), shared_out.clone()])
    );
    assert_eq!(list(format!("?assetId={y}")).await, [shared_out.as_str()]);
    assert!(
        list(format!("?assetId={}", uuid::Uuid::new_v4()))
            .await
            .is_empty()
    );
    let (status, body) = s.get(admin, "/albums?assetId=nope").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(admin, "/albums?shared=perhaps").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn album_is_readable_by_members_only(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let (_, outsider) = s.user(&admin, "o@example.com").await;
    let album = id_of(
        &create(
            s,
            &admin,
            json!({"albumName": "club", "albumUsers": [{"userId": user_id, "role": "viewer"}]}),
        )
        .await,
    );
    get(s, &admin, &album).await;
    get(s, &user, &album).await;
    let (status, body) = s.get(&outsider, &format!("/albums/{album}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert!(!body.to_string().contains("club"), "{body}");
    let (status, body) = s
        .get(&admin, &format!("/albums/{}", uuid::Uuid::new_v4()))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&admin, "/albums/42").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, listed) = s.get(&outsider, "/albums").await;
    assert_eq!(listed, json!([]));
}

async fn update_album_changes_name_description_and_order(s: &TestServer) {
    let token = s.admin().await;
    let album = id_of(&create(s, &token, json!({"albumName": "old", "description": "d"})).await);
    let path = format!("/albums/{album}");
    let (status, body) = s
        .patch(
            &token,
            &path,
            json!({"albumName": "new", "description": "better", "order": "asc", "isActivityEnabled": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["albumName"], "new");
    assert_eq!(body["description"], "better");
    assert_eq!(body["order"], "asc");
    assert_eq!(body["isActivityEnabled"], false);
    let read = get(s, &token, &album).await;
    assert_eq!(read["albumName"], "new");
    assert_eq!(read["description"], "better");

    let (_, body) = s.patch(&token, &path, json!({"description": null})).await;
    assert_eq!(body["description"], "");
    assert_eq!(body["albumName"], "new", "absent fields stay");

    for bad in [
        json!({"albumName": ""}),
        json!({"order": "sideways"}),
        json!({"isActivityEnabled": "no"}),
    ] {
        let (status, answer) = s.patch(&token, &path, bad).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST);
    }
    assert_eq!(get(s, &token, &album).await["albumName"], "new");
}

async fn album_thumbnail_must_be_in_the_album(s: &TestServer) {
    let token = s.admin().await;
    let inside = s.upload_photo(&token, "inside").await;
    let second = s.upload_photo(&token, "second").await;
    let outside = s.upload_photo(&token, "outside").await;
    let album = id_of(
        &create(
            s,
            &token,
            json!({"albumName": "t", "assetIds": [inside, second]}),
        )
        .await,
    );
    let path = format!("/albums/{album}");
    let (status, body) = s
        .patch(&token, &path, json!({"albumThumbnailAssetId": outside}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(s, &token, &album).await["albumThumbnailAssetId"],
        inside.as_str()
    );
    let (status, body) = s
        .patch(&token, &path, json!({"albumThumbnailAssetId": second}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["albumThumbnailAssetId"], second.as_str());
}

async fn only_the_owner_updates_or_deletes_an_album(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let (_, outsider) = s.user(&admin, "o@example.com").await;
    let asset = s.upload_photo(&admin, "kept").await;
    let album = id_of(
        &create(
            s,
            &admin,
            json!({"albumName": "mine", "assetIds": [asset],
                   "albumUsers": [{"userId": user_id, "role": "editor"}]}),
        )
        .await,
    );
    let path = format!("/albums/{album}");
    for token in [&user, &outsider] {
        let (status, body) = s.patch(token, &path, json!({"albumName": "taken"})).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        let (status, body) = s.delete(token, &path, None).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    assert_eq!(get(s, &admin, &album).await["albumName"], "mine");

    let (status, _) = s.delete(&admin, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s.get(&admin, &path).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, listed) = s.get(&user, "/albums").await;
    assert_eq!(listed, json!([]));
    let (status, _) = s.get(&admin, &format!("/assets/{asset}")).await;
    assert_eq!(status, StatusCode::OK, "assets outlive their album");
    assert_eq!(s.stored_files().len(), 1);
}

async fn add_assets_reports_a_result_per_id(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let present = s.upload_photo(&admin, "present").await;
    let fresh = s.upload_photo(&admin, "fresh").await;
    let others = s.upload_photo(&user, "others").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let album = id_of(&create(s, &admin, json!({"albumName": "a", "assetIds": [present]})).await);

    let (status, results) = s
        .put(
            &admin,
            &format!("/albums/{album}/assets"),
            json!({"ids": [fresh, present, others, fresh, unknown]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(
        outcomes(&results),
        [
            "ok",
            "duplicate",
            "no_permission",
            "duplicate",
            "no_permission"
        ]
    );
    assert_eq!(results[2]["id"], others.as_str());
    assert_eq!(get(s, &admin, &album).await["assetCount"], 2);

    // Adding again (as the CLI does for duplicates) answers, not fails.
    let (status, results) = s
        .put(
            &admin,
            &format!("/albums/{album}/assets"),
            json!({"ids": [fresh]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outcomes(&results), ["duplicate"]);
    let (status, body) = s
        .put(
            &admin,
            &format!("/albums/{album}/assets"),
            json!({"ids": ["bad"]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn remove_assets_reports_not_found_for_absent_ids(s: &TestServer) {
    let token = s.admin().await;
    let a = s.upload_photo(&token, "a").await;
    let b = s.upload_photo(&token, "b").await;
    let outside = s.upload_photo(&token, "outside").await;
    let album = id_of(&create(s, &token, json!({"albumName": "r", "assetIds": [a, b]})).await);
    let (status, results) = s
        .delete(
            &token,
            &format!("/albums/{album}/assets"),
            Some(json!({"ids": [a, outside, uuid::Uuid::new_v4()]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(outcomes(&results), ["ok", "not_found", "not_found"]);
    assert_eq!(get(s, &token, &album).await["assetCount"], 1);
    let (status, asset) = s.get(&token, &format!("/assets/{a}")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "removed from the album, not deleted"
    );
    assert_eq!(asset["isTrashed"], false);
    let (_, results) = s
        .delete(
            &token,
            &format!("/albums/{album}/assets"),
            Some(json!({"ids": [a]})),
        )
        .await;
    assert_eq!(outcomes(&results), ["not_found"]);
}

async fn add_assets_to_several_albums_at_once(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "u@example.com").await;
    let x = s.upload_photo(&admin, "x").await;
    let y = s.upload_photo(&admin, "y").await;
    let first = id_of(&create(s, &admin, json!({"albumName": "1"})).await);
    let second = id_of(&create(s, &admin, json!({"albumName": "2", "assetIds": [x]})).await);
    let foreign = id_of(&create(s, &user, json!({"albumName": "theirs"})).await);

    let (status, body) = s
        .put(
            &admin,
            "/albums/assets",
            json!({"albumIds": [first, second], "assetIds": [x, y]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(get(s, &admin, &first).await["assetCount"], 2);
    assert_eq!(get(s, &admin, &second).await["assetCount"], 2);

    let (_, body) = s
        .put(
            &admin,
            "/albums/assets",
            json!({"albumIds": [first, second], "assetIds": [x, y]}),
        )
        .await;
    assert_eq!(body, json!({"success": false, "error": "duplicate"}));

    let (_, body) = s
        .put(
            &admin,
            "/albums/assets",
            json!({"albumIds": [foreign], "assetIds": [x]}),
        )
        .await;
    assert_eq!(body, json!({"success": false, "error": "no_permission"}));
    assert_eq!(get(s, &user, &foreign).await["assetCount"], 0);
}

async fn album_users_are_added_updated_and_removed(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let album = id_of(&create(s, &admin, json!({"albumName": "grow"})).await);

    let (status, body) = s
        .put(
            &admin,
            &format!("/albums/{album}/users"),
            json!({"albumUsers": [{"userId": user_id}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["shared"], true);
    assert_eq!(members(&body)[1], (user_id.clone(), "editor".to_string()));
    get(s, &user, &album).await;

    let member = format!("/albums/{album}/user/{user_id}");
    let (status, body) = s.put(&admin, &member, json!({"role": "viewer"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        members(&get(s, &admin, &album).await)[1],
        (user_id.clone(), "viewer".to_string())
    );
    let (status, body) = s.put(&admin, &member, json!({"role": "boss"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.put(&user, &member, json!({"role": "editor"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let stranger = format!("/albums/{album}/user/{}", uuid::Uuid::new_v4());
    let (status, body) = s.put(&admin, &stranger, json!({"role": "editor"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(members(&get(s, &admin, &album).await)[1].1, "viewer");

    let (status, body) = s.delete(&admin, &member, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = s.get(&user, &format!("/albums/{album}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let read = get(s, &admin, &album).await;
    assert_eq!(read["shared"], false);
    assert_eq!(members(&read).len(), 1);
    let (status, body) = s.delete(&admin, &member, None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn adding_the_owner_or_an_existing_member_is_400(s: &TestServer) {
    let admin = s.admin().await;
    let admin_id = my_id(s, &admin).await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let album = id_of(
        &create(
            s,
            &admin,
            json!({"albumName": "a", "albumUsers": [{"userId": user_id, "role": "viewer"}]}),
        )
        .await,
    );
    let path = format!("/albums/{album}/users");
    for body in [
        json!({"albumUsers": [{"userId": admin_id}]}),
        json!({"albumUsers": [{"userId": user_id, "role": "editor"}]}),
        json!({"albumUsers": [{"userId": uuid::Uuid::new_v4()}]}),
        json!({"albumUsers": [{"userId": user_id, "role": "owner"}]}),
    ] {
        let (status, answer) = s.put(&admin, &path, body.clone()).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST);
    }
    // Members cannot invite.
    let (_, other) = s.user(&admin, "o@example.com").await;
    let (_, other_me) = s.get(&other, "/users/me").await;
    let (status, body) = s
        .put(
            &user,
            &path,
            json!({"albumUsers": [{"userId": other_me["id"]}]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(
        members(&get(s, &admin, &album).await),
        [
            (admin_id, "owner".to_string()),
            (user_id, "viewer".to_string())
        ]
    );
}

async fn member_can_leave_with_me_but_not_remove_others(s: &TestServer) {
    let admin = s.admin().await;
    let admin_id = my_id(s, &admin).await;
    let (a_id, a) = s.user(&admin, "a@example.com").await;
    let (b_id, b) = s.user(&admin, "b@example.com").await;
    let album = id_of(
        &create(
            s,
            &admin,
            json!({"albumName": "group", "albumUsers": [
                {"userId": a_id, "role": "editor"},
                {"userId": b_id, "role": "viewer"}
            ]}),
        )
        .await,
    );
    let (status, body) = s
        .delete(&a, &format!("/albums/{album}/user/{b_id}"), None)
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    assert_error(status, &body, status);
    get(s, &b, &album).await;
    let (status, body) = s
        .delete(&a, &format!("/albums/{album}/user/{admin_id}"), None)
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .delete(&admin, &format!("/albums/{album}/user/me"), None)
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    let (status, body) = s
        .delete(&a, &format!("/albums/{album}/user/me"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = s.get(&a, &format!("/albums/{album}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let remaining: Vec<String> = members(&get(s, &admin, &album).await)
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(remaining, [admin_id, b_id]);
}

async fn viewer_cannot_add_assets_but_editor_can(s: &TestServer) {
    let admin = s.admin().await;
    let (viewer_id, viewer) = s.user(&admin, "v@example.com").await;
    let (editor_id, editor) = s.user(&admin, "e@example.com").await;
    let album = id_of(
        &create(
            s,
            &admin,
            json!({"albumName": "roles", "albumUsers": [
                {"userId": viewer_id, "role": "viewer"},
                {"userId": editor_id, "role": "editor"}
            ]}),
        )
        .await,
    );
    let viewers = s.upload_photo(&viewer, "viewers").await;
    let editors = s.upload_photo(&editor, "editors").await;
    let (status, body) = s
        .put(
            &viewer,
            &format!("/albums/{album}/assets"),
            json!({"ids": [viewers]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, body) = s
        .put(
            &viewer,
            "/albums/assets",
            json!({"albumIds": [album], "assetIds": [viewers]}),
        )
        .await;
    assert_eq!(body["success"], false);
    assert_eq!(get(s, &admin, &album).await["assetCount"], 0);

    let (status, results) = s
        .put(
            &editor,
            &format!("/albums/{album}/assets"),
            json!({"ids": [editors]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(outcomes(&results), ["ok"]);
    assert_eq!(get(s, &viewer, &album).await["assetCount"], 1);
    // Through the album, the viewer may now see the editor's asset.
    let (status, _) = s.get(&viewer, &format!("/assets/{editors}")).await;
    assert_eq!(status, StatusCode::OK);
}

async fn editor_removes_only_their_own_assets(s: &TestServer) {
    let admin = s.admin().await;
    let (editor_id, editor) = s.user(&admin, "e@example.com").await;
    let owners = s.upload_photo(&admin, "owners").await;
    let album = id_of(
        &create(
            s,
            &admin,
            json!({"albumName": "mixed", "assetIds": [owners],
                   "albumUsers": [{"userId": editor_id, "role": "editor"}]}),
        )
        .await,
    );
    let editors = s.upload_photo(&editor, "editors").await;
    s.put(
        &editor,
        &format!("/albums/{album}/assets"),
        json!({"ids": [editors]}),
    )
    .await;
    let (status, results) = s
        .delete(
            &editor,
            &format!("/albums/{album}/assets"),
            Some(json!({"ids": [owners, editors]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(outcomes(&results), ["no_permission", "ok"]);
    assert_eq!(get(s, &admin, &album).await["assetCount"], 1);
    // The owner may remove anything.
    let (_, results) = s
        .delete(
            &admin,
            &format!("/albums/{album}/assets"),
            Some(json!({"ids": [owners]})),
        )
        .await;
    assert_eq!(outcomes(&results), ["ok"]);
}

async fn album_statistics_count_owned_shared_and_not_shared(s: &TestServer) {
    let admin = s.admin().await;
    let admin_id = my_id(s, &admin).await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    create(s, &admin, json!({"albumName": "solo"})).await;
    create(s, &admin, json!({"albumName": "solo 2"})).await;
    create(
        s,
        &admin,
        json!({"albumName": "out", "albumUsers": [{"userId": user_id, "role": "viewer"}]}),
    )
    .await;
    create(
        s,
        &user,
        json!({"albumName": "in", "albumUsers": [{"userId": admin_id, "role": "editor"}]}),
    )
    .await;
    let (status, stats) = s.get(&admin, "/albums/statistics").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats, json!({"owned": 3, "shared": 2, "notShared": 2}));
    let (_, stats) = s.get(&user, "/albums/statistics").await;
    assert_eq!(stats, json!({"owned": 1, "shared": 2, "notShared": 0}));
}
