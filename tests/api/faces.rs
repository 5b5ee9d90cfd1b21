//! Faces and people: detection from previews on the real ONNX Runtime (SCRFD, and a
//! generated ArcFace-layout recogniser), clustering with Immich's semantics, the people and
//! faces API, the ML protocol service with failover, and a server whose ML is off.
//! The ML stories need SHOEBOX_ML_LIBRARY and SHOEBOX_TEST_ML_MODELS (scripts/test.sh sets
//! them) and the corpus; without them they say so and skip.

use std::path::PathBuf;

use serde_json::{Value, json};
use shoebox_tests::{Backend, StatusCode, TestServer, assert_error, stories};

use crate::ml_harness::{
    MlPaths, gone_url, hanging_service, ml_paths, ml_service, ml_stories, predict_form, upload,
};

/// The test model pack: SCRFD detection, generated recognition.
const PACK: &str = "test-faces";
/// A corpus photo of three people (a wedding), 640×480.
const WEDDING: &str = "exif-samples/jpg/exif-org/canon-ixus.jpg";

struct MlEnv {
    paths: MlPaths,
    wedding: Vec<u8>,
}

fn ml_env() -> Option<MlEnv> {
    let paths = ml_paths("SHOEBOX_TEST_ML_MODELS")?;
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    let Ok(wedding) = std::fs::read(corpus.join(WEDDING)) else {
        eprintln!("skipped: corpus photo {WEDDING} is absent");
        return None;
    };
    Some(MlEnv { paths, wedding })
}

async fn ml_server(backend: Backend, env: &MlEnv) -> TestServer {
    crate::ml_harness::ml_server(backend, &env.paths).await
}

ml_stories!(
    ml_env, ml_server;
    faces_are_detected_clustered_into_people_and_edited,
    bad_pictures_fail_their_own_face_jobs,
);
stories!(
    with_machine_learning_off_everything_else_works,
    people_are_found_by_their_name_or_part_of_it,
    faces_named_in_metadata_become_people_when_import_is_on,
);

const FACE_ENTRIES: &str = r#"{"facial-recognition":{"detection":{"modelName":"test-faces","options":{"minScore":0.7}},"recognition":{"modelName":"test-faces"}}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ml_service_answers_immichs_protocol() {
    let Some(env) = ml_env() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (url, _stop) = ml_service(&env.paths, dir.path()).await;
    let http = reqwest::Client::new();
    let pong = http.get(format!("{url}/ping")).send().await.unwrap();
    assert_eq!(pong.status(), StatusCode::OK);
    assert_eq!(pong.text().await.unwrap(), "pong");

    let answer = http
        .post(format!("{url}/predict"))
        .multipart(predict_form(FACE_ENTRIES, Some(env.wedding.clone()), None))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(
        (body["imageWidth"].as_i64(), body["imageHeight"].as_i64()),
        (Some(640), Some(480))
    );
    let found = body["facial-recognition"].as_array().unwrap();
    assert_eq!(found.len(), 3, "{body}");
    for face in found {
        let embedding: Vec<f32> =
            serde_json::from_str(face["embedding"].as_str().unwrap()).unwrap();
        assert_eq!(embedding.len(), 512);
        assert!(face["score"].as_f64().unwrap() >= 0.7);
        assert!(
            face["boundingBox"]["x1"].as_f64().unwrap()
                < face["boundingBox"]["x2"].as_f64().unwrap()
        );
    }

    for (form, expected) in [
        (
            predict_form(FACE_ENTRIES, None, None),
            StatusCode::BAD_REQUEST,
        ),
        (
            predict_form("{not json", Some(env.wedding.clone()), None),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            predict_form(
                r#"{"no-such-task":{"textual":{"modelName":"ViT-B-32__openai"}}}"#,
                None,
                Some("a dog"),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            predict_form(FACE_ENTRIES, Some(b"garbage".to_vec()), None),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            predict_form(
                r#"{"facial-recognition":{"detection":{"modelName":"nope"},"recognition":{"modelName":"nope"}}}"#,
                Some(env.wedding.clone()),
                None,
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

/// Declares a story on both backends with a server whose ML is remote: a service that
/// hangs, one that is gone, then a working `shoebox ml`.
macro_rules! ml_remote_stories {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            async fn run(backend: shoebox_tests::Backend) {
                let Some(env) = super::ml_env() else { return };
                let dir = tempfile::tempdir().unwrap();
                let (live, _stop) = super::ml_service(&env.paths, dir.path()).await;
                let (hanging, held) = super::hanging_service().await;
                let (gone, _held) = super::gone_url();
                let server = shoebox_tests::TestServer::start_with(backend, |c| {
                    c.storage.ml.ml_urls = vec![hanging, gone, live];
                    c.storage.ml.ml_timeout_seconds = 2;
                })
                .await;
                super::$name(&server, &env).await;
                server.stop().await;
                held.abort();
            }

            crate::ml_harness::on_both_backends!();
        }
    )*};
}
ml_remote_stories!(a_server_hands_faces_to_ml_services_with_failover);

async fn a_server_hands_faces_to_ml_services_with_failover(s: &TestServer, env: &MlEnv) {
    let admin = s.admin().await;
    use_test_pack(s, &admin).await;
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(features["facialRecognition"], true);
    let asset = upload(s, &admin, "wedding.jpg", env.wedding.clone()).await;
    settle(s, &admin).await;
    let found = faces(s, &admin, &asset).await;
    assert_eq!(found.len(), 3, "{found:?}");
}

/// Points facial recognition at the test pack.
async fn use_test_pack(s: &TestServer, admin: &str) {
    crate::ml_harness::use_pack(s, admin, "facialRecognition", PACK).await;
}

/// The same picture with `n` bytes after its end: identical pixels, another checksum.
fn copy_of(photo: &[u8], n: usize) -> Vec<u8> {
    let mut bytes = photo.to_vec();
    bytes.extend(std::iter::repeat_n(0u8, n));
    bytes
}

async fn settle(s: &TestServer, admin: &str) {
    let queues = [
        "metadataExtraction",
        "thumbnailGeneration",
        "faceDetection",
        "facialRecognition",
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

async fn faces(s: &TestServer, token: &str, asset: &str) -> Vec<Value> {
    let (status, body) = s.get(token, &format!("/faces?id={asset}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

async fn people(s: &TestServer, token: &str, query: &str) -> Value {
    let (status, body) = s.get(token, &format!("/people{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn faces_are_detected_clustered_into_people_and_edited(s: &TestServer, env: &MlEnv) {
    let admin = s.admin().await;
    use_test_pack(s, &admin).await;
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(features["facialRecognition"], true, "{features}");

    // Three copies of a photo of three people: detection runs after the thumbnails.
    let mut assets = Vec::new();
    for n in 0..3 {
        assets.push(
            upload(
                s,
                &admin,
                &format!("wedding-{n}.jpg"),
                copy_of(&env.wedding, n),
            )
            .await,
        );
    }
    settle(s, &admin).await;
    for asset in &assets {
        let found = faces(s, &admin, asset).await;
        assert_eq!(found.len(), 3, "{found:?}");
        for face in &found {
            assert_eq!(
                (face["imageWidth"].as_i64(), face["imageHeight"].as_i64()),
                (Some(640), Some(480))
            );
            let (x1, x2) = (
                face["boundingBoxX1"].as_i64().unwrap(),
                face["boundingBoxX2"].as_i64().unwrap(),
            );
            let (y1, y2) = (
                face["boundingBoxY1"].as_i64().unwrap(),
                face["boundingBoxY2"].as_i64().unwrap(),
            );
            assert!(
                0 <= x1 && x1 < x2 && x2 <= 640 && 0 <= y1 && y1 < y2 && y2 <= 480,
                "{face}"
            );
            assert_eq!(face["sourceType"], "machine-learning");
        }
    }

    // A full re-cluster: three people of three faces each, one per copy.
    start(s, &admin, "facialRecognition", true).await;
    let list = people(s, &admin, "").await;
    assert_eq!(list["total"], 3, "{list}");
    assert_eq!(list["hidden"], 0);
    let ids: Vec<String> = list["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    for id in &ids {
        let (status, stats) = s.get(&admin, &format!("/people/{id}/statistics")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(stats["assets"], 3, "{stats}");
    }
    let (_, asset) = s.get(&admin, &format!("/assets/{}", assets[0])).await;
    assert_eq!(asset["people"].as_array().unwrap().len(), 3, "{asset}");

    // A fourth copy joins the existing people as its faces arrive, without a re-cluster.
    let fourth = upload(s, &admin, "wedding-3.jpg", copy_of(&env.wedding, 3)).await;
    settle(s, &admin).await;
    for face in faces(s, &admin, &fourth).await {
        assert!(
            ids.contains(
                &face["person"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            ),
            "{face}"
        );
    }
    assert_eq!(people(s, &admin, "").await["total"], 3);

    // The face editor's suggestions: the person whose face looks most like the given one
    // comes first — for a person (their picture's face) and for a face.
    let first_id = |list: &Value| list["people"][0]["id"].as_str().unwrap().to_string();
    for id in &ids {
        let list = people(s, &admin, &format!("?closestPersonId={id}")).await;
        assert_eq!(&first_id(&list), id, "{list}");
    }
    for face in faces(s, &admin, &fourth).await {
        let face_id = face["id"].as_str().unwrap();
        let list = people(s, &admin, &format!("?closestAssetId={face_id}")).await;
        assert_eq!(
            first_id(&list),
            face["person"]["id"].as_str().unwrap(),
            "{list}"
        );
    }
    let (status, body) = s
        .get(
            &admin,
            &format!("/people?closestAssetId={}", uuid::Uuid::new_v4()),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND);

    // The person's picture is a square JPEG cropped from a preview.
    let response = s
        .client
        .get(s.url(&format!("/people/{}/thumbnail", ids[0])))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let jpeg = response.bytes().await.unwrap();
    assert_eq!(&jpeg[..2], b"\xff\xd8");
    // It is kept, and served from there the next time.
    let kept: Vec<String> = s
        .generated_files()
        .into_iter()
        .filter(|f| f.contains(&format!("{}-face-", ids[0])))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let again = s
        .client
        .get(s.url(&format!("/people/{}/thumbnail", ids[0])))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(again.bytes().await.unwrap(), jpeg);

    // Search by person: the three copies show the first person, and only they.
    let (status, found) = s
        .post(
            &admin,
            "/search/metadata",
            json!({"personIds": [ids[0], ids[1]]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["assets"]["total"], 4, "{found}");
    let (status, buckets) = s
        .get(&admin, &format!("/timeline/buckets?personId={}", ids[0]))
        .await;
    assert_eq!(status, StatusCode::OK, "{buckets}");
    let shown: i64 = buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!(shown, 4, "{buckets}");

    // Name, birth date, favourite, hidden.
    let (status, body) = s
        .put(
            &admin,
            &format!("/people/{}", ids[0]),
            json!({"name": "Bride", "birthDate": "1975-04-02", "isFavorite": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["name"].as_str(),
            body["birthDate"].as_str(),
            body["isFavorite"].as_bool()
        ),
        (Some("Bride"), Some("1975-04-02"), Some(true))
    );
    let (status, body) = s
        .put(
            &admin,
            &format!("/people/{}", ids[0]),
            json!({"birthDate": "2999-01-01"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(
            &admin,
            &format!("/people/{}", ids[1]),
            json!({"isHidden": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list = people(s, &admin, "").await;
    assert_eq!(
        (list["total"].as_i64(), list["hidden"].as_i64()),
        (Some(3), Some(1))
    );
    assert_eq!(list["people"].as_array().unwrap().len(), 2);
    assert_eq!(list["people"][0]["name"], "Bride", "favourites first");
    let list = people(s, &admin, "?withHidden=true&size=2&page=1").await;
    assert_eq!(
        (
            list["people"].as_array().unwrap().len(),
            list["hasNextPage"].as_bool()
        ),
        (2, Some(true))
    );

    // The feature face comes from a chosen asset of the person.
    let (status, body) = s
        .put(
            &admin,
            &format!("/people/{}", ids[0]),
            json!({"featureFaceAssetId": assets[2]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Merge: the second person's faces go to the first; the second is gone.
    let (status, body) = s
        .post(
            &admin,
            &format!("/people/{}/merge", ids[0]),
            json!({"ids": [ids[1], ids[0]]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["success"], true, "{body}");
    assert_eq!(
        (body[1]["success"].as_bool(), body[1]["error"].as_str()),
        (Some(false), Some("duplicate"))
    );
    let (status, body) = s.get(&admin, &format!("/people/{}", ids[1])).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, stats) = s
        .get(&admin, &format!("/people/{}/statistics", ids[0]))
        .await;
    assert_eq!(stats["assets"], 4);

    // One face moved by hand to a new person; reassigning a person's faces in an asset.
    let (status, created) = s.post(&admin, "/people", json!({"name": "Guest"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let guest = created["id"].as_str().unwrap().to_string();
    let face = faces(s, &admin, &fourth)
        .await
        .into_iter()
        .find(|f| f["person"]["id"] == ids[2].as_str())
        .unwrap();
    let (status, body) = s
        .put(
            &admin,
            &format!("/faces/{}", face["id"].as_str().unwrap()),
            json!({"id": guest}),
        )
        .await;
    assert_eq!(
        (status, body["name"].as_str()),
        (StatusCode::OK, Some("Guest")),
        "{body}"
    );
    let (status, body) = s
        .put(
            &admin,
            &format!("/people/{guest}/reassign"),
            json!({"data": [{"assetId": assets[0], "personId": ids[2]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 1, "{body}");
    let (_, stats) = s.get(&admin, &format!("/people/{guest}/statistics")).await;
    assert_eq!(stats["assets"], 2);

    // A face drawn by hand, then deleted.
    let (status, body) = s
        .post(&admin, "/faces", json!({"assetId": assets[1], "personId": guest, "imageWidth": 640, "imageHeight": 480, "x": 10, "y": 10, "width": 50, "height": 60}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let manual = faces(s, &admin, &assets[1])
        .await
        .into_iter()
        .find(|f| f["sourceType"] == "manual")
        .expect("the manual face is listed");
    assert_eq!(
        (
            manual["boundingBoxX2"].as_i64(),
            manual["boundingBoxY2"].as_i64()
        ),
        (Some(60), Some(70))
    );
    let (status, _) = s
        .delete(
            &admin,
            &format!("/faces/{}", manual["id"].as_str().unwrap()),
            Some(json!({"force": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(faces(s, &admin, &assets[1]).await.len(), 3);

    // Bad input and other users.
    let (status, body) = s.post(&admin, "/faces", json!({"assetId": assets[1], "personId": guest, "imageWidth": 0, "imageHeight": 480, "x": 0, "y": 0, "width": 5, "height": 5})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s.get(&admin, "/people?size=0").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (_, user) = s.user(&admin, "other@example.com").await;
    let (status, body) = s.get(&user, &format!("/people/{guest}")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .put(
            &user,
            &format!("/faces/{}", face["id"].as_str().unwrap()),
            json!({"id": guest}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(people(s, &user, "").await["total"], 0);

    // Deleting a person leaves their faces unassigned.
    let (status, _) = s.delete(&admin, &format!("/people/{guest}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let unassigned = faces(s, &admin, &fourth)
        .await
        .into_iter()
        .filter(|f| f["person"].is_null())
        .count();
    assert_eq!(unassigned, 1);
}

async fn bad_pictures_fail_their_own_face_jobs(s: &TestServer, env: &MlEnv) {
    let admin = s.admin().await;
    use_test_pack(s, &admin).await;
    // A picture without faces and a tiny one: detection runs and finds nothing.
    let grey = upload(s, &admin, "grey.png", png(640, 480)).await;
    let tiny = upload(s, &admin, "tiny.png", png(2, 2)).await;
    let wedding = upload(s, &admin, "wedding.jpg", env.wedding.clone()).await;
    settle(s, &admin).await;
    assert!(faces(s, &admin, &grey).await.is_empty());
    assert!(faces(s, &admin, &tiny).await.is_empty());
    assert_eq!(faces(s, &admin, &wedding).await.len(), 3);

    // A corrupt preview fails its own job, with the reason, and nothing else.
    let previews: Vec<PathBuf> = s
        .generated_files()
        .iter()
        .filter(|f| f.contains(&wedding) && f.contains("preview"))
        .map(|f| s.config.storage.generated_dir().join(f))
        .collect();
    assert_eq!(previews.len(), 1, "{:?}", s.generated_files());
    std::fs::write(&previews[0], b"\xff\xd8\xff\xe0 not a JPEG any more").unwrap();
    start(s, &admin, "faceDetection", true).await;
    let (status, failed) = s
        .get(&admin, "/queues/faceDetection/jobs?status=failed")
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
    // The faces found before stay; the server still answers.
    assert_eq!(faces(s, &admin, &wedding).await.len(), 3);
    let (status, _) = s.get(&admin, "/server/ping").await;
    assert_eq!(status, StatusCode::OK);
}

async fn with_machine_learning_off_everything_else_works(s: &TestServer) {
    // The test harness starts servers without an ONNX Runtime library.
    let admin = s.admin().await;
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(
        (
            &features["facialRecognition"],
            &features["smartSearch"],
            &features["ocr"]
        ),
        (&json!(false), &json!(false), &json!(false))
    );
    let asset = upload(s, &admin, "grey.png", png(320, 240)).await;
    settle(s, &admin).await;
    let (status, _) = s
        .client
        .get(s.url(&format!("/assets/{asset}/thumbnail")))
        .bearer_auth(&admin)
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    // Starting the face queues is accepted and does nothing.
    for queue in ["faceDetection", "facialRecognition"] {
        let (status, body) = s
            .put(
                &admin,
                &format!("/jobs/{queue}"),
                json!({"command": "start", "force": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let settled = s.queue_settles(&admin, queue).await;
        assert_eq!(settled["statistics"]["completed"], 0, "{settled}");
    }
    assert!(faces(s, &admin, &asset).await.is_empty());
    let list = people(s, &admin, "").await;
    assert_eq!(
        (
            list["total"].as_i64(),
            list["people"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let (_, body) = s.get(&admin, &format!("/assets/{asset}")).await;
    assert_eq!(body["people"], json!([]));
}

/// A flat grey PNG (no faces), written with the smallest valid encoding.
fn png(width: u32, height: u32) -> Vec<u8> {
    shoebox_tests::grey_png(width, height)
}

async fn people_are_found_by_their_name_or_part_of_it(s: &TestServer) {
    let admin = s.admin().await;
    let mut ids = std::collections::HashMap::new();
    for (name, hidden) in [
        ("Alice Smith", false),
        ("Bob Alison", false),
        ("Malik", true),
    ] {
        let (status, person) = s
            .post(&admin, "/people", json!({"name": name, "isHidden": hidden}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{person}");
        ids.insert(name, person["id"].as_str().unwrap().to_string());
    }
    let names = |found: Value| -> Vec<String> {
        found
            .as_array()
            .unwrap_or_else(|| panic!("{found}"))
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    let search = |query: &'static str| {
        let admin = admin.clone();
        async move {
            let (status, found) = s.get(&admin, &format!("/search/person?{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}: {found}");
            found
        }
    };
    // A name or a word of it starting with the text comes first; any case.
    assert_eq!(
        names(search("name=ali").await),
        ["Alice Smith", "Bob Alison"]
    );
    assert_eq!(names(search("name=SMI").await), ["Alice Smith"]);
    // Hidden people only when asked for.
    assert_eq!(names(search("name=lik").await), Vec::<String>::new());
    assert_eq!(names(search("name=lik&withHidden=true").await), ["Malik"]);
    assert_eq!(
        names(search("name=li&withHidden=true").await),
        ["Alice Smith", "Bob Alison", "Malik"]
    );
    let found = search("name=bob").await;
    assert_eq!(found[0]["id"], ids["Bob Alison"].as_str());
    assert!(found[0]["thumbnailPath"].is_string(), "{found}");
    // Another user finds none of them; a missing or blank name is a bad request.
    let (_, other) = s.user(&admin, "other@example.com").await;
    let (status, found) = s.get(&other, "/search/person?name=ali").await;
    assert_eq!((status, found), (StatusCode::OK, json!([])));
    for bad in ["", "name=", "name=%20"] {
        let (status, body) = s.get(&admin, &format!("/search/person?{bad}")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }
}

/// An XMP sidecar naming faces as Lightroom writes them (MWG regions), drawn on a 640×480
/// image: each name at a centre (x, y) with a 0.1 × 0.2 box.
fn regions_xmp(faces: &[(&str, f64, f64)]) -> Vec<u8> {
    let items: String = faces
        .iter()
        .map(|(name, x, y)| {
            format!(
                r#"<rdf:li><rdf:Description mwg-rs:Name="{name}" mwg-rs:Type="Face">
                <mwg-rs:Area stArea:x="{x}" stArea:y="{y}" stArea:w="0.1" stArea:h="0.2" stArea:unit="normalized"/>
                </rdf:Description></rdf:li>"#
            )
        })
        .collect();
    format!(
        r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
 xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#" xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
<mwg-rs:Regions rdf:parseType="Resource">
<mwg-rs:AppliedToDimensions stDim:w="640" stDim:h="480" stDim:unit="pixel"/>
<mwg-rs:RegionList><rdf:Bag>{items}</rdf:Bag></mwg-rs:RegionList>
</mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>"#
    )
    .into_bytes()
}

async fn upload_with_regions(
    s: &TestServer,
    token: &str,
    color: &str,
    faces: &[(&str, f64, f64)],
) -> String {
    let form = shoebox_tests::upload_form(&format!("{color}.jpg"), s.real_jpeg(color)).part(
        "sidecarData",
        reqwest::multipart::Part::bytes(regions_xmp(faces)).file_name(format!("{color}.xmp")),
    );
    let (status, body) = s.upload_form(token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn faces_named_in_metadata_become_people_when_import_is_on(s: &TestServer) {
    let admin = s.admin().await;
    // Off by default: named regions are ignored.
    let ignored = upload_with_regions(s, &admin, "gray", &[("Alice", 0.5, 0.5)]).await;
    settle(s, &admin).await;
    assert!(faces(s, &admin, &ignored).await.is_empty());
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(features["importFaces"], false);

    let (_, mut config) = s.get(&admin, "/system-config").await;
    config["metadata"]["faces"]["import"] = json!(true);
    let (status, body) = s.put(&admin, "/system-config", config).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, features) = s.get(&admin, "/server/features").await;
    assert_eq!(features["importFaces"], true);

    let first = upload_with_regions(
        s,
        &admin,
        "red",
        &[("Alice", 0.25, 0.5), ("Bob", 0.75, 0.5)],
    )
    .await;
    settle(s, &admin).await;
    let mut found = faces(s, &admin, &first).await;
    found.sort_by_key(|f| f["boundingBoxX1"].as_i64());
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0]["person"]["name"], "Alice");
    assert_eq!(found[0]["sourceType"], "exif");
    assert_eq!(
        [
            &found[0]["boundingBoxX1"],
            &found[0]["boundingBoxY1"],
            &found[0]["boundingBoxX2"],
            &found[0]["boundingBoxY2"],
            &found[0]["imageWidth"],
            &found[0]["imageHeight"],
        ],
        [
            &json!(128),
            &json!(192),
            &json!(192),
            &json!(288),
            &json!(640),
            &json!(480)
        ]
    );
    assert_eq!(found[1]["person"]["name"], "Bob");
    let alice = found[0]["person"]["id"].as_str().unwrap().to_string();

    // The same name (any case) on another photo is the same person; named people are listed
    // whatever their face count.
    let second = upload_with_regions(s, &admin, "blue", &[("alice", 0.5, 0.5)]).await;
    settle(s, &admin).await;
    assert_eq!(
        faces(s, &admin, &second).await[0]["person"]["id"],
        alice.as_str()
    );
    let list = people(s, &admin, "").await;
    let names: Vec<&str> = list["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Alice") && names.contains(&"Bob"), "{list}");
    let (status, stats) = s.get(&admin, &format!("/people/{alice}/statistics")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["assets"], 2, "{stats}");

    // Reading the metadata again replaces the imported faces instead of adding more.
    let (status, body) = s
        .post(
            &admin,
            "/assets/jobs",
            json!({"assetIds": [first], "name": "refresh-metadata"}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    settle(s, &admin).await;
    assert_eq!(faces(s, &admin, &first).await.len(), 2);

    // The person's picture is cropped from the photo's preview, and kept.
    let bob = found[1]["person"]["id"].as_str().unwrap().to_string();
    for person in [&alice, &bob] {
        let picture = s
            .client
            .get(s.url(&format!("/people/{person}/thumbnail")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(picture.status(), StatusCode::OK);
    }
    let kept = |person: &str| {
        s.generated_files()
            .into_iter()
            .filter(|f| f.contains(&format!("{person}-face-")))
            .count()
    };
    assert_eq!((kept(&alice), kept(&bob)), (1, 1));

    // A person merged into another, or deleted, leaves no picture behind.
    let (status, body) = s
        .post(
            &admin,
            &format!("/people/{alice}/merge"),
            json!({"ids": [bob]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(kept(&bob), 0);
    let (status, body) = s.delete(&admin, &format!("/people/{alice}"), None).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(kept(&alice), 0);
}
