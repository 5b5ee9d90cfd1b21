//! Albums: owned and shared collections of assets.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use shoebox_store::records::*;
use uuid::Uuid;

use crate::assets::no_access;
use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

/// An album with what a listing shows of it.
#[derive(Debug, Clone)]
pub struct AlbumView {
    pub album: AlbumRecord,
    pub owner: UserRecord,
    /// Members other than the owner, with their roles.
    pub members: Vec<(UserRecord, String)>,
    pub summary: AlbumAssetSummary,
    /// Whether some shared link shares the album.
    pub has_shared_link: bool,
}

#[derive(Debug, Clone, Default)]
pub struct NewAlbum {
    pub name: String,
    pub description: Option<String>,
    pub users: Vec<(Uuid, String)>,
    pub asset_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Default)]
pub struct AlbumChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub thumbnail_asset_id: Option<Uuid>,
    pub is_activity_enabled: Option<bool>,
    pub order: Option<String>,
}

/// Why one id of a bulk album request was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkFailure {
    Duplicate,
    NoPermission,
    NotFound,
}

pub type BulkResult = Vec<(Uuid, Result<(), BulkFailure>)>;

pub(crate) fn id_set(ids: Vec<Uuid>) -> HashSet<Uuid> {
    ids.into_iter().collect()
}

/// Per-id outcomes of adding `ids` to a collection that already holds `present`, when the
/// caller may add only `allowed`: each id once, duplicates and refusals reported. Returns the
/// outcomes and the ids to add.
pub(crate) fn plan_additions(
    ids: &[Uuid],
    present: &HashSet<Uuid>,
    allowed: &HashSet<Uuid>,
) -> (BulkResult, Vec<Uuid>) {
    let mut seen = HashSet::new();
    let mut to_add = Vec::new();
    let results = ids
        .iter()
        .map(|asset| {
            let outcome = if present.contains(asset) || !seen.insert(*asset) {
                Err(BulkFailure::Duplicate)
            } else if !allowed.contains(asset) {
                Err(BulkFailure::NoPermission)
            } else {
                to_add.push(*asset);
                Ok(())
            };
            (*asset, outcome)
        })
        .collect();
    (results, to_add)
}

/// Per-id outcomes of removing `ids` from a collection holding `present`, where `may_remove`
/// says which of those the caller may take out. Returns the outcomes and the ids to remove.
pub(crate) fn plan_removals(
    ids: &[Uuid],
    present: &HashSet<Uuid>,
    may_remove: impl Fn(&Uuid) -> bool,
) -> (BulkResult, Vec<Uuid>) {
    let mut to_remove = Vec::new();
    let results = ids
        .iter()
        .map(|asset| {
            let outcome = if !present.contains(asset) {
                Err(BulkFailure::NotFound)
            } else if !may_remove(asset) {
                Err(BulkFailure::NoPermission)
            } else {
                to_remove.push(*asset);
                Ok(())
            };
            (*asset, outcome)
        })
        .collect();
    (results, to_remove)
}

const ROLES: &[&str] = &["editor", "viewer"];

fn validate_role(role: &str) -> DomainResult<()> {
    if ROLES.contains(&role) {
        Ok(())
    } else {
        Err(DomainError::BadRequest(
            "role must be one of: editor, viewer".into(),
        ))
    }
}

impl Domain {
    pub async fn create_album(&self, auth: &AuthContext, new: NewAlbum) -> DomainResult<AlbumView> {
        if new.name.trim().is_empty() {
            return Err(DomainError::BadRequest(
                "albumName should not be empty".into(),
            ));
        }
        for (user_id, role) in &new.users {
            validate_role(role)?;
            if *user_id == auth.user_id() {
                return Err(DomainError::BadRequest(
                    "Cannot share album with owner".into(),
                ));
            }
            self.store
                .users
                .get(*user_id, false)
                .await?
                .ok_or_else(|| DomainError::BadRequest(format!("User not found: {user_id}")))?;
        }
        let mut asset_ids = new.asset_ids.clone();
        asset_ids.sort();
        asset_ids.dedup();
        let readable = self
            .store
            .assets
            .readable_ids(auth.user_id(), &asset_ids)
            .await?;
        if readable.len() != asset_ids.len() {
            return Err(no_access("asset.share"));
        }
        let now = Utc::now();
        let album = AlbumRecord {
            id: Uuid::new_v4(),
            owner_id: auth.user_id(),
            album_name: new.name.trim().to_string(),
            description: new.description.unwrap_or_default(),
            thumbnail_asset_id: new.asset_ids.first().copied(),
            is_activity_enabled: true,
            order: "desc".into(),
            created_at: now,
            updated_at: now,
        };
        let users: Vec<AlbumUserRecord> = new
            .users
            .iter()
            .map(|(user_id, role)| AlbumUserRecord {
                user_id: *user_id,
                role: role.clone(),
            })
            .collect();
        self.store
            .albums
            .create(&album, &users, &new.asset_ids)
            .await?;
        self.album_view(album).await
    }

    /// Albums the caller owns or is a member of.
    pub async fn list_albums(
        &self,
        auth: &AuthContext,
        shared: Option<bool>,
        asset_id: Option<Uuid>,
    ) -> DomainResult<Vec<AlbumView>> {
        let albums = self
            .store
            .albums
            .list_for_user(auth.user_id(), shared, asset_id)
            .await?;
        self.album_views(albums).await
    }

    /// The caller's role in an album: `owner`, `editor` or `viewer`.
    async fn album_role(
        &self,
        auth: &AuthContext,
        id: Uuid,
    ) -> DomainResult<Option<(AlbumRecord, String)>> {
        let Some(album) = self.store.albums.get(id).await? else {
            return Ok(None);
        };
        // A link's visitor sees its album only; one that allows uploads may add to it.
        if let Some(link) = &auth.shared_link {
            let role = if link.allow_upload {
                "editor"
            } else {
                "viewer"
            };
            return Ok((link.album_id == Some(id)).then(|| (album, role.into())));
        }
        if album.owner_id == auth.user_id() {
            return Ok(Some((album, "owner".into())));
        }
        let members = self.store.albums.users_of(&[id]).await?;
        let role = members
            .get(&id)
            .and_then(|m| m.iter().find(|u| u.user_id == auth.user_id()))
            .map(|u| u.role.clone());
        Ok(role.map(|r| (album, r)))
    }

    /// The album, if the caller has one of `roles` in it.
    pub(crate) async fn album_with_role(
        &self,
        auth: &AuthContext,
        id: Uuid,
        roles: &[&str],
        permission: &str,
    ) -> DomainResult<(AlbumRecord, String)> {
        match self.album_role(auth, id).await? {
            Some((album, role)) if roles.contains(&role.as_str()) => Ok((album, role)),
            _ => Err(DomainError::BadRequest(format!(
                "Not found or no {permission} access"
            ))),
        }
    }

    pub async fn get_album(&self, auth: &AuthContext, id: Uuid) -> DomainResult<AlbumView> {
        let (album, _) = self
            .album_with_role(auth, id, &["owner", "editor", "viewer"], "album.read")
            .await?;
        self.album_view(album).await
    }

    pub async fn album_asset_ids(&self, auth: &AuthContext, id: Uuid) -> DomainResult<Vec<Uuid>> {
        self.album_with_role(auth, id, &["owner", "editor", "viewer"], "album.read")
            .await?;
        Ok(self.store.albums.asset_ids(id).await?)
    }

    pub async fn update_album(
        &self,
        auth: &AuthContext,
        id: Uuid,
        c: AlbumChanges,
    ) -> DomainResult<AlbumView> {
        self.album_with_role(auth, id, &["owner"], "album.update")
            .await?;
        if c.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(DomainError::BadRequest(
                "albumName should not be empty".into(),
            ));
        }
        if let Some(order) = &c.order
            && order != "asc"
            && order != "desc"
        {
            return Err(DomainError::BadRequest(
                "order must be one of: asc, desc".into(),
            ));
        }
        if let Some(thumb) = c.thumbnail_asset_id
            && self
                .store
                .albums
                .contained_asset_ids(id, &[thumb])
                .await?
                .is_empty()
        {
            return Err(DomainError::BadRequest("Invalid album thumbnail".into()));
        }
        let patch = AlbumPatch {
            album_name: c.name.map(|n| n.trim().to_string()),
            description: c.description,
            thumbnail_asset_id: c.thumbnail_asset_id.map(Some),
            is_activity_enabled: c.is_activity_enabled,
            order: c.order,
        };
        self.store.albums.update(id, &patch, Utc::now()).await?;
        self.get_album(auth, id).await
    }

    pub async fn delete_album(&self, auth: &AuthContext, id: Uuid) -> DomainResult<()> {
        self.album_with_role(auth, id, &["owner"], "album.delete")
            .await?;
        Ok(self.store.albums.delete(id).await?)
    }

    pub async fn add_assets_to_album(
        &self,
        auth: &AuthContext,
        id: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<BulkResult> {
        self.album_with_role(auth, id, &["owner", "editor"], "albumAsset.create")
            .await?;
        let present = id_set(self.store.albums.contained_asset_ids(id, ids).await?);
        let readable = id_set(self.readable_asset_ids(auth, ids, "asset.share").await?);
        let (results, to_add) = plan_additions(ids, &present, &readable);
        if !to_add.is_empty() {
            self.store
                .albums
                .add_assets(id, &to_add, Utc::now())
                .await?;
        }
        Ok(results)
    }

    /// Adds the assets to each album; fails per album, not per asset.
    pub async fn add_assets_to_albums(
        &self,
        auth: &AuthContext,
        album_ids: &[Uuid],
        asset_ids: &[Uuid],
    ) -> DomainResult<Result<(), BulkFailure>> {
        let mut any_added = false;
        let mut failure = None;
        for album in album_ids {
            match self.add_assets_to_album(auth, *album, asset_ids).await {
                Ok(results) => any_added |= results.iter().any(|(_, r)| r.is_ok()),
                Err(DomainError::BadRequest(_)) => failure = Some(BulkFailure::NoPermission),
                Err(e) => return Err(e),
            }
        }
        Ok(match failure {
            Some(f) if !any_added => Err(f),
            _ if !any_added => Err(BulkFailure::Duplicate),
            _ => Ok(()),
        })
    }

    pub async fn remove_assets_from_album(
        &self,
        auth: &AuthContext,
        id: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<BulkResult> {
        let (album, role) = self
            .album_with_role(auth, id, &["owner", "editor"], "albumAsset.delete")
            .await?;
        let present = id_set(self.store.albums.contained_asset_ids(id, ids).await?);
        let owned = id_set(self.store.assets.owned_ids(auth.user_id(), ids).await?);
        let (results, to_remove) = plan_removals(ids, &present, |asset| {
            role == "owner" || owned.contains(asset)
        });
        if !to_remove.is_empty() {
            self.store
                .albums
                .remove_assets(album.id, &to_remove, Utc::now())
                .await?;
        }
        Ok(results)
    }

    pub async fn add_album_users(
        &self,
        auth: &AuthContext,
        id: Uuid,
        users: &[(Uuid, String)],
    ) -> DomainResult<AlbumView> {
        let (album, _) = self
            .album_with_role(auth, id, &["owner"], "albumUser.create")
            .await?;
        let members = self
            .store
            .albums
            .users_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        for (user_id, role) in users {
            validate_role(role)?;
            if *user_id == album.owner_id {
                return Err(DomainError::BadRequest(
                    "Cannot be shared with owner".into(),
                ));
            }
            if members.iter().any(|m| m.user_id == *user_id) {
                return Err(DomainError::BadRequest("User already added".into()));
            }
            self.store
                .users
                .get(*user_id, false)
                .await?
                .ok_or_else(|| DomainError::BadRequest("User not found".into()))?;
        }
        for (user_id, role) in users {
            let member = AlbumUserRecord {
                user_id: *user_id,
                role: role.clone(),
            };
            self.store.albums.upsert_user(id, &member).await?;
        }
        self.album_view(album).await
    }

    pub async fn update_album_user(
        &self,
        auth: &AuthContext,
        id: Uuid,
        user_id: Uuid,
        role: &str,
    ) -> DomainResult<()> {
        validate_role(role)?;
        self.album_with_role(auth, id, &["owner"], "albumUser.update")
            .await?;
        let members = self
            .store
            .albums
            .users_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        if !members.iter().any(|m| m.user_id == user_id) {
            return Err(DomainError::BadRequest("Album not shared with user".into()));
        }
        let member = AlbumUserRecord {
            user_id,
            role: role.to_string(),
        };
        Ok(self.store.albums.upsert_user(id, &member).await?)
    }

    /// The owner removes anyone; a member may remove only themselves.
    pub async fn remove_album_user(
        &self,
        auth: &AuthContext,
        id: Uuid,
        user_id: Uuid,
    ) -> DomainResult<()> {
        let (album, role) = self
            .album_with_role(auth, id, &["owner", "editor", "viewer"], "albumUser.delete")
            .await?;
        if user_id == album.owner_id {
            return Err(DomainError::BadRequest("Cannot remove album owner".into()));
        }
        if role != "owner" && user_id != auth.user_id() {
            return Err(DomainError::Forbidden(
                "Missing permission to remove this user".into(),
            ));
        }
        if !self.store.albums.remove_user(id, user_id).await? {
            return Err(DomainError::BadRequest("Album not shared with user".into()));
        }
        Ok(())
    }

    /// (owned, shared, not shared) album counts for the caller.
    pub async fn album_statistics(
        &self,
        auth: &AuthContext,
    ) -> DomainResult<(usize, usize, usize)> {
        let all = self
            .store
            .albums
            .list_for_user(auth.user_id(), None, None)
            .await?;
        let owned = all.iter().filter(|a| a.owner_id == auth.user_id()).count();
        let shared = self
            .store
            .albums
            .list_for_user(auth.user_id(), Some(true), None)
            .await?
            .len();
        let not_shared = self
            .store
            .albums
            .list_for_user(auth.user_id(), Some(false), None)
            .await?
            .len();
        Ok((owned, shared, not_shared))
    }

    pub(crate) async fn album_view(&self, album: AlbumRecord) -> DomainResult<AlbumView> {
        let mut views = self.album_views(vec![album]).await?;
        Ok(views.remove(0))
    }

    async fn album_views(&self, albums: Vec<AlbumRecord>) -> DomainResult<Vec<AlbumView>> {
        let ids: Vec<Uuid> = albums.iter().map(|a| a.id).collect();
        let mut members = self.store.albums.users_of(&ids).await?;
        let mut summaries = self.store.albums.summaries(&ids).await?;
        let linked = id_set(self.store.shared_links.shared_album_ids(&ids).await?);
        let mut users: HashMap<Uuid, UserRecord> = HashMap::new();
        let mut views = Vec::with_capacity(albums.len());
        for album in albums {
            let album_members = members.remove(&album.id).unwrap_or_default();
            for user_id in
                std::iter::once(album.owner_id).chain(album_members.iter().map(|m| m.user_id))
            {
                if let Entry::Vacant(slot) = users.entry(user_id) {
                    slot.insert(self.get_user(user_id, true).await?);
                }
            }
            views.push(AlbumView {
                owner: users[&album.owner_id].clone(),
                members: album_members
                    .into_iter()
                    .map(|m| (users[&m.user_id].clone(), m.role))
                    .collect(),
                summary: summaries.remove(&album.id).unwrap_or_default(),
                has_shared_link: linked.contains(&album.id),
                album,
            });
        }
        Ok(views)
    }
}
