//! What the machine-learning stories (faces, OCR, smart search) share: the runtime and a
//! models folder from the environment, servers running ML in-process, `shoebox ml` on a free
//! port, ML URLs that are gone or hang, and the upload/configure/settle steps around them.

use std::path::PathBuf;

use serde_json::json;
use shoebox_tests::{Backend, StatusCode, TestServer};

/// The ONNX Runtime library and a models folder in Immich's layout.
pub struct MlPaths {
    pub library: PathBuf,
    pub models: PathBuf,
}

/// SHOEBOX_ML_LIBRARY and the models folder named by `models_var`; without them, `None`
/// after saying why (scripts/test.sh sets them).
pub fn ml_paths(models_var: &str) -> Option<MlPaths> {
    let (Some(library), Some(models)) = (
        std::env::var_os("SHOEBOX_ML_LIBRARY"),
        std::env::var_os(models_var),
    ) else {
        eprintln!("skipped: SHOEBOX_ML_LIBRARY / {models_var} unset (scripts/test.sh sets them)");
        return None;
    };
    Some(MlPaths {
        library: library.into(),
        models: models.into(),
    })
}

/// ML in-process on `paths`, with no downloads.
pub fn in_process(c: &mut shoebox::ServeConfig, paths: &MlPaths) {
    c.storage.ml.ml_library = Some(paths.library.clone());
    c.storage.ml.ml_models_dir = Some(paths.models.clone());
    c.storage.ml.ml_hub_url = String::new();
}

pub async fn ml_server(backend: Backend, paths: &MlPaths) -> TestServer {
    TestServer::start_with(backend, |c| in_process(c, paths)).await
}

/// `shoebox ml` on a free port on `paths`: its URL, and what stops it when dropped or sent.
pub async fn ml_service(
    paths: &MlPaths,
    dir: &std::path::Path,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let mut ml = shoebox::MlOptions::off();
    ml.ml_library = Some(paths.library.clone());
    ml.ml_models_dir = Some(paths.models.clone());
    ml.ml_hub_url = String::new();
    let config = shoebox::MlServeConfig {
        data_dir: dir.to_path_buf(),
        host: "127.0.0.1".into(),
        port: 0,
        ml,
    };
    let server = shoebox::BoundMlServer::bind(&config)
        .await
        .expect("ML service starts");
    let url = format!("http://{}", server.addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    (url, stop)
}

/// A URL where nothing listens: its port is held by a socket that never listens, so every
/// connection is refused and no other server of the run can be given the port. Keep the
/// socket while the URL is in use.
pub fn gone_url() -> (String, tokio::net::TcpSocket) {
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    (format!("http://{}", held.local_addr().unwrap()), held)
}

/// A service that accepts connections and never answers: its URL, and the task holding the
/// connections open (abort it when done).
pub async fn hanging_service() -> (String, tokio::task::JoinHandle<()>) {
    let hanging = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", hanging.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = hanging.accept().await {
            open.push(socket);
        }
    });
    (url, held)
}

/// The multipart body of Immich's `POST /predict`.
pub fn predict_form(
    entries: &str,
    image: Option<Vec<u8>>,
    text: Option<&str>,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("entries", entries.to_string());
    if let Some(image) = image {
        form = form.part(
            "image",
            reqwest::multipart::Part::bytes(image).file_name("image"),
        );
    }
    if let Some(text) = text {
        form = form.text("text", text.to_string());
    }
    form
}

/// Sets `machineLearning.<task>.modelName` to `pack`.
pub async fn use_pack(s: &TestServer, admin: &str, task: &str, pack: &str) {
    let (status, mut config) = s.get(admin, "/system-config").await;
    assert_eq!(status, StatusCode::OK, "{config}");
    config["machineLearning"][task]["modelName"] = json!(pack);
    let (status, body) = s.put(admin, "/system-config", config).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Uploads a file and answers the new asset's id.
pub async fn upload(s: &TestServer, token: &str, name: &str, bytes: Vec<u8>) -> String {
    let (status, body) = s.upload(token, name, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Waits for `queues` in order, twice round: each queue feeds the next.
pub async fn settle(s: &TestServer, admin: &str, queues: &[&str]) {
    for _ in 0..2 {
        for queue in queues {
            s.queue_settles(admin, queue).await;
        }
    }
}

/// The two tests of a story module: its `run(backend)` on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    () => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite() {
            run(shoebox_tests::Backend::Sqlite).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres() {
            run(shoebox_tests::Backend::Postgres).await;
        }
    };
}
pub(crate) use on_both_backends;

/// Declares each story `name(&server, &env)` on SQLite and on PostgreSQL, with `env` from
/// `super::$env()` (the story skips when it is `None`) and the server from
/// `super::$server(backend, &env)`.
macro_rules! ml_stories {
    ($env:ident, $server:ident; $($name:ident),* $(,)?) => {$(
        mod $name {
            async fn run(backend: shoebox_tests::Backend) {
                let Some(env) = super::$env() else { return };
                let server = super::$server(backend, &env).await;
                super::$name(&server, &env).await;
                server.stop().await;
            }

            crate::ml_harness::on_both_backends!();
        }
    )*};
}
pub(crate) use ml_stories;
