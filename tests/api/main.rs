//! The API driven over HTTP, each story once on SQLite and once on PostgreSQL.

mod assets;
mod auth;
