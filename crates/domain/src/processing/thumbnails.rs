//! The thumbnailGeneration queue: a JPEG preview, a WebP thumbnail and a
//! thumbhash per image, from one read of the original.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use shoebox_jobs::{JobError, JobHandler, Queue};
use shoebox_media::thumbnails::{
    ThumbnailSettings, generate_from_bytes, generate_with_orientation,
};
use shoebox_store::records::{AssetFileRecord, AssetKind, AssetRecord, JobRecord};
use uuid::Uuid;

use super::video::video_job_error;
use super::{asset_id_of, store_err};
use crate::events::Event;
use crate::storage::Storage;
use crate::{Domain, DomainResult};

pub const JOB_NAME: &str = "AssetGenerateThumbnails";
pub const THUMBNAIL: &str = "thumbnail";
pub const PREVIEW: &str = "preview";

pub struct GenerateThumbnails {
    pub domain: Domain,
}

impl Domain {
    /// Queues thumbnail generation for these assets (once each while pending) and wakes the workers.
    pub async fn queue_thumbnail_generation(&self, ids: &[Uuid]) -> DomainResult<()> {
        self.queue_asset_jobs(Queue::ThumbnailGeneration, JOB_NAME, "thumbnail", ids)
            .await
    }
}

#[async_trait]
impl JobHandler for GenerateThumbnails {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        let id = asset_id_of(job)?;
        let domain = &self.domain;
        let Some(asset) = domain.store.assets.get(id).await.map_err(store_err)? else {
            return Ok(());
        };
        let original = domain
            .storage
            .original_abs(&asset.original_path)
            .map_err(|e| JobError::permanent(e.to_string()))?;
        let image = domain.system_config().await.map_err(store_err)?.image;
        // Sizes and qualities follow the admin's settings; the formats stay JPEG and WebP.
        let settings = ThumbnailSettings {
            preview_size: image.preview.size,
            preview_quality: image.preview.quality.clamp(1, 100) as u8,
            thumbnail_size: image.thumbnail.size,
            thumbnail_quality: image.thumbnail.quality.clamp(1, 100) as u8,
            ..ThumbnailSettings::default()
        };
        let generated = if asset.kind == AssetKind::Video {
            // ffmpeg hands over one upright frame no larger than the preview; the still
            // pipeline makes the preview, thumbnail and thumbhash from it.
            let tools = &domain.video_tools;
            let info = tools
                .probe(&original)
                .await
                .map_err(|e| video_job_error("cannot probe video", e))?;
            let png = tools
                .extract_frame(&original, &info, settings.preview_size)
                .await
                .map_err(|e| video_job_error("cannot extract a frame", e))?;
            shoebox_jobs::run_cpu(move || {
                generate_from_bytes(&png, Some("png"), &settings, Some(1))
            })
            .await
        } else {
            // The metadata job already read the orientation; reuse it rather than read the
            // file twice.
            let orientation = asset
                .exif
                .orientation
                .as_deref()
                .and_then(|o| o.parse().ok());
            shoebox_jobs::run_cpu(move || {
                generate_with_orientation(&original, &settings, orientation)
            })
            .await
        }
        .map_err(|e| JobError::permanent(format!("thumbnail generator crashed: {e}")))?
        .map_err(|e| JobError::permanent(format!("cannot make thumbnails: {e}")))?;

        let now = Utc::now();
        for (kind, ext, bytes) in [
            (PREVIEW, "jpeg", generated.preview.bytes),
            (THUMBNAIL, "webp", generated.thumbnail.bytes),
        ] {
            let rel = Storage::generated_rel_path(asset.owner_id, id, kind, ext);
            domain
                .storage
                .write_generated(&rel, bytes)
                .await
                .map_err(store_err)?;
            let file = AssetFileRecord {
                kind: kind.to_string(),
                path: rel,
                updated_at: now,
            };
            domain
                .store
                .assets
                .upsert_file(id, &file)
                .await
                .map_err(store_err)?;
        }
        domain
            .store
            .assets
            .set_thumbhash(id, &generated.thumbhash, now)
            .await
            .map_err(store_err)?;
        if asset.kind == AssetKind::Video {
            domain
                .queue_video_conversion(&[id])
                .await
                .map_err(store_err)?;
        }
        // Faces are found in the preview, so detection follows it.
        if domain.face_settings().await.map_err(store_err)?.is_some() {
            domain
                .queue_face_detection(&[id])
                .await
                .map_err(store_err)?;
        }
        // Text is read in the preview too.
        if domain.ocr_request().await.map_err(store_err)?.is_some() {
            domain.queue_ocr(&[id]).await.map_err(store_err)?;
        }
        // So is the CLIP embedding smart search and duplicate detection use.
        if domain.clip_model().await.map_err(store_err)?.is_some() {
            domain.queue_smart_search(&[id]).await.map_err(store_err)?;
        }
        // An asset's first thumbnails make it showable: clients add it to their timelines
        // now (Immich tells them after an upload's thumbnails; regenerating tells nobody).
        if asset.thumbhash.is_none() {
            domain.emit_all(ready_events(&asset)).await;
        }
        Ok(())
    }
}

/// What the owner's clients hear when an asset can first be shown; nothing, as in Immich,
/// for assets off the timeline and archive (a live photo's video, locked ones).
fn ready_events(asset: &AssetRecord) -> Vec<Event> {
    if !matches!(asset.visibility.as_str(), "timeline" | "archive") {
        return Vec::new();
    }
    let (owner_id, asset_id) = (asset.owner_id, asset.id);
    vec![
        Event::UploadSuccess { owner_id, asset_id },
        Event::AssetUploadReady { owner_id, asset_id },
    ]
}

pub fn handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(GenerateThumbnails {
        domain: domain.clone(),
    })
}

impl Domain {
    /// A generated file of an asset the caller may view, with its absolute path.
    pub async fn generated_file(
        &self,
        auth: &crate::auth::AuthContext,
        id: Uuid,
        kind: &str,
    ) -> DomainResult<Option<(AssetFileRecord, std::path::PathBuf)>> {
        self.get_asset(auth, id, "asset.view").await?;
        let files = self.store.assets.files_of(id).await?;
        match files.into_iter().find(|f| f.kind == kind) {
            Some(file) => {
                let path = self.storage.generated_abs(&file.path)?;
                Ok(Some((file, path)))
            }
            None => Ok(None),
        }
    }
}
