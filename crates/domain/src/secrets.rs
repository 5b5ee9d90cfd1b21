//! Random secrets and how they are kept: only their hashes reach the database.

use sha2::{Digest, Sha256};

use crate::{DomainError, DomainResult};

/// Letters and digits only, like Immich's keys: a key starting with `-` reads as an option to
/// command-line tools (`immich login <url> <key>`), and `_`/`-` invite copy-paste mistakes.
const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// 43 random letters and digits (256 bits): an access token or API key secret.
pub fn new_secret() -> String {
    let mut out = String::with_capacity(43);
    let mut bytes = [0u8; 64];
    while out.len() < 43 {
        getrandom::fill(&mut bytes).expect("the OS random source is available");
        // Bytes from 248 up are dropped so every character is equally likely.
        for b in bytes.iter().filter(|b| **b < 248) {
            if out.len() == 43 {
                break;
            }
            out.push(ALPHABET[usize::from(*b % 62)] as char);
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_43_letters_and_digits_and_differ() {
        let a = new_secret();
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, new_secret());
    }
}
