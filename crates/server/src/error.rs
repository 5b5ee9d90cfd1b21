//! The one place errors become Immich's error JSON.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shoebox_api_types::error::ErrorResponse;
use shoebox_domain::DomainError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let status = match &e {
            DomainError::BadRequest(_) => StatusCode::BAD_REQUEST,
            DomainError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
            DomainError::NotFound(_) => StatusCode::NOT_FOUND,
            DomainError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            DomainError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            DomainError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            DomainError::Upstream(_) => StatusCode::BAD_GATEWAY,
        };
        Self::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let correlation_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        // A bad gateway and a full disk are the server's conditions, not its bugs: the client
        // is told which (an upload too large for the free space is refused before a byte).
        let told = [StatusCode::BAD_GATEWAY, StatusCode::INSUFFICIENT_STORAGE];
        let message = if self.status.is_server_error() && !told.contains(&self.status) {
            // Internal details go to the log, tagged so an operator can find them.
            tracing::error!(correlation_id, status = %self.status, "{}", self.message);
            "Internal server error".to_string()
        } else {
            self.message
        };
        let body = ErrorResponse::new(self.status.as_u16(), message, correlation_id);
        (self.status, Json(body)).into_response()
    }
}
