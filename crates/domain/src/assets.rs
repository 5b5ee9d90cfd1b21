//! Assets: creating them from uploads, reading, editing, trash.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use shoebox_media::MediaKind;
use shoebox_store::StoreError;
use shoebox_store::records::*;
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::events::Event;
use crate::storage::Storage;
use crate::uploads::StagedUpload;
use crate::{Domain, DomainError, DomainResult};

/// What a client says about an upload besides its bytes.
#[derive(Debug, Clone)]
pub struct UploadMetadata {
    pub original_file_name: String,
    pub device_asset_id: String,
    pub device_id: String,
    pub file_created_at: DateTime<Utc>,
    pub file_modified_at: DateTime<Utc>,
    pub duration: Option<String>,
    pub is_favorite: bool,
    pub visibility: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadOutcome {
    Created(Uuid),
    Duplicate(Uuid),
}

/// A requested change to assets, before validation.
#[derive(Debug, Clone, Default)]
pub struct AssetChanges {
    pub is_favorite: Option<bool>,
    pub visibility: Option<String>,
    pub description: Option<String>,
    /// ISO 8601, with or without an offset.
    pub date_time_original: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub rating: Option<Option<i64>>,
}

/// Ownership or album access failures read the same as a missing asset, so
/// that nobody learns of another user's assets.
pub fn no_access(permission: &str) -> DomainError {
    DomainError::BadRequest(format!("Not found or no {permission} access"))
}

/// Keeps only the last path component and drops control characters.
pub fn sanitize_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim().to_string();
    (!clean.is_empty() && clean != "." && clean != "..").then_some(clean)
}

/// A fixed offset as a zone name, e.g. "UTC+05:30".
pub fn zone_name(offset_seconds: i32) -> String {
    let sign = if offset_seconds < 0 { '-' } else { '+' };
    let abs = offset_seconds.abs();
    format!("UTC{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
}

/// The offset a zone name from [`zone_name`] stands for ("UTC" alone is 0); `None` for any
/// other name.
pub fn zone_offset_seconds(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("UTC")?;
    if rest.is_empty() {
        return Some(0);
    }
    let sign = match rest.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = rest[1..].split_once(':')?;
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    ((0..=18).contains(&hours) && (0..60).contains(&minutes))
        .then_some(sign * (hours * 3600 + minutes * 60))
}

/// Parses a client's "date taken": keeps the wall-clock time and the offset it was given in.
fn parse_date_taken(text: &str) -> DomainResult<(DateTime<Utc>, NaiveDateTime, Option<String>)> {
    if let Ok(t) = DateTime::<FixedOffset>::parse_from_rfc3339(text) {
        let offset = t.offset().local_minus_utc();
        let zone = (offset != 0).then(|| zone_name(offset));
        return Ok((t.with_timezone(&Utc), t.naive_local(), zone));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Ok((naive.and_utc(), naive, None));
        }
    }
    Err(DomainError::BadRequest(
        "dateTimeOriginal must be an ISO 8601 date string".into(),
    ))
}

const VISIBILITIES: &[&str] = &["timeline", "archive", "hidden", "locked"];

fn validate_changes(c: &AssetChanges) -> DomainResult<AssetPatch> {
    if let Some(v) = &c.visibility
        && !VISIBILITIES.contains(&v.as_str())
    {
        return Err(DomainError::BadRequest(format!(
            "visibility must be one of: {}",
            VISIBILITIES.join(", ")
        )));
    }
    if c.latitude.is_some_and(|l| !(-90.0..=90.0).contains(&l)) {
        return Err(DomainError::BadRequest(
            "latitude must not be greater than 90 or less than -90".into(),
        ));
    }
    if c.longitude.is_some_and(|l| !(-180.0..=180.0).contains(&l)) {
        return Err(DomainError::BadRequest(
            "longitude must not be greater than 180 or less than -180".into(),
        ));
    }
    if c.latitude.is_some() != c.longitude.is_some() {
        return Err(DomainError::BadRequest(
            "latitude and longitude must be given together".into(),
        ));
    }
    if let Some(Some(r)) = c.rating
        && !(-1..=5).contains(&r)
    {
        return Err(DomainError::BadRequest(
            "rating must not be greater than 5 or less than -1".into(),
        ));
    }
    let mut patch = AssetPatch {
        is_favorite: c.is_favorite,
        visibility: c.visibility.clone(),
        description: c.description.clone(),
        latitude: c.latitude,
        longitude: c.longitude,
        rating: c.rating,
        ..AssetPatch::default()
    };
    if let Some(text) = &c.date_time_original {
        let (instant, local, zone) = parse_date_taken(text)?;
        patch.date_time_original = Some(instant);
        patch.local_date_time = Some(local);
        patch.time_zone = Some(zone);
    }
    Ok(patch)
}

impl Domain {
    /// Turns a staged upload into an asset, or reports the existing asset with
    /// the same content. The staged files are consumed either way.
    pub async fn create_asset(
        &self,
        auth: &AuthContext,
        meta: UploadMetadata,
        original: StagedUpload,
        sidecar: Option<StagedUpload>,
    ) -> DomainResult<UploadOutcome> {
        self.require_upload_access(auth)?;
        let outcome = self.store_upload(auth, meta, original, sidecar).await?;
        let (UploadOutcome::Created(id) | UploadOutcome::Duplicate(id)) = outcome;
        self.add_upload_to_shared_link(auth, id).await?;
        Ok(outcome)
    }

    async fn store_upload(
        &self,
        auth: &AuthContext,
        meta: UploadMetadata,
        original: StagedUpload,
        sidecar: Option<StagedUpload>,
    ) -> DomainResult<UploadOutcome> {
        let owner = auth.user_id();
        let file_name = sanitize_file_name(&meta.original_file_name)
            .ok_or_else(|| DomainError::BadRequest("The file has no usable name".into()))?;
        let kind = match shoebox_media::classify(&file_name, &original.head) {
            Some(MediaKind::Video) => AssetKind::Video,
            Some(_) => AssetKind::Image,
            None => {
                return Err(DomainError::BadRequest(format!(
                    "Unsupported file type {file_name}"
                )));
            }
        };
        if original.size == 0 {
            return Err(DomainError::BadRequest("The file is empty".into()));
        }
        if !VISIBILITIES.contains(&meta.visibility.as_str()) {
            return Err(DomainError::BadRequest(format!(
                "visibility must be one of: {}",
                VISIBILITIES.join(", ")
            )));
        }
        let checksum = original.sha1.to_vec();
        if let Some(existing) = self.find_checksum(owner, &checksum).await? {
            return Ok(UploadOutcome::Duplicate(existing));
        }
        self.check_quota(auth, original.size).await?;

        let ext = shoebox_media::extension_of(&file_name).unwrap_or_default();
        let original_path = Storage::original_rel_path(owner, original.asset_id, &ext);
        let sidecar_path = sidecar.as_ref().map(|_| format!("{original_path}.xmp"));
        let now = Utc::now();
        let record = AssetRecord {
            id: original.asset_id,
            owner_id: owner,
            device_asset_id: meta.device_asset_id,
            device_id: meta.device_id,
            kind,
            original_path: original_path.clone(),
            original_file_name: file_name,
            checksum,
            file_size: original.size as i64,
            file_created_at: meta.file_created_at,
            file_modified_at: meta.file_modified_at,
            // Until metadata extraction knows better, the file date stands in for the date taken.
            local_date_time: meta.file_created_at.naive_utc(),
            is_favorite: meta.is_favorite,
            visibility: meta.visibility,
            duration: meta.duration,
            sidecar_path,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            width: None,
            height: None,
            thumbhash: None,
            metadata_extracted_at: None,
            live_photo_video_id: None,
            duplicate_id: None,
            stack_id: None,
            exif: ExifRecord::default(),
            locked_properties: LockedProperties::NONE,
        };
        let outcome = self.insert_asset(&record, original, sidecar).await?;
        if let UploadOutcome::Created(id) = outcome {
            self.queue_metadata_extraction(&[id]).await?;
        }
        Ok(outcome)
    }

    /// Adds the row, then moves the staged files to the record's paths. When the owner
    /// already has these bytes, the staged files go and the existing asset is reported.
    pub(crate) async fn insert_asset(
        &self,
        record: &AssetRecord,
        mut original: StagedUpload,
        sidecar: Option<StagedUpload>,
    ) -> DomainResult<UploadOutcome> {
        match self.store.assets.create(record).await {
            Ok(()) => {}
            // Another upload of the same bytes won the race.
            Err(StoreError::Conflict(_)) => {
                if let Some(existing) = self
                    .find_checksum(record.owner_id, &record.checksum)
                    .await?
                {
                    return Ok(UploadOutcome::Duplicate(existing));
                }
                return Err(DomainError::Internal(
                    "asset conflicts with a missing asset".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        // The row exists: from here a crash is finished by `Storage::recover_uploads`.
        if let Err(e) = self
            .storage
            .commit_upload(&original.path, &record.original_path)
            .await
        {
            self.store.assets.delete(&[record.id]).await?;
            return Err(e.into());
        }
        original.committed();
        if let (Some(mut sidecar), Some(rel)) = (sidecar, &record.sidecar_path) {
            self.storage.commit_upload(&sidecar.path, rel).await?;
            sidecar.committed();
        }
        Ok(UploadOutcome::Created(record.id))
    }

    pub(crate) async fn find_checksum(
        &self,
        owner: Uuid,
        checksum: &[u8],
    ) -> DomainResult<Option<Uuid>> {
        let found = self
            .store
            .assets
            .find_by_checksums(owner, &[checksum.to_vec()])
            .await?;
        Ok(found.first().map(|m| m.asset_id))
    }

    async fn check_quota(&self, auth: &AuthContext, incoming: u64) -> DomainResult<()> {
        let Some(quota) = auth.user.quota_size_bytes else {
            return Ok(());
        };
        let usage = self
            .store
            .assets
            .usage_by_user()
            .await?
            .into_iter()
            .find(|u| u.user_id == auth.user_id())
            .map_or(0, |u| u.usage);
        if usage + incoming as i64 > quota {
            return Err(DomainError::BadRequest("Quota has been exceeded!".into()));
        }
        Ok(())
    }

    /// Which of these checksums the caller already has.
    pub async fn check_checksums(
        &self,
        auth: &AuthContext,
        checksums: &[Vec<u8>],
    ) -> DomainResult<Vec<ChecksumMatch>> {
        Ok(self
            .store
            .assets
            .find_by_checksums(auth.user_id(), checksums)
            .await?)
    }

    /// An asset the caller may see.
    pub async fn get_asset(
        &self,
        auth: &AuthContext,
        id: Uuid,
        permission: &str,
    ) -> DomainResult<AssetRecord> {
        if self
            .readable_asset_ids(auth, &[id], permission)
            .await?
            .is_empty()
        {
            return Err(no_access(permission));
        }
        self.store
            .assets
            .get(id)
            .await?
            .ok_or_else(|| no_access(permission))
    }

    /// The subset of `ids` the caller may use for `permission`: a link's visitor what the
    /// link shows and allows, anyone else what they own or is shared with them.
    pub async fn readable_asset_ids(
        &self,
        auth: &AuthContext,
        ids: &[Uuid],
        permission: &str,
    ) -> DomainResult<Vec<Uuid>> {
        Ok(match &auth.shared_link {
            Some(link) if crate::shared_links::link_allows(link, permission) => {
                self.store
                    .shared_links
                    .visible_asset_ids(link.id, ids)
                    .await?
            }
            Some(_) => Vec::new(),
            None => self.store.assets.readable_ids(auth.user_id(), ids).await?,
        })
    }

    /// Fails unless the caller owns every one of `ids`.
    pub async fn require_owned(
        &self,
        auth: &AuthContext,
        ids: &[Uuid],
        permission: &str,
    ) -> DomainResult<()> {
        let mut unique = ids.to_vec();
        unique.sort();
        unique.dedup();
        let owned = self.store.assets.owned_ids(auth.user_id(), &unique).await?;
        if owned.len() == unique.len() {
            Ok(())
        } else {
            Err(no_access(permission))
        }
    }

    pub async fn update_assets(
        &self,
        auth: &AuthContext,
        ids: &[Uuid],
        changes: &AssetChanges,
    ) -> DomainResult<()> {
        let patch = validate_changes(changes)?;
        self.require_owned(auth, ids, "asset.update").await?;
        if !patch.is_empty() {
            self.store.assets.update(ids, &patch, Utc::now()).await?;
            let owner_id = auth.user_id();
            let events = ids
                .iter()
                .map(|&asset_id| Event::AssetUpdate { owner_id, asset_id })
                .collect();
            self.emit_all(events).await;
        }
        // The edit is locked in the database; the sidecar carries it to other tools and keeps
        // it with the file.
        if !patch.locks().is_empty() {
            self.queue_sidecar_write(ids).await?;
        }
        Ok(())
    }

    /// Moves assets to the trash, or with `force` deletes them and their files.
    pub async fn delete_assets(
        &self,
        auth: &AuthContext,
        ids: &[Uuid],
        force: bool,
    ) -> DomainResult<()> {
        self.require_owned(auth, ids, "asset.delete").await?;
        if force {
            self.purge_assets(ids).await
        } else {
            self.store.assets.trash(ids, Utc::now()).await?;
            self.emit(Event::AssetTrash {
                owner_id: auth.user_id(),
                asset_ids: ids.to_vec(),
            })
            .await;
            Ok(())
        }
    }

    /// Deletes assets and every file they keep: originals, sidecars, generated renditions, and
    /// the hidden video of a live or motion photo, which has no way back to the timeline
    /// without its still.
    async fn purge_assets(&self, ids: &[Uuid]) -> DomainResult<()> {
        let mut assets = self.store.assets.get_many(ids).await?;
        let paired: Vec<Uuid> = assets
            .iter()
            .filter_map(|a| a.live_photo_video_id)
            .filter(|v| !ids.contains(v))
            .collect();
        assets.extend(self.store.assets.get_many(&paired).await?);
        let mut generated = Vec::new();
        for asset in &assets {
            let files = self.store.assets.files_of(asset.id).await?;
            generated.extend(files.into_iter().map(|f| f.path));
        }
        let all_ids: Vec<Uuid> = assets.iter().map(|a| a.id).collect();
        let mut owners: Vec<Uuid> = assets.iter().map(|a| a.owner_id).collect();
        owners.sort();
        owners.dedup();
        self.store.assets.delete(&all_ids).await?;
        let events = assets
            .iter()
            .map(|a| Event::AssetDelete {
                owner_id: a.owner_id,
                asset_id: a.id,
            })
            .collect();
        self.emit_all(events).await;
        let originals: Vec<String> = assets
            .into_iter()
            .flat_map(|a| std::iter::once(a.original_path).chain(a.sidecar_path))
            .collect();
        self.storage.remove_originals(&originals).await;
        self.storage.remove_generated(&generated).await;
        for owner in owners {
            self.store.stacks.repair(owner).await?;
        }
        Ok(())
    }

    pub async fn restore_assets(&self, auth: &AuthContext, ids: &[Uuid]) -> DomainResult<()> {
        self.require_owned(auth, ids, "asset.delete").await?;
        self.store.assets.restore(ids, Utc::now()).await?;
        self.emit_restored(auth, ids.to_vec()).await;
        Ok(())
    }

    async fn emit_restored(&self, auth: &AuthContext, asset_ids: Vec<Uuid>) {
        if !asset_ids.is_empty() {
            self.emit(Event::AssetRestore {
                owner_id: auth.user_id(),
                asset_ids,
            })
            .await;
        }
    }

    /// Restores the whole trash; returns how many assets came back.
    pub async fn restore_trash(&self, auth: &AuthContext) -> DomainResult<usize> {
        let ids = self.store.assets.trashed_ids(auth.user_id()).await?;
        self.store.assets.restore(&ids, Utc::now()).await?;
        let count = ids.len();
        self.emit_restored(auth, ids).await;
        Ok(count)
    }

    /// Deletes everything in the trash for good; returns how many assets went.
    pub async fn empty_trash(&self, auth: &AuthContext) -> DomainResult<usize> {
        let ids = self.store.assets.trashed_ids(auth.user_id()).await?;
        self.purge_assets(&ids).await?;
        Ok(ids.len())
    }

    pub async fn asset_statistics(
        &self,
        auth: &AuthContext,
        filter: &AssetStatsFilter,
    ) -> DomainResult<AssetStats> {
        Ok(self.store.assets.stats(auth.user_id(), filter).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_directories() {
        assert_eq!(
            sanitize_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            sanitize_file_name("C:\\photos\\a.jpg").as_deref(),
            Some("a.jpg")
        );
        assert_eq!(sanitize_file_name("..").as_deref(), None);
        assert_eq!(sanitize_file_name("a\u{0}b.jpg").as_deref(), Some("ab.jpg"));
    }

    #[test]
    fn date_taken_keeps_its_offset() {
        let (instant, local, zone) = parse_date_taken("2024-05-01T10:00:00+02:00").unwrap();
        assert_eq!(instant.to_rfc3339(), "2024-05-01T08:00:00+00:00");
        assert_eq!(local.to_string(), "2024-05-01 10:00:00");
        assert_eq!(zone.as_deref(), Some("UTC+02:00"));
        assert!(parse_date_taken("yesterday").is_err());
    }

    #[test]
    fn zone_names_give_back_their_offset() {
        for offset in [0, 3600, -5 * 3600 - 1800, 14 * 3600, 5 * 3600 + 45 * 60] {
            assert_eq!(zone_offset_seconds(&zone_name(offset)), Some(offset));
        }
        assert_eq!(zone_offset_seconds("UTC"), Some(0));
        for other in ["Europe/Paris", "UTC+5", "UTC+25:00", "UTC*01:00", ""] {
            assert_eq!(zone_offset_seconds(other), None, "{other}");
        }
    }
}
