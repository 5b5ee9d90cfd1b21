//! `/system-config/*` and SDK 3.2.2's `/admin/config/*`: the admin's system
//! configuration. The body is the domain's `SystemConfig`, whose serde form is
//! Immich's DTO.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use shoebox_api_types::permission::Permission;
use shoebox_api_types::system_config::SystemConfigTemplateStorageOptionDto;
use shoebox_domain::system_config::{STORAGE_TEMPLATE_OPTIONS, SystemConfig};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/system-config", get(get_config).put(update_config))
        .route("/system-config/defaults", get(defaults))
        .route(
            "/system-config/storage-template-options",
            get(storage_template_options),
        )
        .route(
            "/admin/config",
            get(get_admin_config).put(update_admin_config),
        )
        .route("/admin/config/defaults", get(admin_defaults))
}

async fn get_config(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<SystemConfig>> {
    auth.require_admin(Permission::SystemConfigRead)?;
    Ok(Json(state.domain.system_config().await?))
}

/// The body is read only after the permission check, so a caller who may
/// not change the configuration learns nothing from validation errors.
fn parse_config(body: &Bytes) -> ApiResult<SystemConfig> {
    Json::<SystemConfig>::from_bytes(body)
        .map(|Json(config)| config)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

async fn update_config(
    State(state): State<AppState>,
    auth: Auth,
    body: Bytes,
) -> ApiResult<Json<SystemConfig>> {
    auth.require_admin(Permission::SystemConfigUpdate)?;
    let config = parse_config(&body)?;
    Ok(Json(state.domain.update_system_config(config).await?))
}

async fn defaults(auth: Auth) -> ApiResult<Json<SystemConfig>> {
    auth.require_admin(Permission::SystemConfigRead)?;
    Ok(Json(SystemConfig::default()))
}

async fn get_admin_config(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<SystemConfig>> {
    auth.require_admin(Permission::AdminConfigRead)?;
    Ok(Json(state.domain.system_config().await?))
}

async fn update_admin_config(
    State(state): State<AppState>,
    auth: Auth,
    body: Bytes,
) -> ApiResult<Json<SystemConfig>> {
    auth.require_admin(Permission::AdminConfigUpdate)?;
    let config = parse_config(&body)?;
    Ok(Json(state.domain.update_system_config(config).await?))
}

async fn admin_defaults(auth: Auth) -> ApiResult<Json<SystemConfig>> {
    auth.require_admin(Permission::AdminConfigRead)?;
    Ok(Json(SystemConfig::default()))
}

async fn storage_template_options(
    auth: Auth,
) -> ApiResult<Json<SystemConfigTemplateStorageOptionDto>> {
    auth.require_admin(Permission::SystemConfigRead)?;
    let o = &STORAGE_TEMPLATE_OPTIONS;
    let owned = |options: &[&str]| options.iter().map(|s| s.to_string()).collect();
    Ok(Json(SystemConfigTemplateStorageOptionDto {
        day_options: owned(o.day),
        hour_options: owned(o.hour),
        minute_options: owned(o.minute),
        month_options: owned(o.month),
        preset_options: owned(o.presets),
        second_options: owned(o.second),
        week_options: owned(o.week),
        year_options: owned(o.year),
    }))
}
