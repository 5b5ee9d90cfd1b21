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

/// Every sync type the 3.x mobile app requests (mobile `sync_api.repository.dart` at upstream
/// 3.1.0, commit 0293414abd9f82c7a4847c9bacb313a1d978773b; see docs/sync-contract.md §5).
pub const SYNC_APP_TYPES: &[&str] = &[
    "AuthUsersV1",
    "UsersV1",
    "AssetsV2",
    "AssetExifsV1",
    "AssetEditsV1",
    "AssetMetadataV1",
    "PartnersV1",
    "PartnerAssetsV2",
    "PartnerAssetExifsV1",
    "AlbumsV2",
    "AlbumUsersV1",
    "AlbumAssetsV2",
    "AlbumAssetExifsV1",
    "AlbumToAssetsV1",
    "MemoriesV1",
    "MemoryToAssetsV1",
    "StacksV1",
    "PartnerStacksV1",
    "UserMetadataV1",
    "PeopleV1",
    "AssetFacesV2",
    "AssetOcrV1",
];

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

/// An empty database of one backend, opened through the store, for tests
/// below the HTTP API. Dropped with the value.
pub struct TestDatabase {
    pub store: shoebox_store::Store,
    pub url: String,
    _dir: tempfile::TempDir,
    pg_database: Option<String>,
}

impl TestDatabase {
    pub async fn open(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg_database) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
                None,
            ),
            Backend::Postgres => {
                let db = format!("shoebox_test_{}", uuid::Uuid::new_v4().simple());
                admin_sql(&format!("CREATE DATABASE {db}")).await;
                (database_url(&postgres_admin_url(), &db), Some(db))
            }
        };
        let store = shoebox_store_sql::open(&url).await.expect("database opens");
        Self {
            store,
            url,
            _dir: dir,
            pg_database,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(db) = self.pg_database.take() {
            drop_database_blocking(db);
        }
    }
}

/// Drops a PostgreSQL test database from synchronous code (a `Drop`), on a
/// runtime of its own since the caller's may be unwinding.
fn drop_database_blocking(db: String) {
    let statement = format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)");
    let _ = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(admin_sql(&statement));
    })
    .join();
}

/// Declares each database story as two tests, one per backend.
#[macro_export]
macro_rules! db_stories {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::TestDatabase::open($crate::Backend::Sqlite).await;
                super::$name(&db.store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::TestDatabase::open($crate::Backend::Postgres).await;
                super::$name(&db.store).await;
            }
        }
    )*};
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
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server whose configuration `configure` adjusts first.
    pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut ServeConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServeConfig::for_data_dir(dir.path().join("data"));
        configure(&mut config);
        let pg_database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let db = format!("shoebox_test_{}", uuid::Uuid::new_v4().simple());
                admin_sql(&format!("CREATE DATABASE {db}")).await;
                config.storage.database_url = Some(database_url(&postgres_admin_url(), &db));
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
}

/// A story that panics never reaches `stop()`: drop its PostgreSQL database
/// anyway, on a runtime of its own since the test's runtime is unwinding.
impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(db) = self.pg_database.take() {
            drop_database_blocking(db);
        }
    }
}

impl TestServer {
    pub fn data_dir(&self) -> &Path {
        &self.config.storage.data_dir
    }

    pub fn originals_dir(&self) -> PathBuf {
        self.config.storage.originals_dir()
    }

    pub fn generated_dir(&self) -> PathBuf {
        self.config.storage.generated_dir()
    }

    /// The server's database: its SQLite file or its PostgreSQL database.
    pub fn database_url(&self) -> String {
        self.config.storage.database_url()
    }

    /// Runs `statements` straight on the server's database (as a crash or an operator may
    /// leave it), then answers the first column of `query`'s first row.
    pub async fn sql(&self, statements: &[&str], query: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.database_url())
            .await
            .expect("the server's database");
        for statement in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
                .execute(&mut conn)
                .await
                .expect("statement runs");
        }
        let value: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query.to_string()))
            .fetch_one(&mut conn)
            .await
            .expect("query answers");
        value
    }

    pub fn temp_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request and returns the status and the JSON body (`Null` when empty or not JSON).
    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        // A keep-alive connection the server closed after refusing an upload mid-body can
        // still be in the pool; like a browser, a repeatable request goes once more on a
        // fresh connection.
        let again = req.try_clone();
        let res = match (req.send().await, again) {
            (Ok(res), _) => res,
            (Err(e), Some(again)) if e.is_request() => {
                again.send().await.expect("request reaches the server")
            }
            (Err(e), _) => panic!("request reaches the server: {e:?}"),
        };
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

    /// The status of a login attempt, for checking which passwords work.
    pub async fn login_status(&self, email: &str, password: &str) -> StatusCode {
        self.post(
            "",
            "/auth/login",
            json!({"email": email, "password": password}),
        )
        .await
        .0
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

    /// Sends a request authenticated with an `x-api-key` header, as the CLI does.
    pub async fn with_key(
        &self,
        key: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header("x-api-key", key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.send(req).await
    }

    /// Creates an API key with these permissions and returns (key id, secret).
    pub async fn api_key(&self, token: &str, permissions: &[&str]) -> (String, String) {
        let (status, body) = self
            .post(
                token,
                "/api-keys",
                json!({"name": "test key", "permissions": permissions}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (
            body["id"].as_str().expect("id").to_string(),
            body["secret"].as_str().expect("secret").to_string(),
        )
    }

    /// Posts a hand-built multipart form to `/assets`.
    pub async fn upload_form(
        &self,
        token: &str,
        form: reqwest::multipart::Form,
    ) -> (StatusCode, Value) {
        self.send(self.authed(self.client.post(self.url("/assets")).multipart(form), token))
            .await
    }

    /// The caller's `GET /assets/statistics`.
    pub async fn asset_statistics(&self, token: &str) -> Value {
        let (status, body) = self.get(token, "/assets/statistics").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// GET returning the raw bytes, for downloads; `range` is a `Range` header value.
    pub async fn download(
        &self,
        token: &str,
        path: &str,
        range: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.authed(self.client.get(self.url(path)), token);
        if let Some(range) = range {
            req = req.header(reqwest::header::RANGE, range);
        }
        let res = req.send().await.expect("request reaches the server");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body reads").to_vec();
        (status, headers, bytes)
    }

    /// The server's `host:port`.
    pub fn authority(&self) -> String {
        self.base
            .trim_start_matches("http://")
            .trim_end_matches("/api")
            .to_string()
    }

    /// A small real JPEG (metadata extraction and thumbnails succeed on it), different per
    /// `color` (an ffmpeg colour: a name or `0xRRGGBB`).
    pub fn real_jpeg(&self, color: &str) -> Vec<u8> {
        let out = self.temp_dir().join(format!("{color}.jpg"));
        let status = std::process::Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!("color=c={color}:s=32x24"))
            .args(["-frames:v", "1"])
            .arg(&out)
            .status()
            .expect("ffmpeg runs (scripts/setup.sh installs it)");
        assert!(status.success(), "ffmpeg could not make {color}.jpg");
        std::fs::read(out).unwrap()
    }

    /// Polls a queue until nothing is waiting, running or delayed (240 s at most: debug builds
    /// decode slowly) and returns its last status.
    pub async fn queue_settles(&self, token: &str, name: &str) -> Value {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(240);
        loop {
            let (status, queue) = self.get(token, &format!("/queues/{name}")).await;
            assert_eq!(status, StatusCode::OK, "{queue}");
            let stats = &queue["statistics"];
            if stats["waiting"] == 0 && stats["active"] == 0 && stats["delayed"] == 0 {
                return queue;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "jobs never settled: {queue}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    /// Uploads `bytes` as `file_name` with the CLI's form fields.
    pub async fn upload(
        &self,
        token: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        self.upload_form(token, upload_form(file_name, bytes)).await
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
        files_under(&self.originals_dir())
    }

    /// Files anywhere under the generated-files root (thumbnails, encoded videos).
    pub fn generated_files(&self) -> Vec<String> {
        files_under(&self.config.storage.generated_dir())
    }
}

/// Every file below `root`, relative to it, sorted; not the locks by which running
/// processes hold their folders of staged and temporary files (`.upload/<id>.lock`).
fn files_under(root: &Path) -> Vec<String> {
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
    walk(root, root, &mut out);
    out.retain(|f| {
        let lock = Path::new(f);
        !(lock.extension().is_some_and(|e| e == "lock")
            && lock
                .parent()
                .is_some_and(|p| p == Path::new(".upload") || p == Path::new(".tmp")))
    });
    out.sort();
    out
}

/// The form the CLI sends for one file: its dates, `isFavorite`, then the file.
/// Names go out verbatim in `filename="…"`, as browsers and the CLI send them.
pub fn upload_form(file_name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .percent_encode_noop()
        .text("fileCreatedAt", "2024-03-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-03-01T10:00:00.000Z")
        .text("isFavorite", "false")
        .part(
            "assetData",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
        )
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

/// `len` bytes that start like a JPEG and go on as deterministic noise, different per seed.
pub fn big_jpeg(len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = fake_jpeg(&seed.to_string());
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    while bytes.len() < len {
        // xorshift64: cheap, deterministic noise.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// A response read off a raw connection.
pub struct RawResponse {
    pub status: StatusCode,
    pub body: Value,
}

/// Writes `request` as-is to the server, optionally closes the sending half
/// (the body "ends"), and reads one response: `None` when the server closed
/// the connection without answering. Fails the test, rather than hanging, if
/// neither happens within 60 s.
pub async fn raw_http(authority: &str, request: &[u8], close_write: bool) -> Option<RawResponse> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("server accepts connections");
    // The server may answer and close before reading everything; that is fine.
    let _ = stream.write_all(request).await;
    if close_write {
        let _ = stream.shutdown().await;
    }
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(parsed) = parse_response(&buf) {
                return Some(parsed);
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return parse_response(&buf),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), read)
        .await
        .expect("the server answers or closes the connection")
}

/// A complete HTTP/1.1 response with a `Content-Length` body, if `buf` holds one.
fn parse_response(buf: &[u8]) -> Option<RawResponse> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let body = buf.get(end + 4..end + 4 + length)?;
    Some(RawResponse {
        status: StatusCode::from_u16(status).ok()?,
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    })
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

/// Like [`stories!`], for stories that need `&mut TestServer` (to restart it).
#[macro_export]
macro_rules! mut_stories {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let mut server = $crate::TestServer::start($crate::Backend::Sqlite).await;
                super::$name(&mut server).await;
                server.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let mut server = $crate::TestServer::start($crate::Backend::Postgres).await;
                super::$name(&mut server).await;
                server.stop().await;
            }
        }
    )*};
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

/// CRC-32 (IEEE), as PNG chunks carry it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A flat grey RGB PNG (no faces in it), zlib with stored blocks: valid for every decoder.
pub fn grey_png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for _ in 0..height {
        raw.push(0u8);
        raw.extend(std::iter::repeat_n(128u8, width as usize * 3));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend(len.to_le_bytes());
        zlib.extend((!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &d in &raw {
        a = (a + u32::from(d)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend(((b << 16) | a).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(*b"IHDR", ihdr), (*b"IDAT", zlib), (*b"IEND", Vec::new())] {
        png.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(&data);
        png.extend(&body);
        png.extend(crc32(&body).to_be_bytes());
    }
    png
}
