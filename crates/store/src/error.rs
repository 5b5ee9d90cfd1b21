use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. the same checksum twice for one owner).
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
