//! Shared links: a secret key (or a slug) that lets people without an account see one album
//! or a chosen set of assets, optionally behind a password and until an expiry time.
//!
//! A visitor authenticates as the link's owner with the link attached to the `AuthContext`;
//! the ordinary access checks (`readable_asset_ids`, album roles) then narrow what they see
//! to what the link shows.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use shoebox_store::StoreError;
use shoebox_store::records::{AssetRecord, SharedLinkPatch, SharedLinkRecord};
use uuid::Uuid;

use crate::albums::{AlbumView, BulkResult, id_set, plan_additions, plan_removals};
use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

pub const ALBUM: &str = "ALBUM";
pub const INDIVIDUAL: &str = "INDIVIDUAL";

/// Random bytes in a new key, as in Immich (shown as 67 base64url characters).
const KEY_BYTES: usize = 50;

/// Clients send the key as base64url; older links were shared as 100 hex digits.
pub fn normalize_link_key(key: &str) -> String {
    if key.len() == KEY_BYTES * 2
        && let Ok(bytes) = hex::decode(key)
    {
        return URL_SAFE_NO_PAD.encode(bytes);
    }
    key.to_string()
}

fn new_link_key() -> String {
    let mut bytes = [0u8; KEY_BYTES];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What a visitor who entered the password carries in the `immich_shared_link_token` cookie.
/// It changes when the password changes, which logs every visitor out.
pub fn link_login_token(link: &SharedLinkRecord) -> Option<String> {
    let password = link.password.as_deref()?;
    Some(STANDARD.encode(Sha256::digest(format!("{}-{password}", link.id))))
}

/// What a link lets its visitors do, by the permission an operation needs.
pub fn link_allows(link: &SharedLinkRecord, permission: &str) -> bool {
    match permission {
        "asset.read" | "asset.view" | "album.read" | "timeline.read" => true,
        "asset.download" | "album.download" => link.allow_download,
        // Adding to the link's album what it already shows (e.g. a visitor's upload).
        "asset.upload" | "albumAsset.create" | "asset.share" => link.allow_upload,
        _ => false,
    }
}

/// A request for a new link, before validation.
#[derive(Debug, Clone, Default)]
pub struct NewSharedLink {
    pub link_type: String,
    pub album_id: Option<Uuid>,
    pub asset_ids: Vec<Uuid>,
    pub description: Option<String>,
    pub password: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub allow_upload: Option<bool>,
    pub allow_download: Option<bool>,
    pub show_metadata: Option<bool>,
    pub slug: Option<String>,
}

/// A link with its album (for album links) and its own assets (for individual links).
#[derive(Debug, Clone)]
pub struct SharedLinkView {
    pub link: SharedLinkRecord,
    pub album: Option<AlbumView>,
    pub assets: Vec<AssetRecord>,
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty())
}

/// A taken slug reads as Immich words it.
fn save_error(e: StoreError) -> DomainError {
    match e {
        StoreError::Conflict(_) => DomainError::BadRequest("Failed to save shared link".into()),
        other => other.into(),
    }
}

fn not_found() -> DomainError {
    DomainError::BadRequest("Shared link not found".into())
}

impl Domain {
    pub async fn create_shared_link(
        &self,
        auth: &AuthContext,
        new: NewSharedLink,
    ) -> DomainResult<SharedLinkView> {
        let mut asset_ids = new.asset_ids.clone();
        asset_ids.sort();
        asset_ids.dedup();
        let album_id = match new.link_type.as_str() {
            ALBUM => {
                let album = new
                    .album_id
                    .ok_or_else(|| DomainError::BadRequest("Invalid albumId".into()))?;
                self.album_with_role(auth, album, &["owner", "editor"], "album.share")
                    .await?;
                asset_ids.clear();
                Some(album)
            }
            INDIVIDUAL => {
                if asset_ids.is_empty() {
                    return Err(DomainError::BadRequest("Invalid assetIds".into()));
                }
                self.require_owned(auth, &asset_ids, "asset.share").await?;
                None
            }
            _ => {
                return Err(DomainError::BadRequest(
                    "type must be one of: ALBUM, INDIVIDUAL".into(),
                ));
            }
        };
        let show_metadata = new.show_metadata.unwrap_or(true);
        let link = SharedLinkRecord {
            id: Uuid::new_v4(),
            user_id: auth.user_id(),
            key: new_link_key(),
            link_type: new.link_type,
            album_id,
            description: non_empty(new.description),
            password: non_empty(new.password),
            expires_at: new.expires_at,
            allow_upload: new.allow_upload.unwrap_or(true),
            // Hiding metadata hides the originals too: they carry it.
            allow_download: show_metadata && new.allow_download.unwrap_or(true),
            show_metadata,
            slug: non_empty(new.slug),
            created_at: Utc::now(),
        };
        self.store
            .shared_links
            .create(&link, &asset_ids)
            .await
            .map_err(save_error)?;
        self.shared_link_view(link).await
    }

    /// The caller's links, newest first.
    pub async fn list_shared_links(
        &self,
        auth: &AuthContext,
        id: Option<Uuid>,
        album_id: Option<Uuid>,
    ) -> DomainResult<Vec<SharedLinkView>> {
        let links = self
            .store
            .shared_links
            .list_for_user(auth.user_id(), id, album_id)
            .await?;
        let mut views = Vec::with_capacity(links.len());
        for link in links {
            views.push(self.shared_link_view(link).await?);
        }
        Ok(views)
    }

    /// One of the caller's own links; another user's reads as a missing one.
    async fn owned_shared_link(
        &self,
        auth: &AuthContext,
        id: Uuid,
    ) -> DomainResult<SharedLinkRecord> {
        self.store
            .shared_links
            .get(id)
            .await?
            .filter(|l| l.user_id == auth.user_id() && auth.shared_link.is_none())
            .ok_or_else(not_found)
    }

    pub async fn get_shared_link(
        &self,
        auth: &AuthContext,
        id: Uuid,
    ) -> DomainResult<SharedLinkView> {
        let link = self.owned_shared_link(auth, id).await?;
        self.shared_link_view(link).await
    }

    pub async fn update_shared_link(
        &self,
        auth: &AuthContext,
        id: Uuid,
        mut patch: SharedLinkPatch,
    ) -> DomainResult<SharedLinkView> {
        self.owned_shared_link(auth, id).await?;
        patch.password = patch.password.map(non_empty);
        patch.slug = patch.slug.map(non_empty);
        self.store
            .shared_links
            .update(id, &patch)
            .await
            .map_err(save_error)?;
        self.get_shared_link(auth, id).await
    }

    pub async fn delete_shared_link(&self, auth: &AuthContext, id: Uuid) -> DomainResult<()> {
        self.owned_shared_link(auth, id).await?;
        Ok(self.store.shared_links.delete(id).await?)
    }

    async fn individual_link(
        &self,
        auth: &AuthContext,
        id: Uuid,
    ) -> DomainResult<SharedLinkRecord> {
        let link = self.owned_shared_link(auth, id).await?;
        if link.link_type != INDIVIDUAL {
            return Err(DomainError::BadRequest("Invalid shared link type".into()));
        }
        Ok(link)
    }

    /// Adds assets the caller owns to an individual link; per id: done, already there, or
    /// not theirs.
    pub async fn add_shared_link_assets(
        &self,
        auth: &AuthContext,
        id: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<BulkResult> {
        let link = self.individual_link(auth, id).await?;
        let present = id_set(self.store.shared_links.asset_ids(link.id).await?);
        let owned = id_set(self.store.assets.owned_ids(auth.user_id(), ids).await?);
        let (results, added) = plan_additions(ids, &present, &owned);
        self.store
            .shared_links
            .add_assets(link.id, &added, Utc::now())
            .await?;
        Ok(results)
    }

    pub async fn remove_shared_link_assets(
        &self,
        auth: &AuthContext,
        id: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<BulkResult> {
        let link = self.individual_link(auth, id).await?;
        let present = id_set(self.store.shared_links.asset_ids(link.id).await?);
        let (results, removed) = plan_removals(ids, &present, |_| true);
        self.store
            .shared_links
            .remove_assets(link.id, &removed)
            .await?;
        Ok(results)
    }

    /// The link a visitor came through. 403 for callers who are not visitors.
    pub fn visited_shared_link<'a>(
        &self,
        auth: &'a AuthContext,
    ) -> DomainResult<&'a SharedLinkRecord> {
        auth.shared_link
            .as_ref()
            .ok_or_else(|| DomainError::Forbidden("Forbidden".into()))
    }

    /// A visitor of a password-protected link must have entered the password: `tokens` are
    /// the ones their cookie carries. Everyone else passes.
    pub fn require_shared_link_login(
        &self,
        auth: &AuthContext,
        tokens: &[&str],
    ) -> DomainResult<()> {
        match auth.shared_link.as_ref().and_then(link_login_token) {
            Some(token) if !tokens.contains(&token.as_str()) => {
                Err(DomainError::Unauthorized("Password required".into()))
            }
            _ => Ok(()),
        }
    }

    /// Checks a visitor's password; returns the link and the token that proves it.
    pub async fn shared_link_login(
        &self,
        auth: &AuthContext,
        password: &str,
    ) -> DomainResult<(SharedLinkView, String)> {
        let link = self.visited_shared_link(auth)?.clone();
        let Some(expected) = link.password.as_deref() else {
            return Err(DomainError::BadRequest(
                "Shared link is not password protected".into(),
            ));
        };
        // Compared as hashes so the time taken does not reveal the password's prefix.
        if Sha256::digest(expected) != Sha256::digest(password) {
            return Err(DomainError::Unauthorized("Invalid password".into()));
        }
        let token = link_login_token(&link).expect("the link has a password");
        Ok((self.shared_link_view(link).await?, token))
    }

    /// What an upload through a link joins: the link's album, or the link itself.
    pub(crate) async fn add_upload_to_shared_link(
        &self,
        auth: &AuthContext,
        asset_id: Uuid,
    ) -> DomainResult<()> {
        let Some(link) = &auth.shared_link else {
            return Ok(());
        };
        let now = Utc::now();
        match link.album_id {
            Some(album) => {
                self.store
                    .albums
                    .add_assets(album, &[asset_id], now)
                    .await?
            }
            None => {
                self.store
                    .shared_links
                    .add_assets(link.id, &[asset_id], now)
                    .await?
            }
        }
        Ok(())
    }

    /// Uploading through a link needs a link that allows it (401 otherwise, as in Immich).
    pub fn require_upload_access(&self, auth: &AuthContext) -> DomainResult<()> {
        match &auth.shared_link {
            Some(link) if !link.allow_upload => {
                Err(DomainError::Unauthorized("Unauthorized".into()))
            }
            _ => Ok(()),
        }
    }

    pub async fn shared_link_view(&self, link: SharedLinkRecord) -> DomainResult<SharedLinkView> {
        let album = match link.album_id {
            Some(id) => match self.store.albums.get(id).await? {
                Some(album) => Some(self.album_view(album).await?),
                None => None,
            },
            None => None,
        };
        let ids = self.store.shared_links.asset_ids(link.id).await?;
        let mut assets = self.store.assets.get_many(&ids).await?;
        let order: std::collections::HashMap<Uuid, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        assets.sort_by_key(|a| order.get(&a.id).copied().unwrap_or(usize::MAX));
        Ok(SharedLinkView {
            link,
            album,
            assets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys_read_as_the_same_base64url_key() {
        let bytes = [7u8; KEY_BYTES];
        assert_eq!(
            normalize_link_key(&hex::encode(bytes)),
            URL_SAFE_NO_PAD.encode(bytes)
        );
        let key = new_link_key();
        assert_eq!(key.len(), 67);
        assert_eq!(normalize_link_key(&key), key);
    }
}
