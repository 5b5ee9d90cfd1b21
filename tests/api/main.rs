//! The API driven over HTTP, each story once on SQLite and once on PostgreSQL.

mod albums;
mod api_keys;
mod assets;
mod auth;
mod bad_input;
mod faces;
mod motion_photos;
mod partners;
mod processing;
mod queues;
mod search;
mod server;
mod sessions;
mod sidecars;
mod stacks;
mod system_config;
mod tags;
mod timeline;
mod trash;
mod uploads;
mod users;
mod users_admin;
mod video;
