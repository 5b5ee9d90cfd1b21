//! Android and Samsung motion photos: a still image with a short video inside the same file.
//! As Immich does, the video becomes a hidden video asset of its own that the still points
//! at (`livePhotoVideoId`), so clients play it like the video half of a live photo.

use std::io::SeekFrom;
use std::path::Path;

use chrono::Utc;
use shoebox_media::MotionPhoto;
use shoebox_store::records::{AssetKind, AssetRecord, ExifRecord, LockedProperties};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use uuid::Uuid;

use crate::assets::UploadOutcome;
use crate::storage::{Storage, UploadPart};
use crate::{Domain, DomainError, DomainResult};

const COPY_CHUNK: usize = 256 * 1024;

/// An ISO base media file (MP4, MOV) has its `ftyp` box first.
fn looks_like_mp4(head: &[u8]) -> bool {
    head.get(4..8) == Some(b"ftyp")
}

/// `PXL_0001.MP.jpg` → `PXL_0001.MP.mp4`: the still's name with the video's extension.
fn video_file_name(still_name: &str) -> String {
    let stem = match still_name.rfind('.') {
        Some(dot) if dot > 0 => &still_name[..dot],
        _ => still_name,
    };
    format!("{stem}.mp4")
}

impl Domain {
    /// Takes the video out of a motion photo and pairs it with the still. Running again
    /// finds the same bytes already stored and only re-pairs them. Returns the video
    /// asset, or `None` when the embedded data is not a video.
    pub(crate) async fn extract_motion_video(
        &self,
        still: &AssetRecord,
        original: &Path,
        motion: MotionPhoto,
    ) -> DomainResult<Option<Uuid>> {
        let (Some(offset), Some(length)) = (motion.video_offset, motion.video_length) else {
            return Ok(None);
        };
        let size = tokio::fs::metadata(original).await?.len();
        if length == 0 || offset.checked_add(length).is_none_or(|end| end > size) {
            return Err(DomainError::BadRequest(format!(
                "the motion photo's video ({length} bytes at {offset}) lies outside the file \
                 ({size} bytes)"
            )));
        }
        let video_id = Uuid::new_v4();
        let mut writer = self
            .begin_upload(video_id, UploadPart::Original, Some(length))
            .await?;
        let mut file = tokio::fs::File::open(original).await?;
        file.seek(SeekFrom::Start(offset)).await?;
        let mut reader = file.take(length);
        let mut buf = vec![0; COPY_CHUNK];
        loop {
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            writer.write(&buf[..n]).await?;
        }
        let staged = writer.finish().await?;
        if !looks_like_mp4(&staged.head) {
            tracing::warn!(asset = %still.id, "motion photo data is not an MP4 video; left inside");
            return Ok(None);
        }
        let checksum = staged.sha1.to_vec();
        let video = match self.find_checksum(still.owner_id, &checksum).await? {
            Some(existing) => existing,
            None => {
                let record = AssetRecord {
                    id: video_id,
                    owner_id: still.owner_id,
                    device_asset_id: still.device_asset_id.clone(),
                    device_id: still.device_id.clone(),
                    kind: AssetKind::Video,
                    original_path: Storage::original_rel_path(still.owner_id, video_id, ".mp4"),
                    original_file_name: video_file_name(&still.original_file_name),
                    checksum,
                    file_size: staged.size as i64,
                    file_created_at: still.file_created_at,
                    file_modified_at: still.file_modified_at,
                    local_date_time: still.local_date_time,
                    is_favorite: false,
                    visibility: "hidden".into(),
                    duration: None,
                    sidecar_path: None,
                    created_at: Utc::now(),
                    updated_at: Utc::now(),
                    deleted_at: None,
                    width: None,
                    height: None,
                    thumbhash: None,
                    metadata_extracted_at: None,
                    live_photo_video_id: None,
                    duplicate_id: None,
                    stack_id: None,
                    locked_properties: LockedProperties::NONE,
                    exif: ExifRecord::default(),
                };
                match self.insert_asset(&record, staged, None).await? {
                    UploadOutcome::Created(id) => {
                        self.queue_metadata_extraction(&[id]).await?;
                        id
                    }
                    UploadOutcome::Duplicate(id) => id,
                }
            }
        };
        self.store
            .assets
            .attach_motion_video(still.id, video)
            .await?;
        Ok(Some(video))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn motion_video_keeps_the_still_name() {
        assert_eq!(video_file_name("PXL_0001.MP.jpg"), "PXL_0001.MP.mp4");
        assert_eq!(video_file_name("photo.heic"), "photo.mp4");
        assert_eq!(video_file_name("noext"), "noext.mp4");
    }

    #[test]
    fn only_iso_media_counts_as_video() {
        assert!(looks_like_mp4(b"\0\0\0\x18ftypmp42"));
        assert!(!looks_like_mp4(b"\xff\xd8\xff\xe0"));
        assert!(!looks_like_mp4(b"abc"));
    }
}
