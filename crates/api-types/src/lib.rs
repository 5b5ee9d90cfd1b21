//! Immich HTTP API data-transfer objects.
//!
//! Field names, optionality and enum strings follow the Immich SDK typings
//! (the client contract), falling back to the OpenAPI document where the
//! two agree. No I/O lives here.

#[macro_use]
mod macros;

pub mod albums;
pub mod api_keys;
pub mod asset_metadata;
pub mod assets;
pub mod auth;
pub mod common;
pub mod download;
pub mod duplicates;
pub mod error;
pub mod licenses;
pub mod map;
pub mod memories;
pub mod notifications;
pub mod ocr;
pub mod partners;
pub mod people;
pub mod permission;
pub mod queues;
pub mod search;
pub mod server;
pub mod sessions;
pub mod shared_links;
pub mod stacks;
pub mod sync;
pub mod system_config;
pub mod tags;
pub mod timeline;
pub mod users;
