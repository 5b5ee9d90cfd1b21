use shoebox_store::StoreError;
use thiserror::Error;

/// What went wrong, in the terms the API answers with.
#[derive(Debug, Error)]
pub enum DomainError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    InsufficientStorage(String),
    #[error("{0}")]
    Internal(String),
    /// A service we depend on (an OAuth provider) failed or is set up wrongly; the message
    /// names it and says how, which is what an admin needs and reveals nothing internal.
    #[error("{0}")]
    Upstream(String),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => DomainError::NotFound("Not found".into()),
            StoreError::Conflict(m) => DomainError::BadRequest(m),
            StoreError::Backend(m) => DomainError::Internal(m),
        }
    }
}

impl From<std::io::Error> for DomainError {
    fn from(e: std::io::Error) -> Self {
        if e.raw_os_error() == Some(nix::libc::ENOSPC)
            || e.kind() == std::io::ErrorKind::StorageFull
        {
            DomainError::InsufficientStorage("Not enough free disk space".into())
        } else {
            DomainError::Internal(format!("I/O error: {e}"))
        }
    }
}
