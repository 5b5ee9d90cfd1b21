//! The arguments of each socket.io event: the HTTP API's shapes of what it is about, read
//! when it is sent.

use serde_json::{Value, json};
use shoebox_domain::events::Event;
use shoebox_domain::{Domain, DomainResult};

use crate::dto;
use crate::routes::notifications::notification;
use crate::sync_lines;

/// The event's arguments, or `None` when what it is about is gone (or cannot be told yet).
pub async fn args(domain: &Domain, event: &Event) -> DomainResult<Option<Vec<Value>>> {
    Ok(Some(match event {
        Event::UploadSuccess { asset_id, .. } | Event::AssetUpdate { asset_id, .. } => {
            let Some(asset) = domain.event_asset(*asset_id).await? else {
                return Ok(None);
            };
            vec![to_value(dto::asset(&asset))]
        }
        // The mobile app adds these rows to its copy of the library as if synced.
        Event::AssetUploadReady { asset_id, .. } => {
            let Some(asset) = domain.event_asset(*asset_id).await? else {
                return Ok(None);
            };
            vec![json!({
                "asset": to_value(sync_lines::asset_v2(&asset)),
                "exif": to_value(sync_lines::asset_exif(&asset)),
            })]
        }
        Event::AssetHidden { asset_id, .. } | Event::AssetDelete { asset_id, .. } => {
            vec![json!(asset_id)]
        }
        Event::AssetTrash { asset_ids, .. } | Event::AssetRestore { asset_ids, .. } => {
            vec![json!(asset_ids)]
        }
        Event::PersonThumbnail { person_id, .. } => vec![json!(person_id)],
        Event::SessionDelete { session_id } => vec![json!(session_id)],
        Event::Notification {
            notification_id, ..
        } => {
            let Some(record) = domain.event_notification(*notification_id).await? else {
                return Ok(None);
            };
            vec![to_value(notification(&record))]
        }
        Event::StackUpdate { .. } | Event::ConfigUpdate => Vec::new(),
    }))
}

fn to_value(dto: impl serde::Serialize) -> Value {
    // The API's DTOs are plain data: serialising them cannot fail.
    serde_json::to_value(dto).unwrap_or_default()
}
