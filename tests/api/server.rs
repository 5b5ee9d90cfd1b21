use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories};

stories!(
    ping_answers_pong_without_credentials,
    version_is_the_immich_release_we_implement,
    features_advertise_password_login_search_and_trash,
    config_reports_initialization_after_sign_up,
    media_types_list_dotted_extensions_by_kind,
    storage_needs_credentials_and_describes_the_disk,
    about_needs_credentials_and_names_the_version,
    statistics_are_admin_only_and_count_usage_per_user,
    well_known_is_served_at_the_root_not_under_api,
    unknown_api_route_is_404_json,
    other_paths_are_the_web_app_under_a_strict_csp,
    the_csp_allows_only_the_configured_map_style_host,
    wrong_method_on_a_known_route_answers_json,
);

async fn ping_answers_pong_without_credentials(s: &TestServer) {
    let (status, body) = s.get("", "/server/ping").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"res": "pong"}));
}

async fn version_is_the_immich_release_we_implement(s: &TestServer) {
    let (status, body) = s.get("", "/server/version").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["major"], 3);
    assert_eq!(body["minor"], 2);
    assert_eq!(body["patch"], 2);
    let (status, body) = s.get("", "/server/version-history").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_array());
}

async fn features_advertise_password_login_search_and_trash(s: &TestServer) {
    let (status, body) = s.get("", "/server/features").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["passwordLogin"], true);
    assert_eq!(body["search"], true);
    assert_eq!(body["trash"], true);
    assert_eq!(body["oauth"], false);
    assert_eq!(body["map"], true);
}

async fn config_reports_initialization_after_sign_up(s: &TestServer) {
    let (status, before) = s.get("", "/server/config").await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(before["isInitialized"], false);
    assert_eq!(before["trashDays"], 30);
    s.admin().await;
    let (_, after) = s.get("", "/server/config").await;
    assert_eq!(after["isInitialized"], true);
}

async fn media_types_list_dotted_extensions_by_kind(s: &TestServer) {
    let (status, body) = s.get("", "/server/media-types").await;
    assert_eq!(status, StatusCode::OK);
    let list = |kind: &str| -> Vec<String> {
        body[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect()
    };
    let (image, video, sidecar) = (list("image"), list("video"), list("sidecar"));
    for ext in [".jpg", ".jpeg", ".heic", ".png", ".dng"] {
        assert!(image.contains(&ext.to_string()), "{ext} in {image:?}");
    }
    for ext in [".mp4", ".mov", ".mkv"] {
        assert!(video.contains(&ext.to_string()), "{ext} in {video:?}");
    }
    assert_eq!(sidecar, [".xmp"]);
    for ext in image.iter().chain(&video) {
        assert!(ext.starts_with('.') && ext.to_lowercase() == *ext, "{ext}");
        assert!(
            !(image.contains(ext) && video.contains(ext)),
            "{ext} in both"
        );
    }
}

async fn storage_needs_credentials_and_describes_the_disk(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s.get("", "/server/storage").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, body) = s.get(&token, "/server/storage").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let size = body["diskSizeRaw"].as_i64().unwrap();
    let used = body["diskUseRaw"].as_i64().unwrap();
    let free = body["diskAvailableRaw"].as_i64().unwrap();
    assert!(size > 0 && used >= 0 && free > 0, "{body}");
    assert!(used + free <= size, "{body}");
    let pct = body["diskUsagePercentage"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&pct), "{body}");
    assert!(body["diskSize"].as_str().unwrap().ends_with('B'), "{body}");
}

async fn about_needs_credentials_and_names_the_version(s: &TestServer) {
    let token = s.admin().await;
    let (status, body) = s.get("", "/server/about").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, body) = s.get(&token, "/server/about").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], "v3.2.2");
    assert_eq!(body["licensed"], false);
}

async fn statistics_are_admin_only_and_count_usage_per_user(s: &TestServer) {
    let admin = s.admin().await;
    let (user_id, user) = s.user(&admin, "u@example.com").await;
    let photo = fake_jpeg("admin-photo");
    let (status, _) = s.upload(&admin, "a.jpg", photo.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let user_photo = fake_jpeg("user-photo");
    let (status, _) = s.upload(&user, "b.jpg", user_photo.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let clip = b"\0\0\0\x18ftypisom\0\0\0\0some video bytes".to_vec();
    let (status, body) = s.upload(&user, "c.mp4", clip.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, body) = s.get(&user, "/server/statistics").await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = s.get("", "/server/statistics").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);

    let (status, stats) = s.get(&admin, "/server/statistics").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["photos"], 2);
    assert_eq!(stats["videos"], 1);
    let total = photo.len() + user_photo.len() + clip.len();
    assert_eq!(stats["usage"], total);
    assert_eq!(stats["usagePhotos"], photo.len() + user_photo.len());
    assert_eq!(stats["usageVideos"], clip.len());
    let by_user = stats["usageByUser"].as_array().unwrap();
    assert_eq!(by_user.len(), 2);
    let of_user: &Value = by_user
        .iter()
        .find(|u| u["userId"] == user_id.as_str())
        .unwrap();
    assert_eq!(of_user["userName"], "u@example.com");
    assert_eq!(of_user["photos"], 1);
    assert_eq!(of_user["videos"], 1);
    assert_eq!(of_user["usage"], user_photo.len() + clip.len());
    assert_eq!(of_user["usagePhotos"], user_photo.len());
    assert_eq!(of_user["usageVideos"], clip.len());
}

async fn well_known_is_served_at_the_root_not_under_api(s: &TestServer) {
    let root = format!("http://{}", s.authority());
    let (status, body) = s
        .send(s.client.get(format!("{root}/.well-known/immich")))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"api": {"endpoint": "/api"}}));
    let (status, body) = s.get("", "/.well-known/immich").await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
}

async fn unknown_api_route_is_404_json(s: &TestServer) {
    let token = s.admin().await;
    for path in ["/nope", "/server/nope", "/assets/x/y/z"] {
        let res = s
            .client
            .get(s.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            res.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("json")
        );
        let body: Value = res.json().await.unwrap();
        assert_error(StatusCode::NOT_FOUND, &body, StatusCode::NOT_FOUND);
        assert!(
            body["message"].as_str().unwrap().contains(path),
            "{path}: {body}"
        );
    }
}

async fn other_paths_are_the_web_app_under_a_strict_csp(s: &TestServer) {
    let root = format!("http://{}", s.authority());
    for path in ["/", "/photos", "/albums/some/deep/link"] {
        let res = s.client.get(format!("{root}{path}")).send().await.unwrap();
        // 503 with an explanation when web/dist was not built before cargo.
        assert!(
            [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE].contains(&res.status()),
            "{path}: {}",
            res.status()
        );
        let headers = res.headers();
        assert!(
            headers[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
    // A missing file is not the app, and only GET/HEAD reach the app at all.
    let res = s
        .client
        .get(format!("{root}/assets/gone.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (status, body) = s.send(s.client.post(format!("{root}/elsewhere"))).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
}

async fn wrong_method_on_a_known_route_answers_json(s: &TestServer) {
    // As Immich (NestJS) does: "Cannot POST /…", 404, JSON.
    let (status, body) = s.post("", "/server/ping", json!({})).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let token = s.admin().await;
    let (status, body) = s.patch(&token, "/assets/statistics", json!({})).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let root = format!("http://{}", s.authority());
    let (status, body) = s
        .send(s.client.delete(format!("{root}/.well-known/immich")))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
}

async fn the_csp_allows_only_the_configured_map_style_host(s: &TestServer) {
    let root = format!("http://{}", s.authority());
    let csp = || async {
        let res = s.client.get(format!("{root}/map")).send().await.unwrap();
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    // Immich's default style host, for images and fetches only.
    let policy = csp().await;
    assert!(
        policy.contains("connect-src 'self' https://tiles.immich.cloud;"),
        "{policy}"
    );
    assert!(
        policy.contains("img-src 'self' data: blob: https://tiles.immich.cloud;"),
        "{policy}"
    );
    assert!(policy.contains("script-src 'self';"), "{policy}");

    let admin = s.admin().await;
    let (status, mut config) = s.get(&admin, "/system-config").await;
    assert_eq!(status, StatusCode::OK);
    config["map"]["lightStyle"] = json!("https://light.example.org:8443/styles/light.json");
    config["map"]["darkStyle"] = json!("http://dark.example.net/dark.json?x=1");
    let (status, body) = s.put(&admin, "/system-config", config.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let policy = csp().await;
    assert!(
        policy
            .contains("connect-src 'self' http://dark.example.net https://light.example.org:8443;"),
        "{policy}"
    );
    assert!(!policy.contains("immich.cloud"), "{policy}");

    config["map"]["enabled"] = json!(false);
    let (status, body) = s.put(&admin, "/system-config", config).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let policy = csp().await;
    assert!(!policy.contains("example"), "{policy}");
    let (_, features) = s.get("", "/server/features").await;
    assert_eq!(features["map"], false);
    assert!(policy.contains("connect-src 'self';"), "{policy}");
}
