//! Tags: each user's hierarchical labels ("Places/France/Paris") and the assets
//! they mark. A tag stands for itself and every tag below it when filtering.

use std::collections::HashSet;

use chrono::Utc;
use shoebox_store::records::TagRecord;
use uuid::Uuid;

use crate::albums::{BulkFailure, BulkResult};
use crate::assets::no_access;
use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

#[derive(Debug, Clone, Default)]
pub struct NewTag {
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub color: Option<String>,
}

/// A colour as the API takes it: 3, 4, 6 or 8 hex digits, with or without the
/// leading `#`, which is stored.
pub fn normalize_color(color: &str) -> DomainResult<String> {
    let digits = color.strip_prefix('#').unwrap_or(color);
    if matches!(digits.len(), 3 | 4 | 6 | 8) && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(format!("#{digits}"))
    } else {
        Err(DomainError::BadRequest(
            "color must be a hex color such as #ff0000".into(),
        ))
    }
}

/// The levels of a path, empty ones dropped: "a//b/" is "a" then "b".
fn levels(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|level| !level.is_empty())
}

impl Domain {
    /// The caller's tag; any other id reads as missing.
    async fn owned_tag(
        &self,
        auth: &AuthContext,
        id: Uuid,
        permission: &str,
    ) -> DomainResult<TagRecord> {
        match self.store.tags.get(id).await? {
            Some(tag) if tag.user_id == auth.user_id() => Ok(tag),
            _ => Err(no_access(permission)),
        }
    }

    /// Fails unless the caller owns the tag.
    pub async fn require_tag(
        &self,
        auth: &AuthContext,
        id: Uuid,
        permission: &str,
    ) -> DomainResult<()> {
        self.owned_tag(auth, id, permission).await.map(|_| ())
    }

    pub async fn list_tags(&self, auth: &AuthContext) -> DomainResult<Vec<TagRecord>> {
        Ok(self.store.tags.list_for_user(auth.user_id()).await?)
    }

    pub async fn get_tag(&self, auth: &AuthContext, id: Uuid) -> DomainResult<TagRecord> {
        self.owned_tag(auth, id, "tag.read").await
    }

    /// A tag named `name` under the parent, if one is given.
    pub async fn create_tag(&self, auth: &AuthContext, new: NewTag) -> DomainResult<TagRecord> {
        if new.name.is_empty() {
            return Err(DomainError::BadRequest("name should not be empty".into()));
        }
        let color = new.color.as_deref().map(normalize_color).transpose()?;
        let parent = match new.parent_id {
            Some(id) => Some(self.owned_tag(auth, id, "tag.read").await?),
            None => None,
        };
        let value = match &parent {
            Some(parent) => format!("{}/{}", parent.value, new.name),
            None => new.name,
        };
        let duplicate = || DomainError::BadRequest("A tag with that name already exists".into());
        if self
            .store
            .tags
            .get_by_value(auth.user_id(), &value)
            .await?
            .is_some()
        {
            return Err(duplicate());
        }
        let now = Utc::now();
        let tag = TagRecord {
            id: Uuid::new_v4(),
            user_id: auth.user_id(),
            value,
            parent_id: parent.map(|p| p.id),
            color,
            created_at: now,
            updated_at: now,
        };
        match self.store.tags.create(&tag).await {
            Ok(()) => Ok(tag),
            // Created by another request since the check above.
            Err(shoebox_store::StoreError::Conflict(_)) => Err(duplicate()),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates every level of each path the caller lacks; returns the last level
    /// of each path, once each.
    pub async fn upsert_tags(
        &self,
        auth: &AuthContext,
        paths: &[String],
    ) -> DomainResult<Vec<TagRecord>> {
        self.upsert_tag_paths(auth.user_id(), paths).await
    }

    pub(crate) async fn upsert_tag_paths(
        &self,
        user_id: Uuid,
        paths: &[String],
    ) -> DomainResult<Vec<TagRecord>> {
        let now = Utc::now();
        let mut seen = HashSet::new();
        let mut leaves = Vec::new();
        for path in paths {
            let mut parent: Option<TagRecord> = None;
            for level in levels(path) {
                let value = match &parent {
                    Some(p) => format!("{}/{level}", p.value),
                    None => level.to_string(),
                };
                let tag = self
                    .store
                    .tags
                    .upsert_value(user_id, &value, parent.map(|p| p.id), now)
                    .await?;
                parent = Some(tag);
            }
            if let Some(leaf) = parent.filter(|leaf| seen.insert(leaf.id)) {
                leaves.push(leaf);
            }
        }
        Ok(leaves)
    }

    /// Only the colour changes: `Some(None)` clears it, `None` leaves it.
    pub async fn update_tag(
        &self,
        auth: &AuthContext,
        id: Uuid,
        color: Option<Option<String>>,
    ) -> DomainResult<TagRecord> {
        let tag = self.owned_tag(auth, id, "tag.update").await?;
        let Some(color) = color else {
            return Ok(tag);
        };
        let color = color.as_deref().map(normalize_color).transpose()?;
        self.store
            .tags
            .set_color(id, color.as_deref(), Utc::now())
            .await?
            .ok_or_else(|| no_access("tag.update"))
    }

    /// Deletes the tag and every tag below it; their assets stay, untagged.
    pub async fn delete_tag(&self, auth: &AuthContext, id: Uuid) -> DomainResult<()> {
        self.owned_tag(auth, id, "tag.delete").await?;
        Ok(self.store.tags.delete(id).await?)
    }

    /// Puts each of the caller's tags on each of the caller's assets; other ids
    /// are skipped. Returns how many links are new.
    pub async fn bulk_tag_assets(
        &self,
        auth: &AuthContext,
        tag_ids: &[Uuid],
        asset_ids: &[Uuid],
    ) -> DomainResult<u64> {
        let tags = self.store.tags.owned_ids(auth.user_id(), tag_ids).await?;
        let assets = self
            .store
            .assets
            .owned_ids(auth.user_id(), asset_ids)
            .await?;
        let links: Vec<(Uuid, Uuid)> = tags
            .iter()
            .flat_map(|tag| assets.iter().map(move |asset| (*tag, *asset)))
            .collect();
        Ok(self.store.tags.add_assets(&links).await?)
    }

    pub async fn tag_assets(
        &self,
        auth: &AuthContext,
        id: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<BulkResult> {
        self.owned_tag(auth, id, "tag.asset").await?;
        let mut present: HashSet<Uuid> = self
            .store
            .tags
            .tagged_asset_ids(id, ids)
            .await?
            .into_iter()
            .collect();
        let owned: HashSet<Uuid> = self
            .store
            .assets
            .owned_ids(auth.user_id(), ids)
            .await?
            .into_iter()
            .collect();
        let mut to_add = Vec::new();
        let results = ids
            .iter()
            .map(|asset| {
                let outcome = if present.contains(asset) {
                    Err(BulkFailure::Duplicate)
                } else if !owned.contains(asset) {
                    Err(BulkFailure::NoPermission)
                } else {
                    present.insert(*asset);
                    to_add.push((id, *asset));
                    Ok(())
                };
                (*asset, outcome)
            })
            .collect();
        if !to_add.is_empty() {
            self.store.tags.add_assets(&to_add).await?;
        }
        Ok(results)
    }

    /// The tag's owner may take it off any asset that carries it.
    pub async fn untag_assets(
        &self,
        auth: &AuthContext,
        id: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<BulkResult> {
        self.owned_tag(auth, id, "tag.asset").await?;
        let mut present: HashSet<Uuid> = self
            .store
            .tags
            .tagged_asset_ids(id, ids)
            .await?
            .into_iter()
            .collect();
        let mut to_remove = Vec::new();
        let results = ids
            .iter()
            .map(|asset| {
                let outcome = if present.remove(asset) {
                    to_remove.push(*asset);
                    Ok(())
                } else {
                    Err(BulkFailure::NotFound)
                };
                (*asset, outcome)
            })
            .collect();
        if !to_remove.is_empty() {
            self.store.tags.remove_assets(id, &to_remove).await?;
        }
        Ok(results)
    }

    /// The tags on an asset the caller has already been allowed to read.
    pub async fn tags_of_asset(&self, asset_id: Uuid) -> DomainResult<Vec<TagRecord>> {
        Ok(self.store.tags.tags_of_asset(asset_id).await?)
    }

    /// What a file's keywords say, as Immich applies them: every level of each
    /// path becomes the owner's tag and the asset carries exactly the paths'
    /// last levels. A file without keywords leaves the asset's tags alone.
    pub(crate) async fn apply_file_tags(
        &self,
        owner_id: Uuid,
        asset_id: Uuid,
        paths: &[String],
    ) -> DomainResult<()> {
        if paths.iter().all(|p| levels(p).next().is_none()) {
            return Ok(());
        }
        let leaves = self.upsert_tag_paths(owner_id, paths).await?;
        let ids: Vec<Uuid> = leaves.iter().map(|t| t.id).collect();
        Ok(self.store.tags.replace_asset_tags(asset_id, &ids).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_take_the_specs_lengths_and_gain_a_hash() {
        assert_eq!(normalize_color("ff0000").unwrap(), "#ff0000");
        assert_eq!(normalize_color("#ABC").unwrap(), "#ABC");
        assert_eq!(normalize_color("#abcd").unwrap(), "#abcd");
        assert_eq!(normalize_color("11223344").unwrap(), "#11223344");
        for bad in ["", "#", "#12", "#12345", "red", "##fff", "#ggg", "#1234567"] {
            assert!(normalize_color(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_levels_are_dropped() {
        assert_eq!(levels("a//b/").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(levels("/").count(), 0);
    }
}
