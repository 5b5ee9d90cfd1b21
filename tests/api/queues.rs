use serde_json::json;
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

stories!(
    queues_are_admin_only,
    every_immich_queue_is_listed_with_statistics,
    pausing_a_queue_shows_in_both_apis_and_resume_undoes_it,
    background_task_queue_cannot_be_paused,
    unknown_queue_or_command_is_400,
    queue_jobs_listing_filters_by_status,
);

async fn queues_are_admin_only(s: &TestServer) {
    let admin = s.admin().await;
    let (_, user) = s.user(&admin, "user@example.com").await;
    for path in ["/queues", "/queues/metadataExtraction", "/jobs"] {
        let (status, body) = s.get(&user, path).await;
        assert_error(status, &body, StatusCode::FORBIDDEN);
    }
    let (status, body) = s
        .put(
            &user,
            "/jobs/metadataExtraction",
            json!({"command": "pause"}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
}

async fn every_immich_queue_is_listed_with_statistics(s: &TestServer) {
    let admin = s.admin().await;
    let (status, list) = s.get(&admin, "/queues").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    for expected in [
        "thumbnailGeneration",
        "metadataExtraction",
        "videoConversion",
        "backgroundTask",
        "ocr",
        "editor",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert_eq!(names.len(), 19);
    let first = &list[0];
    assert_eq!(first["isPaused"], false);
    for key in [
        "active",
        "completed",
        "delayed",
        "failed",
        "paused",
        "waiting",
    ] {
        assert!(first["statistics"][key].is_i64(), "{first}");
    }
    let (status, legacy) = s.get(&admin, "/jobs").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(legacy.as_object().unwrap().len(), 19);
    assert_eq!(
        legacy["metadataExtraction"]["queueStatus"]["isActive"],
        false
    );
}

async fn pausing_a_queue_shows_in_both_apis_and_resume_undoes_it(s: &TestServer) {
    let admin = s.admin().await;
    let (status, q) = s
        .put(
            &admin,
            "/queues/thumbnailGeneration",
            json!({"isPaused": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(q["isPaused"], true);
    let (_, legacy) = s.get(&admin, "/jobs").await;
    assert_eq!(
        legacy["thumbnailGeneration"]["queueStatus"]["isPaused"],
        true
    );
    assert_eq!(
        legacy["metadataExtraction"]["queueStatus"]["isPaused"],
        false
    );
    let (status, resumed) = s
        .put(
            &admin,
            "/jobs/thumbnailGeneration",
            json!({"command": "resume"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert_eq!(resumed["queueStatus"]["isPaused"], false);
    let (_, q) = s.get(&admin, "/queues/thumbnailGeneration").await;
    assert_eq!(q["isPaused"], false);
}

async fn background_task_queue_cannot_be_paused(s: &TestServer) {
    let admin = s.admin().await;
    let (status, body) = s
        .put(&admin, "/queues/backgroundTask", json!({"isPaused": true}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn unknown_queue_or_command_is_400(s: &TestServer) {
    let admin = s.admin().await;
    let (status, body) = s.get(&admin, "/queues/noSuchQueue").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(
            &admin,
            "/jobs/metadataExtraction",
            json!({"command": "explode"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    // A queue with nothing to start answers as Immich does for such queues.
    let (status, body) = s
        .put(&admin, "/jobs/notifications", json!({"command": "start"}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn queue_jobs_listing_filters_by_status(s: &TestServer) {
    let admin = s.admin().await;
    let (status, jobs) = s
        .get(
            &admin,
            "/queues/metadataExtraction/jobs?status=failed&status=waiting",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{jobs}");
    assert!(jobs.is_array());
    let (status, body) = s
        .get(&admin, "/queues/metadataExtraction/jobs?status=exploded")
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, _) = s
        .delete(
            &admin,
            "/queues/metadataExtraction/jobs",
            Some(json!({"failed": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}
