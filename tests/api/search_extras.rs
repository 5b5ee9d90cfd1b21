//! Searching by extracted metadata (camera, lens, place, rating), and Immich's other searches:
//! random, statistics, large assets, suggestions, cities and explore.

use reqwest::multipart::Part;
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories, upload_form};

stories!(
    search_by_camera_lens_place_and_rating_matches_exactly,
    null_metadata_filters_find_assets_without_a_value,
    suggestions_list_values_narrowed_by_the_other_fields,
    random_search_returns_each_match_once_up_to_size,
    statistics_count_what_the_filters_match,
    large_assets_come_largest_first_above_the_minimum_size,
    cities_and_explore_show_one_photo_per_place,
    partners_timeline_photos_are_searched_but_not_their_archive,
    filters_for_what_no_asset_has_match_nothing,
    stacked_and_encoded_filters,
);

/// Where and with what a photo was taken, as its XMP sidecar says.
struct Shot {
    make: &'static str,
    model: &'static str,
    lens: &'static str,
    /// XMP's `DD,MM.mmK` form.
    lat: &'static str,
    lon: &'static str,
    rating: u8,
}

const PARIS_CANON: Shot = Shot {
    make: "Canon",
    model: "Canon EOS R5",
    lens: "RF24-70mm F2.8 L IS USM",
    lat: "48,51.3N",
    lon: "2,21.1E",
    rating: 4,
};

const POTSDAM_NIKON: Shot = Shot {
    make: "NIKON CORPORATION",
    model: "NIKON Z 6",
    lens: "NIKKOR Z 24-70mm f/4 S",
    lat: "52,23.93N",
    lon: "13,3.94E",
    rating: 2,
};

const PARIS_NIKON: Shot = Shot {
    make: "NIKON CORPORATION",
    model: "NIKON Z 6",
    lens: "NIKKOR Z 50mm f/1.8 S",
    lat: "48,51.4N",
    lon: "2,21.0E",
    rating: 5,
};

fn sidecar(shot: &Shot) -> Vec<u8> {
    format!(
        r#"<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:exifEX="http://cipa.jp/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    tiff:Make="{}" tiff:Model="{}" exifEX:LensModel="{}"
    exif:GPSLatitude="{}" exif:GPSLongitude="{}"
    exif:DateTimeOriginal="2021-06-01T12:00:00+02:00"
    xmp:Rating="{}"/>
 </rdf:RDF>
</x:xmpmeta>"#,
        shot.make, shot.model, shot.lens, shot.lat, shot.lon, shot.rating
    )
    .into_bytes()
}

/// Uploads a real photo of `color` with the shot's sidecar; returns its id.
async fn upload_shot(s: &TestServer, token: &str, color: &str, shot: &Shot) -> String {
    let form = upload_form(&format!("{color}.jpg"), s.real_jpeg(color)).part(
        "sidecarData",
        Part::bytes(sidecar(shot)).file_name(format!("{color}.xmp")),
    );
    let (status, body) = s.upload_form(token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Uploads a real photo without any metadata beyond its pixels.
async fn upload_plain(s: &TestServer, token: &str, color: &str) -> String {
    let (status, body) = s
        .upload(token, &format!("{color}.jpg"), s.real_jpeg(color))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn metadata_settles(s: &TestServer, token: &str) {
    s.queue_settles(token, "sidecar").await;
    s.queue_settles(token, "metadataExtraction").await;
}

async fn exif(s: &TestServer, token: &str, id: &str) -> Value {
    let (status, asset) = s.get(token, &format!("/assets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{asset}");
    asset["exifInfo"].clone()
}

fn ids_of(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn metadata_ids(s: &TestServer, token: &str, body: Value) -> Vec<String> {
    let (status, found) = s.post(token, "/search/metadata", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}: {found}");
    ids_of(&found["assets"]["items"])
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

async fn search_by_camera_lens_place_and_rating_matches_exactly(s: &TestServer) {
    let token = s.admin().await;
    let canon = upload_shot(s, &token, "red", &PARIS_CANON).await;
    let potsdam = upload_shot(s, &token, "green", &POTSDAM_NIKON).await;
    let paris = upload_shot(s, &token, "blue", &PARIS_NIKON).await;
    metadata_settles(s, &token).await;
    let paris_exif = exif(s, &token, &paris).await;
    assert_eq!(paris_exif["make"], "NIKON CORPORATION", "{paris_exif}");
    assert_eq!(paris_exif["city"], "Paris", "{paris_exif}");
    assert_eq!(paris_exif["country"], "France");
    let potsdam_exif = exif(s, &token, &potsdam).await;
    assert_eq!(potsdam_exif["city"], "Potsdam", "{potsdam_exif}");

    for (filter, expected) in [
        (json!({"make": "Canon"}), sorted(&[&canon])),
        (
            json!({"make": "NIKON CORPORATION"}),
            sorted(&[&potsdam, &paris]),
        ),
        // Exact values, as Immich compares them: no substrings, case counts.
        (json!({"make": "NIKON"}), vec![]),
        (json!({"make": "canon"}), vec![]),
        (json!({"model": "NIKON Z 6"}), sorted(&[&potsdam, &paris])),
        (
            json!({"lensModel": "NIKKOR Z 50mm f/1.8 S"}),
            sorted(&[&paris]),
        ),
        (json!({"city": "Paris"}), sorted(&[&canon, &paris])),
        (json!({"country": "Germany"}), sorted(&[&potsdam])),
        (
            json!({"state": paris_exif["state"].clone()}),
            sorted(&[&canon, &paris]),
        ),
        (json!({"rating": 4}), sorted(&[&canon])),
        // Filters combine.
        (
            json!({"city": "Paris", "make": "NIKON CORPORATION", "rating": 5}),
            sorted(&[&paris]),
        ),
        (json!({"city": "Paris", "rating": 2}), vec![]),
    ] {
        assert_eq!(
            metadata_ids(s, &token, filter.clone()).await,
            expected,
            "{filter}"
        );
    }
    for bad in [
        json!({"rating": 6}),
        json!({"rating": -2}),
        json!({"make": 3}),
    ] {
        let (status, body) = s.post(&token, "/search/metadata", bad).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
}

async fn null_metadata_filters_find_assets_without_a_value(s: &TestServer) {
    let token = s.admin().await;
    let shot = upload_shot(s, &token, "red", &PARIS_CANON).await;
    let plain = upload_plain(s, &token, "white").await;
    metadata_settles(s, &token).await;
    for field in [
        "make",
        "model",
        "lensModel",
        "city",
        "state",
        "country",
        "rating",
    ] {
        assert_eq!(
            metadata_ids(s, &token, json!({field: null})).await,
            std::slice::from_ref(&plain),
            "{field}: null"
        );
    }
    // An absent field does not filter.
    assert_eq!(
        metadata_ids(s, &token, json!({})).await,
        sorted(&[&shot, &plain])
    );
}

async fn suggestions(s: &TestServer, token: &str, query: &str) -> Value {
    let (status, body) = s.get(token, &format!("/search/suggestions?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

async fn suggestions_list_values_narrowed_by_the_other_fields(s: &TestServer) {
    let token = s.admin().await;
    upload_shot(s, &token, "red", &PARIS_CANON).await;
    upload_shot(s, &token, "green", &POTSDAM_NIKON).await;
    let archived = upload_shot(s, &token, "blue", &PARIS_NIKON).await;
    upload_plain(s, &token, "white").await;
    metadata_settles(s, &token).await;
    // Suggestions come from the timeline: an archived photo's lens is not offered.
    s.put(
        &token,
        "/assets",
        json!({"ids": [archived], "visibility": "archive"}),
    )
    .await;

    assert_eq!(
        suggestions(s, &token, "type=country").await,
        json!(["France", "Germany"])
    );
    assert_eq!(
        suggestions(s, &token, "type=city&country=Germany").await,
        json!(["Potsdam"])
    );
    assert_eq!(
        suggestions(s, &token, "type=camera-make").await,
        json!(["Canon", "NIKON CORPORATION"])
    );
    assert_eq!(
        suggestions(s, &token, "type=camera-model&make=Canon").await,
        json!(["Canon EOS R5"])
    );
    assert_eq!(
        suggestions(s, &token, "type=camera-lens-model&make=NIKON%20CORPORATION").await,
        json!(["NIKKOR Z 24-70mm f/4 S"])
    );
    // `includeNull` offers "no value" as a last choice.
    assert_eq!(
        suggestions(
            s,
            &token,
            "type=camera-make&model=Canon%20EOS%20R5&includeNull=true"
        )
        .await,
        json!(["Canon", null])
    );
    let state = suggestions(s, &token, "type=state&country=France").await;
    assert_eq!(state.as_array().unwrap().len(), 1, "{state}");

    for bad in ["", "type=colour", "type=city&includeNull=maybe"] {
        let (status, body) = s.get(&token, &format!("/search/suggestions?{bad}")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    // Another user sees none of these values.
    let (_, other) = s.user(&token, "other@example.com").await;
    assert_eq!(suggestions(s, &other, "type=camera-make").await, json!([]));
}

async fn random_search_returns_each_match_once_up_to_size(s: &TestServer) {
    let token = s.admin().await;
    let mut all = Vec::new();
    for i in 0..6 {
        all.push(s.upload_photo(&token, &format!("r{i}")).await);
    }
    all.sort();
    let (status, found) = s.post(&token, "/search/random", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(ids_of(&found), all);
    let (_, three) = s.post(&token, "/search/random", json!({"size": 3})).await;
    let three = ids_of(&three);
    assert_eq!(three.len(), 3);
    assert!(three.iter().all(|id| all.contains(id)));
    s.put(
        &token,
        &format!("/assets/{}", all[0]),
        json!({"isFavorite": true}),
    )
    .await;
    let (_, favorites) = s
        .post(&token, "/search/random", json!({"isFavorite": true}))
        .await;
    assert_eq!(ids_of(&favorites), [all[0].clone()]);
    for bad in [
        json!({"size": 0}),
        json!({"size": 1001}),
        json!({"type": "x"}),
    ] {
        let (status, body) = s.post(&token, "/search/random", bad).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
}

async fn statistics_count_what_the_filters_match(s: &TestServer) {
    let token = s.admin().await;
    for i in 0..3 {
        s.upload_photo(&token, &format!("st{i}")).await;
    }
    let (status, video) = s
        .upload(
            &token,
            "clip.mp4",
            b"\0\0\0\x18ftypisom\0\0\0\0video".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{video}");
    let stats = |body: Value| {
        let token = token.clone();
        async move {
            let (status, found) = s.post(&token, "/search/statistics", body).await;
            assert_eq!(status, StatusCode::OK, "{found}");
            found
        }
    };
    assert_eq!(stats(json!({})).await, json!({"total": 4}));
    assert_eq!(stats(json!({"type": "IMAGE"})).await, json!({"total": 3}));
    assert_eq!(stats(json!({"type": "VIDEO"})).await, json!({"total": 1}));
    // Immich has no audio or other assets among uploads of photos and videos.
    assert_eq!(stats(json!({"type": "AUDIO"})).await, json!({"total": 0}));
    // A key without the statistics permission is refused.
    let (_, key) = s.api_key(&token, &["asset.read"]).await;
    let (status, body) = s
        .with_key(
            &key,
            reqwest::Method::POST,
            "/search/statistics",
            Some(json!({})),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}

async fn large_assets_come_largest_first_above_the_minimum_size(s: &TestServer) {
    let token = s.admin().await;
    let small = s.upload_photo(&token, "small").await;
    let (status, big) = s
        .upload(&token, "big.jpg", shoebox_tests::big_jpeg(200_000, 1))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{big}");
    let big = big["id"].as_str().unwrap().to_string();
    let (status, medium) = s
        .upload(&token, "medium.jpg", shoebox_tests::big_jpeg(50_000, 2))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{medium}");
    let medium = medium["id"].as_str().unwrap().to_string();

    let order = |found: &Value| -> Vec<String> {
        found
            .as_array()
            .unwrap_or_else(|| panic!("{found}"))
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, found) = s.post(&token, "/search/large-assets", json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(order(&found), [big.clone(), medium.clone(), small.clone()]);
    let (_, found) = s
        .post(
            &token,
            "/search/large-assets?minFileSize=40000",
            json!(null),
        )
        .await;
    assert_eq!(order(&found), [big.clone(), medium.clone()]);
    let (_, found) = s
        .post(&token, "/search/large-assets?size=1", json!(null))
        .await;
    assert_eq!(order(&found), std::slice::from_ref(&big));
    // Lists repeat their key, as the SDK sends them.
    let (_, album) = s
        .post(
            &token,
            "/albums",
            json!({"albumName": "a", "assetIds": [small, medium]}),
        )
        .await;
    let (_, other) = s
        .post(
            &token,
            "/albums",
            json!({"albumName": "b", "assetIds": [medium]}),
        )
        .await;
    let query = format!(
        "/search/large-assets?albumIds={}&albumIds={}&isFavorite=false",
        album["id"].as_str().unwrap(),
        other["id"].as_str().unwrap()
    );
    let (_, found) = s.post(&token, &query, json!(null)).await;
    assert_eq!(order(&found), std::slice::from_ref(&medium));
    for bad in [
        "minFileSize=-1",
        "minFileSize=big",
        "size=0",
        "isFavorite=perhaps",
        "albumIds=nope",
    ] {
        let (status, body) = s
            .post(&token, &format!("/search/large-assets?{bad}"), json!(null))
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
}

async fn cities_and_explore_show_one_photo_per_place(s: &TestServer) {
    let token = s.admin().await;
    let colors = ["red", "green", "blue", "yellow", "purple"];
    let mut paris = Vec::new();
    for color in colors {
        paris.push(upload_shot(s, &token, color, &PARIS_CANON).await);
    }
    let potsdam = upload_shot(s, &token, "white", &POTSDAM_NIKON).await;
    upload_plain(s, &token, "black").await;
    metadata_settles(s, &token).await;

    let (status, cities) = s.get(&token, "/search/cities").await;
    assert_eq!(status, StatusCode::OK, "{cities}");
    let cities = cities.as_array().unwrap();
    let names: Vec<&str> = cities
        .iter()
        .map(|a| a["exifInfo"]["city"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Paris", "Potsdam"]);
    assert!(paris.contains(&cities[0]["id"].as_str().unwrap().to_string()));
    assert_eq!(cities[1]["id"], potsdam.as_str());

    // Explore lists a city once it has five photos.
    let (status, explore) = s.get(&token, "/search/explore").await;
    assert_eq!(status, StatusCode::OK, "{explore}");
    assert_eq!(explore[0]["fieldName"], "exifInfo.city");
    let items = explore[0]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{explore}");
    assert_eq!(items[0]["value"], "Paris");
    assert!(paris.contains(&items[0]["data"]["id"].as_str().unwrap().to_string()));

    // Trashed and archived photos do not stand for a place.
    s.delete(&token, "/assets", Some(json!({"ids": [paris[0]]})))
        .await;
    let (_, explore) = s.get(&token, "/search/explore").await;
    assert_eq!(explore[0]["items"], json!([]), "{explore}");
    s.put(
        &token,
        "/assets",
        json!({"ids": [potsdam], "visibility": "archive"}),
    )
    .await;
    let (_, cities) = s.get(&token, "/search/cities").await;
    assert_eq!(cities.as_array().unwrap().len(), 1, "{cities}");
}

async fn partners_timeline_photos_are_searched_but_not_their_archive(s: &TestServer) {
    let admin = s.admin().await;
    let (partner_id, partner) = s.user(&admin, "partner@example.com").await;
    let (_, me) = s.get(&admin, "/users/me").await;
    let shared = upload_shot(s, &partner, "red", &PARIS_CANON).await;
    let archived = upload_shot(s, &partner, "green", &PARIS_CANON).await;
    // The queues are the admin's to watch.
    metadata_settles(s, &admin).await;
    s.put(
        &partner,
        "/assets",
        json!({"ids": [archived], "visibility": "archive"}),
    )
    .await;
    let mine = upload_plain(s, &admin, "blue").await;

    // Before sharing, nothing of theirs is found.
    assert_eq!(
        metadata_ids(s, &admin, json!({})).await,
        std::slice::from_ref(&mine)
    );
    let (status, body) = s
        .post(&partner, "/partners", json!({"sharedWithId": me["id"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Shared, but not yet in the admin's timeline: still not searched.
    assert_eq!(
        metadata_ids(s, &admin, json!({})).await,
        std::slice::from_ref(&mine)
    );
    let (status, body) = s
        .put(
            &admin,
            &format!("/partners/{partner_id}"),
            json!({"inTimeline": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        metadata_ids(s, &admin, json!({})).await,
        sorted(&[&mine, &shared])
    );
    assert_eq!(
        metadata_ids(s, &admin, json!({"make": "Canon"})).await,
        std::slice::from_ref(&shared)
    );
    assert_eq!(
        metadata_ids(s, &admin, json!({"visibility": "archive"})).await,
        Vec::<String>::new()
    );
    assert_eq!(
        suggestions(s, &admin, "type=camera-make").await,
        json!(["Canon"])
    );
    let (_, stats) = s.post(&admin, "/search/statistics", json!({})).await;
    assert_eq!(stats["total"], 2, "{stats}");
}

async fn filters_for_what_no_asset_has_match_nothing(s: &TestServer) {
    let token = s.admin().await;
    s.upload_photo(&token, "any").await;
    assert_eq!(metadata_ids(s, &token, json!({})).await.len(), 1);
    for filter in [
        // A person who is not in the photo (nor anywhere).
        json!({"personIds": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"]}),
        json!({"ocr": "hello"}),
        json!({"isOffline": true}),
        json!({"libraryId": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}),
        json!({"type": "OTHER"}),
    ] {
        assert_eq!(
            metadata_ids(s, &token, filter.clone()).await,
            Vec::<String>::new(),
            "{filter}"
        );
    }
    // Empty lists and a blank text do not filter.
    for filter in [
        json!({"personIds": []}),
        json!({"ocr": ""}),
        json!({"isOffline": false}),
    ] {
        assert_eq!(
            metadata_ids(s, &token, filter.clone()).await.len(),
            1,
            "{filter}"
        );
    }
}

async fn stacked_and_encoded_filters(s: &TestServer) {
    let token = s.admin().await;
    let a = s.upload_photo(&token, "a").await;
    let b = s.upload_photo(&token, "b").await;
    let c = s.upload_photo(&token, "c").await;
    let (status, body) = s.post(&token, "/stacks", json!({"assetIds": [a, b]})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        metadata_ids(s, &token, json!({"withStacked": false})).await,
        std::slice::from_ref(&c)
    );
    assert_eq!(
        metadata_ids(s, &token, json!({"withStacked": true})).await,
        sorted(&[&a, &b, &c])
    );
    // No video here was transcoded.
    assert_eq!(
        metadata_ids(s, &token, json!({"isEncoded": true})).await,
        Vec::<String>::new()
    );
    assert_eq!(
        metadata_ids(s, &token, json!({"isEncoded": false})).await,
        sorted(&[&a, &b, &c])
    );
    assert_eq!(
        metadata_ids(s, &token, json!({"isMotion": true})).await,
        Vec::<String>::new()
    );
}
