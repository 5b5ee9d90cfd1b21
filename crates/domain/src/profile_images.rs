//! Users' profile images: kept under the originals root at `profile/<user>/<id>.<ext>`.

use std::path::PathBuf;

use shoebox_media::MediaKind;
use shoebox_store::records::{UserPatch, UserRecord};
use uuid::Uuid;

use crate::assets::sanitize_file_name;
use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

/// Larger images are refused; avatars are shown at a few hundred pixels.
pub const MAX_PROFILE_IMAGE_BYTES: usize = 20 * 1024 * 1024;

impl Domain {
    /// Replaces the caller's profile image with `bytes` (an image by name and content).
    pub async fn set_profile_image(
        &self,
        auth: &AuthContext,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> DomainResult<UserRecord> {
        if bytes.len() > MAX_PROFILE_IMAGE_BYTES {
            return Err(DomainError::PayloadTooLarge(
                "The profile image is too large".into(),
            ));
        }
        let name = sanitize_file_name(file_name).unwrap_or_default();
        if bytes.is_empty() || shoebox_media::classify(&name, &bytes) != Some(MediaKind::Image) {
            return Err(DomainError::BadRequest(format!(
                "Unsupported file type {name}"
            )));
        }
        let old = self
            .get_user(auth.user_id(), false)
            .await?
            .profile_image_path;
        let ext = shoebox_media::extension_of(&name).unwrap_or_default();
        let rel = format!("profile/{}/{}{ext}", auth.user_id(), Uuid::new_v4());
        self.storage.write_original(&rel, bytes).await?;
        let patch = UserPatch {
            profile_image_path: Some(rel),
            ..UserPatch::default()
        };
        let user = self
            .store
            .users
            .update(auth.user_id(), &patch, chrono::Utc::now())
            .await?;
        if !old.is_empty() {
            self.storage.remove_originals(&[old]).await;
        }
        Ok(user)
    }

    pub async fn delete_profile_image(&self, auth: &AuthContext) -> DomainResult<()> {
        let old = self
            .get_user(auth.user_id(), false)
            .await?
            .profile_image_path;
        if old.is_empty() {
            return Err(DomainError::BadRequest(
                "Can't delete a missing profile Image".into(),
            ));
        }
        let patch = UserPatch {
            profile_image_path: Some(String::new()),
            ..UserPatch::default()
        };
        self.store
            .users
            .update(auth.user_id(), &patch, chrono::Utc::now())
            .await?;
        self.storage.remove_originals(&[old]).await;
        Ok(())
    }

    /// Where a user's profile image is; any signed-in user may see anyone's.
    pub async fn profile_image(&self, user_id: Uuid) -> DomainResult<PathBuf> {
        let user = self.get_user(user_id, false).await?;
        if user.profile_image_path.is_empty() {
            return Err(DomainError::NotFound(
                "User does not have a profile image".into(),
            ));
        }
        Ok(self.storage.original_abs(&user.profile_image_path)?)
    }
}
