//! The sidecar queue: a user's edits written into the asset's XMP sidecar (`SidecarWrite`),
//! and sidecars that appeared beside an original or went away found (`SidecarCheck`). Either
//! job queues metadata extraction when the sidecar changed, so the asset reads it again.

use std::io;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::FixedOffset;
use shoebox_jobs::{JobError, JobHandler, Queue};
use shoebox_media::{SidecarEdits, sidecar_candidates, write_sidecar};
use shoebox_store::records::{AssetRecord, JobRecord, LockedProperties};
use uuid::Uuid;

use super::{asset_id_of, store_err};
use crate::assets::zone_offset_seconds;
use crate::{Domain, DomainResult};

pub const WRITE_JOB: &str = "SidecarWrite";
pub const CHECK_JOB: &str = "SidecarCheck";

/// The most a sidecar may be rewritten in one job while edits keep arriving.
const MAX_WRITE_ROUNDS: usize = 3;

impl Domain {
    /// Queues writing the assets' edited metadata into their sidecars.
    pub async fn queue_sidecar_write(&self, ids: &[Uuid]) -> DomainResult<()> {
        self.queue_asset_jobs(Queue::Sidecar, WRITE_JOB, "sidecar-write", ids)
            .await
    }

    /// Queues looking for the assets' sidecars on disk.
    pub async fn queue_sidecar_check(&self, ids: &[Uuid]) -> DomainResult<()> {
        self.queue_asset_jobs(Queue::Sidecar, CHECK_JOB, "sidecar-check", ids)
            .await
    }
}

pub struct SidecarJobs {
    pub domain: Domain,
}

/// What the sidecar should say: the current value of every property the user edited, as
/// Immich writes them (an unrated photo as rating 0). Unedited properties are left to the
/// sidecar and the file.
fn edits_of(asset: &AssetRecord) -> SidecarEdits {
    let locked = asset.locked_properties;
    let exif = &asset.exif;
    let position = match (exif.latitude, exif.longitude) {
        (Some(lat), Some(lon))
            if locked.contains(LockedProperties::LATITUDE)
                || locked.contains(LockedProperties::LONGITUDE) =>
        {
            Some((lat, lon))
        }
        _ => None,
    };
    let date = exif
        .date_time_original
        .filter(|_| locked.contains(LockedProperties::DATE_TIME_ORIGINAL));
    SidecarEdits {
        description: locked
            .contains(LockedProperties::DESCRIPTION)
            .then(|| exif.description.clone()),
        date_time_original: date.map(|instant| instant.with_timezone(&offset_of(asset))),
        position,
        rating: locked
            .contains(LockedProperties::RATING)
            .then(|| exif.rating.unwrap_or(0) as i32),
    }
}

/// The asset's UTC offset: its zone's, or else the gap between its local time and the instant.
fn offset_of(asset: &AssetRecord) -> FixedOffset {
    let seconds = asset
        .exif
        .time_zone
        .as_deref()
        .and_then(zone_offset_seconds)
        .unwrap_or_else(|| {
            let taken = asset
                .exif
                .date_time_original
                .unwrap_or(asset.file_created_at);
            (asset.local_date_time - taken.naive_utc()).num_seconds() as i32
        });
    FixedOffset::east_opt(seconds)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero is a valid offset"))
}

/// Reads a file that may not exist.
async fn read_if_present(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match tokio::fs::read(path).await {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl SidecarJobs {
    /// Writes the asset's edits into its sidecar (`<original>.xmp` when it has none yet),
    /// keeping whatever else an uploaded sidecar says.
    async fn write(&self, id: Uuid) -> Result<(), JobError> {
        let domain = &self.domain;
        let mut written: Option<SidecarEdits> = None;
        // An edit made while this job ran could not queue a job of its own (this one still
        // counts as pending), so the values are read again until they hold still.
        for _ in 0..MAX_WRITE_ROUNDS {
            let Some(asset) = domain.store.assets.get(id).await.map_err(store_err)? else {
                return Ok(());
            };
            let edits = edits_of(&asset);
            if written.as_ref() == Some(&edits) {
                break;
            }
            if edits == SidecarEdits::default() {
                // Nothing edited: the sidecar, if any, is the user's own.
                return Ok(());
            }
            self.write_once(&asset, &edits).await?;
            written = Some(edits);
        }
        domain
            .queue_metadata_extraction(&[id])
            .await
            .map_err(store_err)
    }

    async fn write_once(&self, asset: &AssetRecord, edits: &SidecarEdits) -> Result<(), JobError> {
        let domain = &self.domain;
        let rel = asset
            .sidecar_path
            .clone()
            .unwrap_or_else(|| format!("{}.xmp", asset.original_path));
        let path = domain
            .storage
            .original_abs(&rel)
            .map_err(|e| JobError::permanent(e.to_string()))?;
        let existing = read_if_present(&path)
            .await
            .map_err(|e| JobError::transient(format!("cannot read sidecar {rel}: {e}")))?;
        // A sidecar we cannot parse stays as it is: it may hold someone's work.
        let updated = write_sidecar(existing.as_deref(), edits)
            .map_err(|e| JobError::permanent(format!("cannot update sidecar {rel}: {e}")))?;
        if existing.as_ref() != Some(&updated) {
            domain
                .storage
                .write_original(&rel, updated)
                .await
                .map_err(|e| JobError::transient(format!("cannot write sidecar {rel}: {e}")))?;
        }
        if asset.sidecar_path.as_deref() != Some(rel.as_str()) {
            domain
                .store
                .assets
                .set_sidecar_path(asset.id, Some(&rel))
                .await
                .map_err(store_err)?;
        }
        Ok(())
    }

    /// Records the sidecar found beside the original, as Immich looks for one: the one on
    /// record, `photo.jpg.xmp`, then `photo.xmp`; none found clears the record.
    async fn check(&self, id: Uuid) -> Result<(), JobError> {
        let domain = &self.domain;
        let Some(asset) = domain.store.assets.get(id).await.map_err(store_err)? else {
            return Ok(());
        };
        let original = Path::new(&asset.original_path);
        let candidates = asset.sidecar_path.iter().cloned().chain(
            sidecar_candidates(original)
                .into_iter()
                .filter_map(|p| p.to_str().map(str::to_owned)),
        );
        let mut found = None;
        for rel in candidates {
            let Ok(path) = domain.storage.original_abs(&rel) else {
                continue;
            };
            if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file()) {
                found = Some(rel);
                break;
            }
        }
        if found == asset.sidecar_path {
            return Ok(());
        }
        tracing::debug!(asset = %id, old = ?asset.sidecar_path, new = ?found, "sidecar changed");
        domain
            .store
            .assets
            .set_sidecar_path(id, found.as_deref())
            .await
            .map_err(store_err)?;
        domain
            .queue_metadata_extraction(&[id])
            .await
            .map_err(store_err)
    }
}

#[async_trait]
impl JobHandler for SidecarJobs {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        let id = asset_id_of(job)?;
        match job.name.as_str() {
            WRITE_JOB => self.write(id).await,
            CHECK_JOB => self.check(id).await,
            other => Err(JobError::permanent(format!("unknown sidecar job {other}"))),
        }
    }
}

pub fn handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(SidecarJobs {
        domain: domain.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDateTime, Utc};
    use shoebox_store::records::{AssetKind, ExifRecord};

    fn asset(locked: LockedProperties, exif: ExifRecord, local: &str) -> AssetRecord {
        let at: DateTime<Utc> = "2024-03-01T10:00:00Z".parse().unwrap();
        AssetRecord {
            id: Uuid::nil(),
            owner_id: Uuid::nil(),
            device_asset_id: String::new(),
            device_id: String::new(),
            kind: AssetKind::Image,
            original_path: "o/p.jpg".into(),
            original_file_name: "p.jpg".into(),
            checksum: Vec::new(),
            file_size: 1,
            file_created_at: at,
            file_modified_at: at,
            local_date_time: local.parse::<NaiveDateTime>().unwrap(),
            is_favorite: false,
            visibility: "timeline".into(),
            duration: None,
            sidecar_path: None,
            created_at: at,
            updated_at: at,
            deleted_at: None,
            width: None,
            height: None,
            thumbhash: None,
            metadata_extracted_at: None,
            live_photo_video_id: None,
            duplicate_id: None,
            stack_id: None,
            exif,
            locked_properties: locked,
        }
    }

    #[test]
    fn only_edited_properties_go_into_the_sidecar() {
        let exif = ExifRecord {
            description: "from the file".into(),
            latitude: Some(1.0),
            longitude: Some(2.0),
            date_time_original: Some("2024-05-01T08:00:00Z".parse().unwrap()),
            time_zone: Some("UTC+02:00".into()),
            rating: None,
            ..ExifRecord::default()
        };
        let nothing = asset(LockedProperties::NONE, exif.clone(), "2024-05-01T10:00:00");
        assert_eq!(edits_of(&nothing), SidecarEdits::default());
        let locked = LockedProperties::DATE_TIME_ORIGINAL
            | LockedProperties::TIME_ZONE
            | LockedProperties::RATING;
        let edited = edits_of(&asset(locked, exif, "2024-05-01T10:00:00"));
        assert_eq!(edited.description, None);
        assert_eq!(edited.position, None);
        // An unrated photo is written as rating 0, as Immich does.
        assert_eq!(edited.rating, Some(0));
        assert_eq!(
            edited.date_time_original.unwrap().to_rfc3339(),
            "2024-05-01T10:00:00+02:00"
        );
    }

    #[test]
    fn without_a_zone_the_local_time_gives_the_offset() {
        let exif = ExifRecord {
            date_time_original: Some("2024-05-01T08:00:00Z".parse().unwrap()),
            ..ExifRecord::default()
        };
        let locked = LockedProperties::DATE_TIME_ORIGINAL;
        let edited = edits_of(&asset(locked, exif, "2024-05-01T05:30:00"));
        assert_eq!(
            edited.date_time_original.unwrap().to_rfc3339(),
            "2024-05-01T05:30:00-02:30"
        );
    }
}
