//! `/server/license` and `/users/me/license`, as an Immich server without a license answers:
//! there is none to read (404), and a key cannot be activated because activation keys are
//! signed by Immich's licensing service, which this server does not check against.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use shoebox_api_types::licenses::LicenseKeyDto;
use shoebox_api_types::permission::Permission;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/server/license",
            get(get_server).put(put_server).delete(delete_server),
        )
        .route(
            "/users/me/license",
            get(get_user).put(put_user).delete(delete_user),
        )
}

/// Every key is refused: the activation key's signature cannot be checked here.
fn refuse(_: &LicenseKeyDto) -> ApiError {
    ApiError::bad_request("Invalid license key")
}

async fn get_server(auth: Auth) -> ApiResult<StatusCode> {
    auth.require_admin(Permission::ServerLicenseRead)?;
    Err(ApiError::not_found("License not found"))
}

async fn put_server(auth: Auth, ApiJson(body): ApiJson<LicenseKeyDto>) -> ApiResult<StatusCode> {
    auth.require_admin(Permission::ServerLicenseUpdate)?;
    Err(refuse(&body))
}

async fn delete_server(auth: Auth) -> ApiResult<StatusCode> {
    auth.require_admin(Permission::ServerLicenseDelete)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_user(auth: Auth) -> ApiResult<StatusCode> {
    auth.require(Permission::UserLicenseRead)?;
    Err(ApiError::not_found("License not found"))
}

async fn put_user(auth: Auth, ApiJson(body): ApiJson<LicenseKeyDto>) -> ApiResult<StatusCode> {
    auth.require(Permission::UserLicenseUpdate)?;
    Err(refuse(&body))
}

async fn delete_user(auth: Auth) -> ApiResult<StatusCode> {
    auth.require(Permission::UserLicenseDelete)?;
    Ok(StatusCode::NO_CONTENT)
}
