//! The metadataExtraction queue: read what the original (and its sidecar)
//! says about itself and record it on the asset.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use shoebox_jobs::{JobError, JobHandler, Queue};
use shoebox_media::{ImageMetadata, ReadOptions, duration_millis};
use shoebox_places::{GpsZones, Place};
use shoebox_store::records::{
    AssetIdsFilter, AssetKind, AssetRecord, ExifRecord, JobRecord, LockedProperties, MetadataUpdate,
};
use uuid::Uuid;

use super::asset_id_of;
use super::video::video_job_error;
use crate::assets::zone_name;
use crate::events::Event;
use crate::{Domain, DomainError, DomainResult};

pub const JOB_NAME: &str = "AssetExtractMetadata";

pub struct ExtractMetadata {
    pub domain: Domain,
}

impl Domain {
    /// Queues metadata extraction for these assets (once each while pending) and wakes the workers.
    pub async fn queue_metadata_extraction(&self, ids: &[Uuid]) -> DomainResult<()> {
        self.queue_asset_jobs(Queue::MetadataExtraction, JOB_NAME, DEDUPE_KEY, ids)
            .await
    }

    /// Queues metadata extraction for assets that have no metadata and never had a job for
    /// it: a crash between an asset's row and its first job leaves one, and nothing else
    /// would ever queue it (the client's retry is answered as a duplicate). Queuing is
    /// deduplicated, so any process may run this while others upload. Returns how many.
    pub async fn queue_stranded_assets(&self) -> DomainResult<usize> {
        let filter = AssetIdsFilter {
            missing_metadata: true,
            without_job: Some(DEDUPE_KEY),
            ..AssetIdsFilter::default()
        };
        let mut queued = 0;
        let mut after = None;
        loop {
            let ids = self
                .store
                .assets
                .ids_page(after, super::START_PAGE, &filter)
                .await?;
            let Some(last) = ids.last() else {
                return Ok(queued);
            };
            after = Some(*last);
            self.queue_metadata_extraction(&ids).await?;
            queued += ids.len();
        }
    }
}

/// The key that keeps one metadata job pending per asset (`metadata:<asset id>`).
const DEDUPE_KEY: &str = "metadata";

/// Width and height as displayed: orientations 5–8 turn the image a quarter.
fn display_size(meta: &ImageMetadata) -> (Option<i64>, Option<i64>) {
    let (w, h) = (meta.width.map(i64::from), meta.height.map(i64::from));
    match meta.orientation {
        Some(5..=8) => (h, w),
        _ => (w, h),
    }
}

/// When the photo was taken: as an instant, as local wall-clock time, and the zone.
/// Without a date in the file, the upload's file date stands; without an
/// offset, the local time is read as UTC, as Immich does.
fn date_taken(
    meta: &ImageMetadata,
    asset: &AssetRecord,
) -> (DateTime<Utc>, NaiveDateTime, Option<String>) {
    let Some(taken) = &meta.date_taken else {
        return (
            asset.file_created_at,
            asset.file_created_at.naive_utc(),
            None,
        );
    };
    let offset = meta
        .time_zone
        .as_ref()
        .map(|z| z.offset_seconds)
        .or(taken.offset_seconds);
    match offset {
        Some(seconds) => {
            let instant = (taken.local - Duration::seconds(i64::from(seconds))).and_utc();
            (instant, taken.local, Some(zone_name(seconds)))
        }
        None => (taken.local.and_utc(), taken.local, None),
    }
}

/// The position the user set: it stands whatever the file says, so the place is named after it.
fn edited_position(asset: &AssetRecord) -> Option<(f64, f64)> {
    let both = LockedProperties::LATITUDE | LockedProperties::LONGITUDE;
    if !asset.locked_properties.contains(both) {
        return None;
    }
    Some((asset.exif.latitude?, asset.exif.longitude?))
}

/// Where the photo was taken, when it says. Immich ignores 0,0: cameras write it when they
/// have no fix.
fn position(meta: &ImageMetadata) -> Option<(f64, f64)> {
    match (meta.latitude, meta.longitude) {
        (Some(la), Some(lo)) if la != 0.0 || lo != 0.0 => Some((la, lo)),
        _ => None,
    }
}

fn update_from(
    meta: &ImageMetadata,
    place: Option<Place>,
    asset: &AssetRecord,
    now: DateTime<Utc>,
) -> MetadataUpdate {
    let (width, height) = display_size(meta);
    let (taken_at, local_date_time, time_zone) = date_taken(meta, asset);
    let position = position(meta);
    let place = place.unwrap_or_default();
    MetadataUpdate {
        exif: ExifRecord {
            description: meta.description.clone().unwrap_or_default(),
            latitude: position.map(|(la, _)| la),
            longitude: position.map(|(_, lo)| lo),
            date_time_original: meta.date_taken.as_ref().map(|_| taken_at),
            time_zone,
            // Immich stores an unrated (0) photo as no rating.
            rating: meta.rating.filter(|r| *r != 0).map(i64::from),
            make: meta.make.clone(),
            model: meta.model.clone(),
            lens_model: meta.lens_model.clone(),
            exif_image_width: meta.width.map(i64::from),
            exif_image_height: meta.height.map(i64::from),
            orientation: meta.orientation.map(|o| o.to_string()),
            f_number: meta.f_number,
            focal_length: meta.focal_length,
            iso: meta.iso.map(i64::from),
            exposure_time: meta.exposure_time.clone(),
            modify_date: Some(asset.file_modified_at),
            city: place.city,
            state: place.state,
            country: place.country,
            projection_type: meta.projection_type.clone(),
        },
        width,
        height,
        taken_at,
        local_date_time,
        duration: None,
        live_photo_cid: meta.content_identifier.clone(),
        extracted_at: now,
    }
}

#[async_trait]
impl JobHandler for ExtractMetadata {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        let id = asset_id_of(job)?;
        let store = &self.domain.store;
        let asset = match store.assets.get(id).await {
            Ok(Some(asset)) => asset,
            // Deleted since it was queued: nothing left to do.
            Ok(None) => return Ok(()),
            Err(e) => return Err(JobError::transient(e.to_string())),
        };
        let storage = &self.domain.storage;
        let original = storage
            .original_abs(&asset.original_path)
            .map_err(|e| JobError::permanent(e.to_string()))?;
        let original_path = original.clone();
        // Videos are described by ffprobe; the rest of the reading is the same for both.
        let probe = match asset.kind {
            AssetKind::Video => Some(
                self.domain
                    .video_tools
                    .probe(&original)
                    .await
                    .map_err(|e| video_job_error("cannot probe video", e))?,
            ),
            AssetKind::Image => None,
        };
        let duration = probe
            .as_ref()
            .and_then(|info| info.duration_seconds)
            .and_then(duration_millis)
            .map(|ms| ms.to_string());
        let edited_position = edited_position(&asset);
        // Only the sidecar on record is read (uploaded, found by the sidecar queue, or ours):
        // one dropped beside the original counts once the sidecar queue has found it.
        let sidecar = asset
            .sidecar_path
            .as_deref()
            .map(|rel| storage.original_abs(rel))
            .transpose()
            .map_err(|e| JobError::permanent(e.to_string()))?;
        let read = shoebox_jobs::run_cpu(move || {
            // The zone and place lookups search tables loaded on first use: CPU work, kept here
            // off the async workers.
            let options = ReadOptions {
                zone_lookup: Some(&GpsZones),
            };
            let meta = match &probe {
                Some(info) => Ok(shoebox_media::video_metadata(info, &options)),
                None => shoebox_media::read_metadata_with(&original, &options),
            }
            .map(|meta| match &sidecar {
                Some(path) => shoebox_media::overlay_sidecar_file(meta, path, &options),
                None => meta,
            });
            meta.map(|meta| {
                let place = edited_position
                    .or_else(|| position(&meta))
                    .and_then(|(la, lo)| shoebox_places::reverse_geocode(la, lo));
                (meta, place)
            })
        })
        .await
        .map_err(|e| JobError::permanent(format!("metadata reader crashed: {e}")))?;
        let saved = match read {
            Ok((meta, place)) => {
                let mut update = update_from(&meta, place, &asset, Utc::now());
                update.duration = duration;
                let saved = async {
                    store.assets.save_metadata(id, &update).await?;
                    self.domain
                        .apply_file_tags(asset.owner_id, id, &meta.tags)
                        .await?;
                    self.domain
                        .import_tagged_faces(&asset, &meta.tagged_faces())
                        .await?;
                    // Whichever half of a live photo arrives second completes the pair.
                    if update.live_photo_cid.is_some()
                        && let Some((_, video)) = store.assets.link_live_photo(id).await?
                    {
                        self.domain
                            .emit(Event::AssetHidden {
                                owner_id: asset.owner_id,
                                asset_id: video,
                            })
                            .await;
                    }
                    Ok::<_, DomainError>(())
                }
                .await
                .map_err(|e| JobError::transient(e.to_string()));
                match (saved, meta.motion_photo) {
                    (Ok(()), Some(motion)) if asset.kind == AssetKind::Image => self
                        .domain
                        .extract_motion_video(&asset, &original_path, motion)
                        .await
                        .map(|_| ())
                        .map_err(|e| {
                            JobError::permanent(format!(
                                "cannot take the video out of the motion photo: {e}"
                            ))
                        }),
                    (saved, _) => saved,
                }
            }
            Err(e) => Err(JobError::permanent(format!("cannot read metadata: {e}"))),
        };
        // Thumbnails come next either way: a file without readable metadata may still be an image.
        if !matches!(&saved, Err(e) if e.retryable) {
            self.domain
                .queue_thumbnail_generation(&[id])
                .await
                .map_err(|e| JobError::transient(e.to_string()))?;
        }
        saved
    }
}

pub fn handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(ExtractMetadata {
        domain: domain.clone(),
    })
}
