use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, mut_stories, stories};

stories!(
    defaults_are_immichs_and_in_force_until_changed,
    system_config_is_admin_only,
    invalid_values_are_400_and_change_nothing,
    storage_template_options_list_immichs_tokens_and_presets,
    server_features_and_config_follow_the_system_config,
    admin_config_routes_share_the_system_config,
    config_without_sections_newer_than_sdk_3_0_is_accepted,
);

mut_stories!(an_update_round_trips_and_survives_a_restart);

/// Every section SDK 3.2.2's `AdminConfigDto` requires.
const SECTIONS: &[&str] = &[
    "backup",
    "ffmpeg",
    "image",
    "integrityChecks",
    "job",
    "library",
    "logging",
    "machineLearning",
    "map",
    "metadata",
    "newVersionCheck",
    "nightlyTasks",
    "notifications",
    "oauth",
    "passwordLogin",
    "reverseGeocoding",
    "server",
    "storageTemplate",
    "templates",
    "theme",
    "trash",
    "user",
];

async fn config(s: &TestServer, token: &str) -> Value {
    let (status, body) = s.get(token, "/system-config").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn defaults_are_immichs_and_in_force_until_changed(s: &TestServer) {
    let admin = s.admin().await;
    let (status, defaults) = s.get(&admin, "/system-config/defaults").await;
    assert_eq!(status, StatusCode::OK, "{defaults}");
    for section in SECTIONS {
        assert!(defaults[section].is_object(), "{section} in {defaults}");
    }
    let ffmpeg = &defaults["ffmpeg"];
    assert_eq!(ffmpeg["crf"], 23);
    assert_eq!(ffmpeg["preset"], "ultrafast");
    assert_eq!(ffmpeg["targetVideoCodec"], "h264");
    assert_eq!(ffmpeg["acceptedVideoCodecs"], json!(["h264"]));
    assert_eq!(ffmpeg["targetAudioCodec"], "aac");
    assert_eq!(ffmpeg["acceptedAudioCodecs"], json!(["aac", "mp3", "opus"]));
    assert_eq!(ffmpeg["acceptedContainers"], json!(["mov", "ogg", "webm"]));
    assert_eq!(ffmpeg["targetResolution"], "720");
    assert_eq!(ffmpeg["maxBitrate"], "0");
    assert_eq!(ffmpeg["transcode"], "required");
    assert_eq!(ffmpeg["accel"], "disabled");
    assert_eq!(ffmpeg["tonemap"], "hable");
    assert_eq!(ffmpeg["cqMode"], "auto");
    assert_eq!(ffmpeg["temporalAQ"], false);
    let image = &defaults["image"];
    assert_eq!(
        image["thumbnail"],
        json!({"format": "webp", "size": 250, "quality": 80, "progressive": false})
    );
    assert_eq!(
        image["preview"],
        json!({"format": "jpeg", "size": 1440, "quality": 80, "progressive": false})
    );
    assert_eq!(image["colorspace"], "p3");
    assert_eq!(image["extractEmbedded"], false);
    assert_eq!(image["fullsize"]["enabled"], false);
    let job = &defaults["job"];
    for (queue, concurrency) in [
        ("thumbnailGeneration", 3),
        ("metadataExtraction", 5),
        ("videoConversion", 1),
        ("faceDetection", 2),
        ("smartSearch", 2),
        ("backgroundTask", 5),
        ("ocr", 1),
        ("editor", 2),
        ("integrityCheck", 1),
    ] {
        assert_eq!(job[queue]["concurrency"], concurrency, "{queue}");
    }
    assert_eq!(defaults["trash"], json!({"enabled": true, "days": 30}));
    assert_eq!(defaults["oauth"]["defaultStorageQuota"], Value::Null);
    assert_eq!(
        defaults["machineLearning"]["facialRecognition"]["minScore"],
        0.7
    );
    assert_eq!(config(s, &admin).await, defaults);
}

async fn system_config_is_admin_only(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "user@example.com").await;
    for path in [
        "/system-config",
        "/system-config/defaults",
        "/system-config/storage-template-options",
        "/admin/config",
    ] {
        let (status, body) = s.get(&user, path).await;
        assert_error(status, &body, StatusCode::FORBIDDEN);
        let (status, body) = s.get("", path).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED);
    }
    // A user's PUT is refused before its body is looked at, valid or not.
    let valid = config(s, &admin).await;
    for body in [valid, json!({"ffmpeg": {"crf": 99}})] {
        let (status, reply) = s.put(&user, "/system-config", body).await;
        assert_error(status, &reply, StatusCode::FORBIDDEN);
    }
    // An admin's API key needs the permission too.
    let (_, key) = s.api_key(&admin, &["asset.read"]).await;
    let (status, body) = s
        .with_key(&key, reqwest::Method::GET, "/system-config", None)
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (_, key) = s.api_key(&admin, &["systemConfig.read"]).await;
    let (status, _) = s
        .with_key(&key, reqwest::Method::GET, "/system-config", None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn an_update_round_trips_and_survives_a_restart(s: &mut TestServer) {
    let admin = s.admin().await;
    let mut changed = config(s, &admin).await;
    changed["ffmpeg"]["crf"] = json!(30);
    changed["ffmpeg"]["targetVideoCodec"] = json!("hevc");
    changed["ffmpeg"]["acceptedVideoCodecs"] = json!(["h264", "hevc"]);
    changed["ffmpeg"]["transcode"] = json!("optimal");
    changed["image"]["preview"]["size"] = json!(1080);
    changed["image"]["thumbnail"]["format"] = json!("jpeg");
    changed["job"]["thumbnailGeneration"]["concurrency"] = json!(1);
    changed["trash"]["days"] = json!(10);
    changed["oauth"]["defaultStorageQuota"] = json!(1_000_000);
    let (status, saved) = s.put(&admin, "/system-config", changed.clone()).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved, changed);
    assert_eq!(config(s, &admin).await, changed);

    s.restart().await;
    let admin = s.login("admin@example.com", "admin-password").await;
    assert_eq!(config(s, &admin).await, changed, "kept across a restart");
    let (_, defaults) = s.get(&admin, "/system-config/defaults").await;
    assert_eq!(defaults["ffmpeg"]["crf"], 23, "defaults stay defaults");

    // Putting the defaults back restores them.
    let (status, _) = s.put(&admin, "/system-config", defaults.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config(s, &admin).await, defaults);
}

async fn invalid_values_are_400_and_change_nothing(s: &TestServer) {
    let admin = s.admin().await;
    let before = config(s, &admin).await;
    let invalid: &[(&str, Value)] = &[
        ("/ffmpeg/crf", json!(52)),
        ("/ffmpeg/crf", json!(-1)),
        ("/ffmpeg/targetVideoCodec", json!("divx")),
        ("/ffmpeg/transcode", json!("sometimes")),
        ("/image/thumbnail/quality", json!(0)),
        ("/image/preview/format", json!("gif")),
        ("/job/metadataExtraction/concurrency", json!(0)),
        ("/trash/days", json!("thirty")),
        ("/nightlyTasks/startTime", json!("25:61")),
        ("/backup/database/cronExpression", json!("every night")),
        ("/map/lightStyle", json!("not a url")),
        ("/machineLearning/urls", json!([])),
    ];
    for (pointer, value) in invalid {
        let mut body = before.clone();
        *body.pointer_mut(pointer).expect("field exists") = value.clone();
        let (status, reply) = s.put(&admin, "/system-config", body).await;
        assert_error(status, &reply, StatusCode::BAD_REQUEST);
        let field = pointer.rsplit('/').next().unwrap();
        assert!(
            reply["message"].as_str().unwrap().contains(field),
            "{pointer} = {value}: {reply}"
        );
    }
    let mut missing = before.clone();
    missing.as_object_mut().unwrap().remove("ffmpeg");
    let (status, reply) = s.put(&admin, "/system-config", missing).await;
    assert_error(status, &reply, StatusCode::BAD_REQUEST);
    let (status, reply) = s.put(&admin, "/system-config", json!("config")).await;
    assert_error(status, &reply, StatusCode::BAD_REQUEST);
    assert_eq!(config(s, &admin).await, before);
}

async fn storage_template_options_list_immichs_tokens_and_presets(s: &TestServer) {
    let admin = s.admin().await;
    let (status, body) = s
        .get(&admin, "/system-config/storage-template-options")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["yearOptions"], json!(["y", "yy"]));
    assert_eq!(body["monthOptions"], json!(["M", "MM", "MMM", "MMMM"]));
    assert_eq!(body["weekOptions"], json!(["W", "WW"]));
    assert_eq!(body["dayOptions"], json!(["d", "dd"]));
    assert_eq!(body["hourOptions"], json!(["h", "hh", "H", "HH"]));
    assert_eq!(body["minuteOptions"], json!(["m", "mm"]));
    assert_eq!(body["secondOptions"], json!(["s", "ss", "SSS"]));
    let presets = body["presetOptions"].as_array().unwrap();
    assert_eq!(presets[0], "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}");
    let (_, config) = s.get(&admin, "/system-config").await;
    assert!(presets.contains(&config["storageTemplate"]["template"]));
}

async fn server_features_and_config_follow_the_system_config(s: &TestServer) {
    let admin = s.admin().await;
    let mut changed = config(s, &admin).await;
    changed["trash"] = json!({"enabled": false, "days": 12});
    changed["passwordLogin"]["enabled"] = json!(false);
    changed["server"]["loginPageMessage"] = json!("Welcome to the family photos");
    changed["server"]["publicUsers"] = json!(false);
    changed["user"]["deleteDelay"] = json!(3);
    changed["oauth"]["buttonText"] = json!("Sign in with SSO");
    let (status, body) = s.put(&admin, "/system-config", changed).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (_, features) = s.get("", "/server/features").await;
    assert_eq!(features["trash"], false);
    assert_eq!(features["passwordLogin"], false);
    let (_, server) = s.get("", "/server/config").await;
    assert_eq!(server["trashDays"], 12);
    assert_eq!(server["loginPageMessage"], "Welcome to the family photos");
    assert_eq!(server["publicUsers"], false);
    assert_eq!(server["userDeleteDelay"], 3);
    assert_eq!(server["oauthButtonText"], "Sign in with SSO");
}

async fn admin_config_routes_share_the_system_config(s: &TestServer) {
    let admin = s.admin().await;
    let mut changed = config(s, &admin).await;
    changed["ffmpeg"]["preset"] = json!("medium");
    let (status, body) = s.put(&admin, "/admin/config", changed.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(config(s, &admin).await, changed);
    let (status, admin_view) = s.get(&admin, "/admin/config").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(admin_view, changed);
    let (status, defaults) = s.get(&admin, "/admin/config/defaults").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(defaults["ffmpeg"]["preset"], "ultrafast");
}

/// Clients built against SDK 3.0 send neither `integrityChecks`,
/// `ffmpeg.realtime`, `job.integrityCheck` nor `newVersionCheck.channel`;
/// their defaults fill in, and the old audio codec name still reads.
async fn config_without_sections_newer_than_sdk_3_0_is_accepted(s: &TestServer) {
    let admin = s.admin().await;
    let mut old = config(s, &admin).await;
    old.as_object_mut().unwrap().remove("integrityChecks");
    old["ffmpeg"].as_object_mut().unwrap().remove("realtime");
    old["job"].as_object_mut().unwrap().remove("integrityCheck");
    old["newVersionCheck"]
        .as_object_mut()
        .unwrap()
        .remove("channel");
    old["ffmpeg"]["acceptedAudioCodecs"] = json!(["aac", "libopus"]);
    let (status, saved) = s.put(&admin, "/system-config", old).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["job"]["integrityCheck"]["concurrency"], 1);
    assert_eq!(
        saved["integrityChecks"]["checksumFiles"]["percentageLimit"],
        1.0
    );
    assert_eq!(
        saved["ffmpeg"]["acceptedAudioCodecs"],
        json!(["aac", "opus"])
    );
    assert_eq!(saved["newVersionCheck"]["channel"], "stable");
}
