//! One module per Immich API tag.

pub mod albums;
pub mod api_keys;
pub mod asset_metadata;
pub mod assets;
pub mod auth;
pub mod download;
pub mod duplicates;
pub mod licenses;
pub mod map;
pub mod memories;
pub mod notifications;
pub mod oauth;
pub mod ocr;
pub mod partners;
pub mod people;
pub mod profile_images;
pub mod queues;
pub mod search;
pub mod server;
pub mod sessions;
pub mod shared_links;
mod smart_search;
pub mod stacks;
pub mod sync;
pub mod system_config;
pub mod tags;
pub mod timeline;
pub mod trash;
pub mod users;
pub mod users_admin;

use axum::Router;

use crate::AppState;

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .merge(server::routes())
        .merge(asset_metadata::routes())
        .merge(sync::routes())
        .merge(auth::routes())
        .merge(oauth::routes())
        .merge(users::routes())
        .merge(users_admin::routes())
        .merge(api_keys::routes())
        .merge(sessions::routes())
        .merge(shared_links::routes())
        .merge(assets::routes())
        .merge(trash::routes())
        .merge(albums::routes())
        .merge(partners::routes())
        .merge(people::routes())
        .merge(stacks::routes())
        .merge(tags::routes())
        .merge(search::routes())
        .merge(duplicates::routes())
        .merge(queues::routes())
        .merge(system_config::routes())
        .merge(timeline::routes())
        .merge(download::routes())
        .merge(map::routes())
        .merge(licenses::routes())
        .merge(profile_images::routes())
        .merge(memories::routes())
        .merge(notifications::routes())
        .merge(ocr::routes())
}
