//! The web app: `web/dist` (built by Vite) embedded in the binary and served
//! at `/`, with every path that is not a file answered by `index.html` so the
//! app's own router can show it.

use axum::body::Body;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use crate::error::ApiError;

// Built before cargo by scripts/run.sh and scripts/test.sh; when it is absent
// the binary still builds and serves a page saying so.
#[derive(Embed)]
#[folder = "../../web/dist/"]
#[allow_missing = true]
struct Dist;

/// No inline scripts or styles and no other hosts; thumbhash placeholders are
/// `data:` images.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
     font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
     frame-ancestors 'none'";

/// Vite puts content-hashed file names under `assets/`: they never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Shoebox</title></head><body><h1>Shoebox</h1><p>The web app is not built into this \
binary. Build it with <code>./scripts/run.sh</code> (or <code>npm ci &amp;&amp; npm run build</code> \
in <code>web/</code>, then rebuild the server). The API is at <code>/api</code>.</p></body></html>";

pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Cannot {method} {}", uri.path()),
        )
        .into_response();
    }
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = (!path.is_empty()).then(|| web_file(path)).flatten() {
        let cache = if path.starts_with("assets/") {
            IMMUTABLE
        } else {
            "no-cache"
        };
        return file_response(file, cache, &headers);
    }
    // A missing file is a 404, not the app: a stale script URL must not get HTML.
    if path
        .rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'))
    {
        return with_security_headers(
            (
                StatusCode::NOT_FOUND,
                [(CONTENT_TYPE, "text/plain")],
                "Not found",
            )
                .into_response(),
        );
    }
    match web_file("index.html") {
        Some(index) => file_response(index, "no-cache", &headers),
        None => with_security_headers(
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(CONTENT_TYPE, "text/html; charset=utf-8")],
                NOT_BUILT,
            )
                .into_response(),
        ),
    }
}

/// One file of the web app with what its response headers need.
struct WebFile {
    data: Vec<u8>,
    mime: String,
    etag: String,
}

/// Embedded files, or, when `SHOEBOX_WEB_DIR` names a built `web/dist`, that
/// directory's files: front-end work then needs no server rebuild per change.
fn web_file(path: &str) -> Option<WebFile> {
    static WEB_DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    let dir = WEB_DIR.get_or_init(|| std::env::var_os("SHOEBOX_WEB_DIR").map(PathBuf::from));
    match dir {
        Some(dir) => {
            let relative = Path::new(path);
            if !relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
            {
                return None;
            }
            let data = std::fs::read(dir.join(relative)).ok()?;
            Some(WebFile {
                mime: mime_guess::from_path(relative)
                    .first_or_octet_stream()
                    .to_string(),
                etag: etag_of(&Sha256::digest(&data)),
                data,
            })
        }
        None => Dist::get(path).map(|file| WebFile {
            mime: file.metadata.mimetype().to_owned(),
            etag: etag_of(&file.metadata.sha256_hash()),
            data: file.data.into_owned(),
        }),
    }
}

fn etag_of(sha256: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&sha256[..16]))
}

fn file_response(file: WebFile, cache: &'static str, headers: &HeaderMap) -> Response {
    let etag = file.etag;
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(file.data));
        if let Ok(value) = HeaderValue::from_str(&file.mime) {
            r.headers_mut().insert(CONTENT_TYPE, value);
        }
        r
    };
    let h = response.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, value);
    }
    with_security_headers(response)
}

fn with_security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
