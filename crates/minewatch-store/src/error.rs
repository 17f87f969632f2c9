//! The store's error type.

use minewatch_domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no record with id {id:?}")]
    NotFound { id: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid record: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Config(String),
    #[error("the ledger is damaged: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}
