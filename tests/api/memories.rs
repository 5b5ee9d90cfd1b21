//! Memories: made by hand or by the "on this day" job (one memory per past year with photos
//! taken on this month and day), read with Immich's filters, and kept to their owner.

use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, fake_jpeg, stories};

stories!(
    memories_are_created_read_updated_and_deleted,
    memory_assets_are_added_and_removed_per_id,
    on_this_day_job_makes_one_memory_per_past_year_once,
    memories_refuse_bad_input_and_other_users_memories,
);

async fn create(s: &TestServer, token: &str, body: Value) -> Value {
    let (status, memory) = s.post(token, "/memories", body).await;
    assert_eq!(status, StatusCode::CREATED, "{memory}");
    memory
}

async fn memories_are_created_read_updated_and_deleted(s: &TestServer) {
    let admin = s.admin().await;
    let (_, me) = s.get(&admin, "/users/me").await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let mine = s.upload_photo(&admin, "mine").await;
    let bobs = s.upload_photo(&bob, "bobs").await;

    let memory = create(
        s,
        &admin,
        json!({"type": "on_this_day", "data": {"year": 2020},
               "memoryAt": "2020-06-01T00:00:00.000Z", "assetIds": [mine, bobs]}),
    )
    .await;
    assert_eq!(memory["type"], "on_this_day");
    assert_eq!(memory["data"], json!({"year": 2020}));
    assert_eq!(memory["memoryAt"], "2020-06-01T00:00:00.000Z");
    assert_eq!(memory["ownerId"], me["id"]);
    assert_eq!(memory["isSaved"], false);
    // Only what the caller may share joins the memory.
    let ids: Vec<&str> = memory["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![mine.as_str()]);
    assert!(memory.get("seenAt").is_none());

    let id = memory["id"].as_str().unwrap();
    let (status, got) = s.get(&admin, &format!("/memories/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, memory);

    let second = create(
        s,
        &admin,
        json!({"type": "on_this_day", "data": {"year": 2019},
               "memoryAt": "2019-06-01T00:00:00.000Z", "isSaved": true}),
    )
    .await;
    let (_, all) = s.get(&admin, "/memories").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[0]["id"], memory["id"], "newest memory first");
    let (_, asc) = s.get(&admin, "/memories?order=asc").await;
    assert_eq!(asc[0]["id"], second["id"]);
    let (_, saved) = s.get(&admin, "/memories?isSaved=true").await;
    assert_eq!(saved.as_array().unwrap().len(), 1);
    assert_eq!(saved[0]["id"], second["id"]);
    let (_, one) = s.get(&admin, "/memories?size=1&page=2").await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["id"], second["id"]);
    let (status, stats) = s.get(&admin, "/memories/statistics").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats, json!({"total": 2}));
    let (_, stats) = s.get(&admin, "/memories/statistics?isSaved=false").await;
    assert_eq!(stats, json!({"total": 1}));
    let (_, bobs_list) = s.get(&bob, "/memories").await;
    assert_eq!(bobs_list, json!([]));

    let (status, updated) = s
        .put(
            &admin,
            &format!("/memories/{id}"),
            json!({"isSaved": true, "seenAt": "2024-01-01T10:00:00.000Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["isSaved"], true);
    assert_eq!(updated["seenAt"], "2024-01-01T10:00:00.000Z");
    assert_eq!(updated["memoryAt"], memory["memoryAt"]);

    let (status, _) = s.delete(&admin, &format!("/memories/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s.get(&admin, &format!("/memories/{id}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

async fn memory_assets_are_added_and_removed_per_id(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let first = s.upload_photo(&admin, "first").await;
    let second = s.upload_photo(&admin, "second").await;
    let bobs = s.upload_photo(&bob, "bobs").await;
    let memory = create(
        s,
        &admin,
        json!({"type": "on_this_day", "data": {"year": 2021},
               "memoryAt": "2021-01-01T00:00:00.000Z", "assetIds": [first]}),
    )
    .await;
    let id = memory["id"].as_str().unwrap();

    let (status, results) = s
        .put(
            &admin,
            &format!("/memories/{id}/assets"),
            json!({"ids": [first, second, bobs]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(
        results[0],
        json!({"id": first, "success": false, "error": "duplicate"})
    );
    assert_eq!(results[1], json!({"id": second, "success": true}));
    assert_eq!(
        results[2],
        json!({"id": bobs, "success": false, "error": "no_permission"})
    );
    let (_, got) = s.get(&admin, &format!("/memories/{id}")).await;
    assert_eq!(got["assets"].as_array().unwrap().len(), 2);

    let (status, results) = s
        .delete(
            &admin,
            &format!("/memories/{id}/assets"),
            Some(json!({"ids": [second, bobs]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results[0], json!({"id": second, "success": true}));
    assert_eq!(
        results[1],
        json!({"id": bobs, "success": false, "error": "not_found"})
    );
    let (_, got) = s.get(&admin, &format!("/memories/{id}")).await;
    assert_eq!(got["assets"].as_array().unwrap().len(), 1);
    // Bob cannot touch the admin's memory.
    let (status, body) = s
        .put(
            &bob,
            &format!("/memories/{id}/assets"),
            json!({"ids": [bobs]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

/// Uploads a photo taken (by its file date) at `when`, RFC 3339.
async fn upload_taken(s: &TestServer, token: &str, seed: &str, when: &str) -> String {
    let form = reqwest::multipart::Form::new()
        .text("fileCreatedAt", when.to_string())
        .text("fileModifiedAt", when.to_string())
        .text("isFavorite", "false")
        .part(
            "assetData",
            reqwest::multipart::Part::bytes(fake_jpeg(seed)).file_name(format!("{seed}.jpg")),
        );
    let (status, body) = s.upload_form(token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn on_this_day_job_makes_one_memory_per_past_year_once(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let today = Utc::now().date_naive();
    let noon = |d: chrono::NaiveDate| format!("{d}T12:00:00.000Z");
    let years_ago = |n: i32| {
        today.with_year(today.year() - n).unwrap_or_else(|| {
            (today - Duration::days(1))
                .with_year(today.year() - n)
                .unwrap()
        })
    };
    let one_year = upload_taken(s, &admin, "one-year", &noon(years_ago(1))).await;
    let three_years = upload_taken(s, &admin, "three-years", &noon(years_ago(3))).await;
    let also_three = upload_taken(s, &admin, "also-three", &noon(years_ago(3))).await;
    upload_taken(
        s,
        &admin,
        "other-day",
        &noon(years_ago(1) - Duration::days(20)),
    )
    .await;
    upload_taken(s, &admin, "this-year", &noon(today)).await;
    let bobs = upload_taken(s, &bob, "bobs", &noon(years_ago(2))).await;
    s.queue_settles(&admin, "metadataExtraction").await;

    let (status, body) = s
        .post(&bob, "/jobs", json!({"name": "memory-create"}))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = s
        .post(&admin, "/jobs", json!({"name": "memory-create"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    s.queue_settles(&admin, "backgroundTask").await;

    let (_, memories) = s.get(&admin, "/memories").await;
    let memories = memories.as_array().unwrap().clone();
    assert_eq!(memories.len(), 2, "{memories:?}");
    assert_eq!(memories[0]["data"]["year"], today.year() - 1);
    assert_eq!(memories[0]["assets"][0]["id"], one_year.as_str());
    assert_eq!(memories[1]["data"]["year"], today.year() - 3);
    let mut three: Vec<&str> = memories[1]["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    three.sort();
    let mut expected = vec![three_years.as_str(), also_three.as_str()];
    expected.sort();
    assert_eq!(three, expected);
    for memory in &memories {
        assert_eq!(memory["type"], "on_this_day");
        assert_eq!(memory["showAt"], format!("{today}T00:00:00.000Z"));
        assert_eq!(memory["hideAt"], format!("{today}T23:59:59.999Z"));
    }
    assert_eq!(
        memories[0]["memoryAt"],
        format!("{}T00:00:00.000Z", years_ago(1))
    );
    // Shown today, not in ten days.
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (_, shown) = s.get(&admin, &format!("/memories?for={now}")).await;
    assert_eq!(shown.as_array().unwrap().len(), 2);
    let later =
        (Utc::now() + Duration::days(10)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (_, shown) = s.get(&admin, &format!("/memories?for={later}")).await;
    assert_eq!(shown, json!([]));

    let (_, bobs_memories) = s.get(&bob, "/memories").await;
    assert_eq!(bobs_memories.as_array().unwrap().len(), 1);
    assert_eq!(bobs_memories[0]["assets"][0]["id"], bobs.as_str());

    // The days already done are not made again.
    s.post(&admin, "/jobs", json!({"name": "memory-create"}))
        .await;
    s.queue_settles(&admin, "backgroundTask").await;
    let (_, stats) = s.get(&admin, "/memories/statistics").await;
    assert_eq!(stats, json!({"total": 2}));
}

async fn memories_refuse_bad_input_and_other_users_memories(s: &TestServer) {
    let admin = s.admin().await;
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    for body in [
        json!({"data": {"year": 2020}, "memoryAt": "2020-01-01T00:00:00Z"}),
        json!({"type": "best_of", "data": {"year": 2020}, "memoryAt": "2020-01-01T00:00:00Z"}),
        json!({"type": "on_this_day", "memoryAt": "2020-01-01T00:00:00Z"}),
        json!({"type": "on_this_day", "data": {"year": "x"}, "memoryAt": "2020-01-01T00:00:00Z"}),
        json!({"type": "on_this_day", "data": {"year": 0}, "memoryAt": "2020-01-01T00:00:00Z"}),
        json!({"type": "on_this_day", "data": {"year": 2020}}),
        json!({"type": "on_this_day", "data": {"year": 2020}, "memoryAt": "someday"}),
        json!({"type": "on_this_day", "data": {"year": 2020}, "memoryAt": "2020-01-01T00:00:00Z",
               "assetIds": ["nope"]}),
    ] {
        let (status, res) = s.post(&admin, "/memories", body.clone()).await;
        assert_error(status, &res, StatusCode::BAD_REQUEST);
    }
    for query in [
        "for=someday",
        "size=0",
        "page=0",
        "order=sideways",
        "type=best_of",
        "isSaved=maybe",
    ] {
        let (status, res) = s.get(&admin, &format!("/memories?{query}")).await;
        assert_error(status, &res, StatusCode::BAD_REQUEST);
    }
    let memory = create(
        s,
        &admin,
        json!({"type": "on_this_day", "data": {"year": 2020}, "memoryAt": "2020-01-01T00:00:00Z"}),
    )
    .await;
    let id = memory["id"].as_str().unwrap();
    let missing = uuid::Uuid::new_v4().to_string();
    for target in [id, missing.as_str()] {
        let (status, body) = s.get(&bob, &format!("/memories/{target}")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        let (status, body) = s
            .put(
                &bob,
                &format!("/memories/{target}"),
                json!({"isSaved": true}),
            )
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
        let (status, body) = s.delete(&bob, &format!("/memories/{target}"), None).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let (status, body) = s.get(&admin, "/memories/not-a-uuid").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(&admin, "/jobs", json!({"name": "launch-rockets"}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .post(&admin, "/jobs", json!({"name": "backup-database"}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get("", "/memories").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}
