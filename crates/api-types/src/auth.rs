//! Login, logout, sign-up and password DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginCredentialDto {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponseDto {
    pub access_token: String,
    pub user_id: String,
    pub user_email: String,
    pub name: String,
    pub profile_image_path: String,
    pub is_admin: bool,
    pub is_onboarded: bool,
    pub should_change_password: bool,
}

/// Body of the first-admin sign-up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignUpDto {
    pub email: String,
    pub name: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogoutResponseDto {
    pub successful: bool,
    pub redirect_uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateAccessTokenResponseDto {
    pub auth_status: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordDto {
    pub password: String,
    /// At least 8 characters (checked by the handler, not serde).
    pub new_password: String,
    /// Immich defaults this to `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalidate_sessions: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthStatusResponseDto {
    pub password: bool,
    pub pin_code: bool,
    pub is_elevated: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::common::timestamp::option"
    )]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::common::timestamp::option"
    )]
    pub pin_expires_at: Option<DateTime<Utc>>,
}

/// Body of `POST /oauth/authorize`; a client that keeps its own PKCE verifier sends
/// the challenge, and may choose the state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthConfigDto {
    pub redirect_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthAuthorizeResponseDto {
    pub url: String,
}

/// Body of `POST /oauth/callback` and `/oauth/link`: the URL the provider sent the person
/// back to; state and verifier come from here or from the cookies `authorize` set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthCallbackDto {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<String>,
}
