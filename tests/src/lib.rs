//! Test harness: starts the real server in-process on a free port, against
//! SQLite in a temporary folder or a fresh PostgreSQL database, and drives it
//! over HTTP like any client.

use std::path::{Path, PathBuf};

pub use reqwest::StatusCode;
use serde_json::{Value, json};
use shoebox::{BoundServer, ServeConfig};
use sqlx::Connection;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("SHOEBOX_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn database_url(admin_url: &str, db: &str) -> String {
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{db}")
}

async fn admin_sql(statement: &str) {
    let mut conn = sqlx::PgConnection::connect(&postgres_admin_url())
        .await
        .expect("PostgreSQL for tests is reachable (set SHOEBOX_TEST_PG_URL)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// A running server with its own empty database and data folder.
pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub config: ServeConfig,
    dir: tempfile::TempDir,
    pg_database: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServeConfig::for_data_dir(dir.path().join("data"));
        let pg_database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let db = format!("shoebox_test_{}", uuid::Uuid::new_v4().simple());
                admin_sql(&format!("CREATE DATABASE {db}")).await;
                config.database_url = Some(database_url(&postgres_admin_url(), &db));
                Some(db)
            }
        };
        let mut server = Self {
            base: String::new(),
            client: reqwest::Client::new(),
            config,
            dir,
            pg_database,
            stop: None,
            task: None,
        };
        server.launch().await;
        server
    }

    async fn launch(&mut self) {
        let bound = BoundServer::bind(&self.config)
            .await
            .expect("server starts");
        self.base = format!("http://{}/api", bound.addr);
        let (tx, rx) = oneshot::channel::<()>();
        self.stop = Some(tx);
        self.task = Some(tokio::spawn(async move {
            bound
                .serve(async {
                    let _ = rx.await;
                })
                .await
                .expect("server runs");
        }));
    }

    async fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task ends cleanly");
        }
    }

    /// Stops and starts the server on the same database and files, as after a crash or upgrade.
    pub async fn restart(&mut self) {
        self.halt().await;
        self.launch().await;
    }

    /// Stops the server and drops its PostgreSQL database.
    pub async fn stop(mut self) {
        self.halt().await;
        if let Some(db) = self.pg_database.take() {
            admin_sql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    pub fn originals_dir(&self) -> PathBuf {
        self.config.originals_dir()
    }

    pub fn temp_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request and returns the status and the JSON body (`Null` when empty or not JSON).
    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req.send().await.expect("request reaches the server");
        let status = res.status();
        let bytes = res.bytes().await.expect("body reads");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn authed(&self, req: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
        if token.is_empty() {
            req
        } else {
            req.bearer_auth(token)
        }
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.send(self.authed(self.client.get(self.url(path)), token))
            .await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.authed(self.client.post(self.url(path)).json(&body), token))
            .await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.authed(self.client.put(self.url(path)).json(&body), token))
            .await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.authed(self.client.patch(self.url(path)).json(&body), token))
            .await
    }

    pub async fn delete(
        &self,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.delete(self.url(path));
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.send(self.authed(req, token)).await
    }

    /// Signs up the first admin (admin@example.com / admin-password) and returns its access token.
    pub async fn admin(&self) -> String {
        let (status, body) = self
            .post(
                "",
                "/auth/admin-sign-up",
                json!({"email": "admin@example.com", "name": "Admin", "password": "admin-password"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.login("admin@example.com", "admin-password").await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "",
                "/auth/login",
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["accessToken"]
            .as_str()
            .expect("accessToken")
            .to_string()
    }

    /// Has the admin create a user and returns (user id, access token).
    pub async fn user(&self, admin_token: &str, email: &str) -> (String, String) {
        let (status, body) = self
            .post(
                admin_token,
                "/admin/users",
                json!({"email": email, "name": email, "password": "user-password", "shouldChangePassword": false}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().expect("id").to_string();
        (id, self.login(email, "user-password").await)
    }

    /// Uploads `bytes` as `file_name` with the CLI's form fields.
    pub async fn upload(
        &self,
        token: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new()
            .text("fileCreatedAt", "2024-03-01T10:00:00.000Z")
            .text("fileModifiedAt", "2024-03-01T10:00:00.000Z")
            .text("isFavorite", "false")
            .part(
                "assetData",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
            );
        self.send(self.authed(self.client.post(self.url("/assets")).multipart(form), token))
            .await
    }

    /// Uploads a small distinct JPEG-looking file and returns the new asset id.
    pub async fn upload_photo(&self, token: &str, seed: &str) -> String {
        let (status, body) = self
            .upload(token, &format!("{seed}.jpg"), fake_jpeg(seed))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().expect("id").to_string()
    }

    /// Files anywhere under the originals root (including staging), relative to it.
    pub fn stored_files(&self) -> Vec<String> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else {
                    out.push(path.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        let root = self.originals_dir();
        walk(&root, &root, &mut out);
        out.sort();
        out
    }
}

/// Bytes that start like a JPEG and differ per `seed`: enough for the API,
/// which accepts by extension and content signature.
pub fn fake_jpeg(seed: &str) -> Vec<u8> {
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    bytes.extend_from_slice(seed.as_bytes());
    bytes.extend(std::iter::repeat_n(0x5A, 2048));
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(bytes))
}

/// Asserts an Immich error body with the given status.
pub fn assert_error(status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "unexpected status, body: {body}");
    assert_eq!(body["statusCode"], expected.as_u16(), "{body}");
    assert!(
        body["message"].is_string() || body["message"].is_array(),
        "{body}"
    );
    assert!(body["error"].is_string(), "{body}");
    assert!(body["correlationId"].is_string(), "{body}");
}

/// Declares each story as two tests, one per backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! stories {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let server = $crate::TestServer::start($crate::Backend::Sqlite).await;
                super::$name(&server).await;
                server.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let server = $crate::TestServer::start($crate::Backend::Postgres).await;
                super::$name(&server).await;
                server.stop().await;
            }
        }
    )*};
}
