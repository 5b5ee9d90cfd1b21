//! The web app: `web/dist` (built by Vite) embedded in the binary and served
//! at `/`, with every path that is not a file answered by `index.html` so the
//! app's own router can show it.

use axum::body::Body;
use axum::extract::State;
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

use crate::AppState;
use crate::error::ApiError;

// Built before cargo by scripts/run.sh and scripts/test.sh; when it is absent
// the binary still builds and serves a page saying so.
#[derive(Embed)]
#[folder = "../../web/dist/"]
#[allow_missing = true]
struct Dist;

/// No inline scripts or styles and no other hosts but the map's; thumbhash
/// placeholders are `data:` images.
fn csp(map_origins: &[String]) -> String {
    let extra: String = map_origins.iter().map(|o| format!(" {o}")).collect();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; \
         img-src 'self' data: blob:{extra}; media-src 'self' blob:; connect-src 'self'{extra}; \
         font-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The origins of the configured map styles (`map.lightStyle`, `map.darkStyle`) when the map
/// is on: the browser fetches the style and, from the same host, its tiles, sprites and glyphs.
/// Only a plain `scheme://host[:port]` makes it into the policy, so a stored URL can never
/// add a directive or a wildcard.
pub fn map_origins(config: &shoebox_domain::system_config::SystemConfig) -> Vec<String> {
    if !config.map.enabled {
        return Vec::new();
    }
    let mut origins: Vec<String> = [&config.map.light_style, &config.map.dark_style]
        .into_iter()
        .filter_map(|url| origin_of(url))
        .collect();
    origins.sort();
    origins.dedup();
    origins
}

fn origin_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = uri.host()?;
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    if !host_ok {
        return None;
    }
    Some(match uri.port_u16() {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

/// Vite puts content-hashed file names under `assets/`: they never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Shoebox</title></head><body><h1>Shoebox</h1><p>The web app is not built into this \
binary. Build it with <code>./scripts/run.sh</code> (or <code>npm ci &amp;&amp; npm run build</code> \
in <code>web/</code>, then rebuild the server). The API is at <code>/api</code>.</p></body></html>";

pub async fn serve(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Cannot {method} {}", uri.path()),
        )
        .into_response();
    }
    // Read from memory after the first request; a failed read only narrows the policy.
    let origins = match state.domain.system_config().await {
        Ok(config) => map_origins(&config),
        Err(_) => Vec::new(),
    };
    let policy = csp(&origins);
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = (!path.is_empty()).then(|| web_file(path)).flatten() {
        let cache = if path.starts_with("assets/") {
            IMMUTABLE
        } else {
            "no-cache"
        };
        return file_response(file, cache, &headers, &policy);
    }
    // A missing file is a 404, not the app: a stale script URL must not get HTML.
    if path
        .rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'))
    {
        return with_security_headers(
            &policy,
            (
                StatusCode::NOT_FOUND,
                [(CONTENT_TYPE, "text/plain")],
                "Not found",
            )
                .into_response(),
        );
    }
    match web_file("index.html") {
        Some(index) => file_response(index, "no-cache", &headers, &policy),
        None => with_security_headers(
            &policy,
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

fn file_response(
    file: WebFile,
    cache: &'static str,
    headers: &HeaderMap,
    policy: &str,
) -> Response {
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
    with_security_headers(policy, response)
}

fn with_security_headers(policy: &str, mut response: Response) -> Response {
    let h = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(policy) {
        h.insert(CONTENT_SECURITY_POLICY, value);
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_style_urls_become_bare_origins() {
        assert_eq!(
            origin_of("https://tiles.example.org/v1/style/light.json?x=1").as_deref(),
            Some("https://tiles.example.org")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080/style.json").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin_of("https://user:pw@tiles.example.org/s.json").as_deref(),
            Some("https://tiles.example.org")
        );
    }

    #[test]
    fn urls_that_could_widen_the_policy_are_left_out() {
        assert_eq!(origin_of("data:application/json,{}"), None);
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https://*.example.org/style.json"), None);
        assert_eq!(origin_of("not a url"), None);
    }

    #[test]
    fn the_policy_names_the_map_hosts_only_for_images_and_fetches() {
        let policy = csp(&["https://tiles.example.org".into()]);
        assert!(policy.contains("img-src 'self' data: blob: https://tiles.example.org;"));
        assert!(policy.contains("connect-src 'self' https://tiles.example.org;"));
        assert!(policy.contains("script-src 'self';"));
        assert_eq!(policy.matches("tiles.example.org").count(), 2);
        assert!(!csp(&[]).contains("http"));
    }

    #[test]
    fn a_disabled_map_adds_no_host() {
        let mut config = shoebox_domain::system_config::SystemConfig::default();
        assert_eq!(
            map_origins(&config),
            vec!["https://tiles.immich.cloud".to_string()]
        );
        config.map.enabled = false;
        assert!(map_origins(&config).is_empty());
    }
}
