//! `/server/*` and `/.well-known/immich`: what the server is and can do.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use shoebox_api_types::permission::Permission;
use shoebox_api_types::server::*;
use shoebox_media::{MediaKind, supported_extensions};

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::Auth;

/// The Immich release whose API we implement.
const API_VERSION: (i64, i64, i64) = (3, 2, 2);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/server/ping", get(ping))
        .route("/server/version", get(version))
        .route("/server/version-history", get(version_history))
        .route("/server/features", get(features))
        .route("/server/config", get(config))
        .route("/server/media-types", get(media_types))
        .route("/server/storage", get(storage))
        .route("/server/about", get(about))
        .route("/server/statistics", get(statistics))
}

pub async fn well_known() -> Json<WellKnownImmichResponse> {
    Json(WellKnownImmichResponse::default())
}

async fn ping() -> Json<ServerPingResponse> {
    Json(ServerPingResponse::pong())
}

async fn version() -> Json<ServerVersionResponseDto> {
    Json(server_version())
}

/// The version this server answers as, also sent to each socket.io client on connect.
pub(crate) fn server_version() -> ServerVersionResponseDto {
    let (major, minor, patch) = API_VERSION;
    ServerVersionResponseDto {
        major,
        minor,
        patch,
        prerelease: None,
    }
}

async fn version_history() -> Json<Vec<serde_json::Value>> {
    Json(Vec::new())
}

/// Features on in the system configuration and implemented here; the
/// others stay off whatever the configuration says.
async fn features(State(state): State<AppState>) -> ApiResult<Json<ServerFeaturesDto>> {
    let config = state.domain.system_config().await?;
    let facial_recognition = state.domain.face_settings().await?.is_some();
    let ocr = state.domain.ocr_request().await?.is_some();
    let smart_search = state.domain.clip_model().await?.is_some();
    let duplicate_detection = state.domain.duplicate_max_distance().await?.is_some();
    Ok(Json(ServerFeaturesDto {
        config_file: false,
        duplicate_detection,
        email: false,
        facial_recognition,
        import_faces: config.metadata.faces.import,
        map: config.map.enabled,
        oauth: config.oauth.enabled,
        oauth_auto_launch: config.oauth.enabled && config.oauth.auto_launch,
        ocr,
        password_login: config.password_login.enabled,
        realtime_transcoding: false,
        reverse_geocoding: false,
        search: true,
        sidecar: true,
        smart_search,
        trash: config.trash.enabled,
    }))
}

/// Where the system configuration leaves a text empty, the operator's
/// command-line setting shows instead.
fn configured_or(configured: &str, fallback: &str) -> String {
    if configured.is_empty() {
        fallback.to_string()
    } else {
        configured.to_string()
    }
}

async fn config(State(state): State<AppState>) -> ApiResult<Json<ServerConfigDto>> {
    let initialized = state.domain.is_initialized().await?;
    let config = state.domain.system_config().await?;
    Ok(Json(ServerConfigDto {
        external_domain: configured_or(
            &config.server.external_domain,
            &state.settings.external_domain,
        ),
        is_initialized: initialized,
        is_onboarded: initialized,
        login_page_message: configured_or(
            &config.server.login_page_message,
            &state.settings.login_page_message,
        ),
        maintenance_mode: false,
        map_dark_style_url: config.map.dark_style,
        map_light_style_url: config.map.light_style,
        min_faces: config.machine_learning.facial_recognition.min_faces.into(),
        oauth_account_management_url: Some(config.oauth.account_management_url.clone())
            .filter(|url| !url.is_empty()),
        oauth_button_text: config.oauth.button_text,
        public_users: config.server.public_users,
        trash_days: config.trash.days.into(),
        user_delete_delay: config.user.delete_delay.into(),
    }))
}

async fn media_types() -> Json<ServerMediaTypesResponseDto> {
    Json(ServerMediaTypesResponseDto {
        image: supported_extensions(MediaKind::Image),
        sidecar: supported_extensions(MediaKind::Sidecar),
        video: supported_extensions(MediaKind::Video),
    })
}

/// Binary units with one decimal, as Immich shows them ("12.3 GiB").
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

async fn storage(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<ServerStorageResponseDto>> {
    auth.require(Permission::ServerStorage)?;
    let disk = state.domain.disk_usage()?;
    let used = disk.total.saturating_sub(disk.available);
    let percentage = if disk.total == 0 {
        0.0
    } else {
        (used as f64 / disk.total as f64 * 10000.0).round() / 100.0
    };
    Ok(Json(ServerStorageResponseDto {
        disk_size: human_bytes(disk.total),
        disk_use: human_bytes(used),
        disk_available: human_bytes(disk.available),
        disk_size_raw: disk.total as i64,
        disk_use_raw: used as i64,
        disk_available_raw: disk.available as i64,
        disk_usage_percentage: percentage,
    }))
}

async fn about(auth: Auth) -> ApiResult<Json<ServerAboutResponseDto>> {
    auth.require(Permission::ServerAbout)?;
    let (major, minor, patch) = API_VERSION;
    Ok(Json(ServerAboutResponseDto {
        version: format!("v{major}.{minor}.{patch}"),
        version_url: String::new(),
        licensed: false,
        build: Some(format!("shoebox {}", env!("CARGO_PKG_VERSION"))),
        build_url: None,
        build_image: None,
        build_image_url: None,
        repository: Some("shoebox".into()),
        repository_url: None,
        source_ref: Some(env!("CARGO_PKG_VERSION").into()),
        source_commit: None,
        source_url: None,
        nodejs: None,
        exiftool: None,
        ffmpeg: None,
        libvips: None,
        imagemagick: None,
        third_party_source_url: None,
        third_party_bug_feature_url: None,
        third_party_documentation_url: None,
        third_party_support_url: None,
    }))
}

async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<ServerStatsResponseDto>> {
    auth.require_admin(Permission::ServerStatistics)?;
    let usage = state.domain.usage_by_user().await?;
    let by_user: Vec<UsageByUserDto> = usage
        .iter()
        .map(|u| UsageByUserDto {
            user_id: u.user_id.to_string(),
            user_name: u.user_name.clone(),
            photos: u.photos,
            videos: u.videos,
            usage: u.usage,
            usage_photos: u.usage_photos,
            usage_videos: u.usage_videos,
            quota_size_in_bytes: u.quota_size_bytes,
        })
        .collect();
    Ok(Json(ServerStatsResponseDto {
        photos: by_user.iter().map(|u| u.photos).sum(),
        videos: by_user.iter().map(|u| u.videos).sum(),
        usage: by_user.iter().map(|u| u.usage).sum(),
        usage_photos: by_user.iter().map(|u| u.usage_photos).sum(),
        usage_videos: by_user.iter().map(|u| u.usage_videos).sum(),
        usage_by_user: by_user,
    }))
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }
}
