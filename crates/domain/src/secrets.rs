//! Random secrets and how they are kept: only their hashes reach the database.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::{DomainError, DomainResult};

/// 32 random bytes as URL-safe text: an access token or API key secret.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Tokens carry 256 bits of entropy, so a fast unsalted hash is enough to keep
/// a database leak from yielding usable credentials.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Immich's bcrypt cost.
const BCRYPT_COST: u32 = 10;

pub async fn hash_password(password: String) -> DomainResult<String> {
    tokio::task::spawn_blocking(move || bcrypt::hash(password, BCRYPT_COST))
        .await
        .map_err(|e| DomainError::Internal(e.to_string()))?
        .map_err(|e| DomainError::Internal(e.to_string()))
}

pub async fn verify_password(password: String, hash: String) -> bool {
    if hash.is_empty() {
        return false;
    }
    tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
        .await
        .unwrap_or(false)
}
