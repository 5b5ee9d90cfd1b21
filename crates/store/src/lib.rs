//! What the domain needs from a database, independent of which one.
//!
//! Each area has its own repository trait; [`Store`] bundles them as trait
//! objects so callers compile once whatever the backend.

pub mod asset_metadata;
mod error;
pub mod faces;
pub mod messages;
pub mod ocr;
pub mod records;
mod repos;
pub mod smart_search;
pub mod sync;

use std::sync::Arc;

pub use error::{StoreError, StoreResult};
pub use repos::*;

/// Every repository of one backend, shared behind trait objects.
#[derive(Clone)]
pub struct Store {
    pub users: Arc<dyn UserRepo>,
    pub sessions: Arc<dyn SessionRepo>,
    pub api_keys: Arc<dyn ApiKeyRepo>,
    pub assets: Arc<dyn AssetRepo>,
    pub asset_metadata: Arc<dyn asset_metadata::AssetMetadataRepo>,
    pub albums: Arc<dyn AlbumRepo>,
    pub partners: Arc<dyn PartnerRepo>,
    pub stacks: Arc<dyn StackRepo>,
    pub tags: Arc<dyn TagRepo>,
    pub system: Arc<dyn SystemRepo>,
    pub jobs: Arc<dyn JobRepo>,
    pub shared_links: Arc<dyn SharedLinkRepo>,
    pub map: Arc<dyn MapRepo>,
    pub memories: Arc<dyn MemoryRepo>,
    pub people: Arc<dyn faces::PersonRepo>,
    pub faces: Arc<dyn faces::FaceRepo>,
    pub face_search: Arc<dyn faces::FaceSearchRepo>,
    pub ocr: Arc<dyn ocr::OcrRepo>,
    pub smart_search: Arc<dyn smart_search::SmartSearchRepo>,
    pub duplicates: Arc<dyn smart_search::DuplicateRepo>,
    pub notifications: Arc<dyn NotificationRepo>,
    pub sync: Arc<dyn sync::SyncRepo>,
}
