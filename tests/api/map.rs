//! The map: markers for the caller's geotagged assets (with Immich's filters) and place
//! names for a position from the embedded place data.

use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    markers_show_geotagged_assets_with_immichs_filters,
    markers_include_partners_and_shared_albums_only_when_asked,
    album_markers_serve_members_and_link_visitors,
    reverse_geocode_names_the_place_at_a_position,
    map_refuses_bad_input,
);

async fn place(s: &TestServer, token: &str, id: &str, lat: f64, lon: f64) {
    let (status, body) = s
        .put(
            token,
            &format!("/assets/{id}"),
            json!({"latitude": lat, "longitude": lon}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn marker_ids(s: &TestServer, token: &str, query: &str) -> Vec<String> {
    let (status, markers) = s.get(token, &format!("/map/markers{query}")).await;
    assert_eq!(status, StatusCode::OK, "{markers}");
    let mut ids: Vec<String> = markers
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

async fn markers_show_geotagged_assets_with_immichs_filters(s: &TestServer) {
    let admin = s.admin().await;
    let paris = s.upload_photo(&admin, "paris").await;
    let archived = s.upload_photo(&admin, "archived").await;
    let favorite = s.upload_photo(&admin, "favorite").await;
    let trashed = s.upload_photo(&admin, "trashed").await;
    s.upload_photo(&admin, "nowhere").await;
    for id in [&paris, &archived, &favorite, &trashed] {
        place(s, &admin, id, 48.8584, 2.2945).await;
    }
    s.put(
        &admin,
        &format!("/assets/{archived}"),
        json!({"visibility": "archive"}),
    )
    .await;
    s.put(
        &admin,
        &format!("/assets/{favorite}"),
        json!({"isFavorite": true}),
    )
    .await;
    s.delete(&admin, "/assets", Some(json!({"ids": [trashed]})))
        .await;

    let (status, markers) = s.get(&admin, "/map/markers").await;
    assert_eq!(status, StatusCode::OK, "{markers}");
    let one = markers
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == paris.as_str())
        .expect("the Paris photo has a marker");
    assert_eq!(one["lat"], 48.8584);
    assert_eq!(one["lon"], 2.2945);
    for field in ["city", "state", "country"] {
        assert!(one.get(field).is_some(), "{field} is always present: {one}");
    }
    assert_eq!(
        marker_ids(s, &admin, "").await,
        sorted(&[&paris, &favorite])
    );
    assert_eq!(
        marker_ids(s, &admin, "?isArchived=true").await,
        sorted(&[&paris, &archived, &favorite])
    );
    assert_eq!(
        marker_ids(s, &admin, "?isFavorite=true").await,
        vec![favorite.clone()]
    );
    assert_eq!(
        marker_ids(s, &admin, "?isFavorite=false").await,
        vec![paris.clone()]
    );
    // fakes are created "now": a window in the past holds none, one around now all.
    assert!(
        marker_ids(s, &admin, "?fileCreatedBefore=2000-01-01T00:00:00Z")
            .await
            .is_empty()
    );
    assert_eq!(
        marker_ids(s, &admin, "?fileCreatedAfter=2000-01-01T00:00:00Z")
            .await
            .len(),
        2
    );
}

async fn markers_include_partners_and_shared_albums_only_when_asked(s: &TestServer) {
    let admin = s.admin().await;
    let (bob_id, bob) = s.user(&admin, "bob@example.com").await;
    let (_, carol) = s.user(&admin, "carol@example.com").await;
    let mine = s.upload_photo(&bob, "mine").await;
    let partners = s.upload_photo(&admin, "partners").await;
    let carols = s.upload_photo(&carol, "carols").await;
    for (token, id) in [(&bob, &mine), (&admin, &partners), (&carol, &carols)] {
        place(s, token, id, 52.52, 13.405).await;
    }
    let (status, body) = s
        .post(&admin, "/partners", json!({"sharedWithId": bob_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, me) = s.get(&admin, "/users/me").await;
    let admin_id = me["id"].as_str().unwrap();
    s.put(
        &bob,
        &format!("/partners/{admin_id}"),
        json!({"inTimeline": true}),
    )
    .await;
    let (status, body) = s
        .post(
            &carol,
            "/albums",
            json!({"albumName": "Berlin", "assetIds": [carols],
                   "albumUsers": [{"userId": bob_id, "role": "viewer"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    assert_eq!(marker_ids(s, &bob, "").await, vec![mine.clone()]);
    assert_eq!(
        marker_ids(s, &bob, "?withPartners=true").await,
        sorted(&[&mine, &partners])
    );
    assert_eq!(
        marker_ids(s, &bob, "?withSharedAlbums=true").await,
        sorted(&[&mine, &carols])
    );
    // Carol's markers never show Bob's or the admin's photos.
    assert_eq!(
        marker_ids(s, &carol, "?withPartners=true&withSharedAlbums=true").await,
        vec![carols.clone()]
    );
}

async fn album_markers_serve_members_and_link_visitors(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let inside = s.upload_photo(&admin, "inside").await;
    let outside = s.upload_photo(&admin, "outside").await;
    place(s, &admin, &inside, 40.4168, -3.7038).await;
    place(s, &admin, &outside, 40.4168, -3.7038).await;
    let (_, album) = s
        .post(
            &admin,
            "/albums",
            json!({"albumName": "Madrid", "assetIds": [inside]}),
        )
        .await;
    let album = album["id"].as_str().unwrap().to_string();
    let (status, markers) = s.get(&admin, &format!("/albums/{album}/map-markers")).await;
    assert_eq!(status, StatusCode::OK, "{markers}");
    assert_eq!(markers.as_array().unwrap().len(), 1);
    assert_eq!(markers[0]["id"], inside.as_str());

    let (_, link) = s
        .post(
            &admin,
            "/shared-links",
            json!({"type": "ALBUM", "albumId": album}),
        )
        .await;
    let key = link["key"].as_str().unwrap();
    let (status, markers) = s
        .get("", &format!("/albums/{album}/map-markers?key={key}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{markers}");
    assert_eq!(markers.as_array().unwrap().len(), 1);
    let (status, body) = s.get(&bob, &format!("/albums/{album}/map-markers")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get("", &format!("/map/markers?key={key}")).await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}

async fn reverse_geocode_names_the_place_at_a_position(s: &TestServer) {
    let admin = s.admin().await;
    let (status, places) = s
        .get(&admin, "/map/reverse-geocode?lat=48.8584&lon=2.2945")
        .await;
    assert_eq!(status, StatusCode::OK, "{places}");
    assert_eq!(places.as_array().unwrap().len(), 1, "{places}");
    assert_eq!(places[0]["country"], "France");
    assert!(places[0]["city"].is_string(), "{places}");
    assert!(places[0].get("state").is_some());
    // Mid-ocean there is nothing to name.
    let (status, places) = s.get(&admin, "/map/reverse-geocode?lat=-40&lon=-130").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(places, Value::Array(vec![]));
}

async fn map_refuses_bad_input(s: &TestServer) {
    let admin = s.admin().await;
    for path in [
        "/map/reverse-geocode",
        "/map/reverse-geocode?lat=1",
        "/map/reverse-geocode?lat=north&lon=2",
        "/map/reverse-geocode?lat=91&lon=0",
        "/map/reverse-geocode?lat=0&lon=-181",
        "/map/markers?isArchived=maybe",
        "/map/markers?fileCreatedAfter=yesterday",
        "/albums/not-a-uuid/map-markers",
    ] {
        let (status, body) = s.get(&admin, path).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let (status, body) = s.get("", "/map/markers").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (_, key) = s.api_key(&admin, &["asset.read"]).await;
    let (status, body) = s
        .with_key(&key, reqwest::Method::GET, "/map/markers", None)
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}
