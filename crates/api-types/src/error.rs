//! The JSON body of every non-2xx API response.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    pub message: String,
    /// HTTP reason phrase of `status_code`, e.g. "Bad Request".
    pub error: String,
    pub status_code: u16,
    pub correlation_id: String,
}

impl ErrorResponse {
    pub fn new(
        status_code: u16,
        message: impl Into<String>,
        correlation_id: impl Into<String>,
    ) -> Self {
        Self {
            message: message.into(),
            error: reason_phrase(status_code).to_owned(),
            status_code,
            correlation_id: correlation_id.into(),
        }
    }
}

/// Standard reason phrase for the status codes the API produces.
pub fn reason_phrase(status_code: u16) -> &'static str {
    match status_code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        507 => "Insufficient Storage",
        _ => "Error",
    }
}
