//! Immich's duplicates API: the caller's near-duplicate groups with the asset worth keeping,
//! dismissing groups, and resolving them (keep some, trash the rest, the keeper taking over
//! the others' favourite, visibility, rating, description and albums).

use std::collections::HashSet;

use shoebox_store::records::AssetRecord;
use uuid::Uuid;

use crate::albums::BulkFailure;
use crate::assets::AssetChanges;
use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

pub struct DuplicateGroup {
    pub id: Uuid,
    pub assets: Vec<AssetRecord>,
    pub suggested_keep: Vec<Uuid>,
}

/// One group to resolve.
pub struct Resolution {
    pub duplicate_id: Uuid,
    pub keep: Vec<Uuid>,
    pub trash: Vec<Uuid>,
}

/// Why a group was not resolved.
pub enum ResolveFailure {
    Bulk(BulkFailure),
    Validation(String),
}

/// Immich's suggestion: the largest file, then the one with the most metadata.
pub fn suggested_keep(assets: &[AssetRecord]) -> Option<Uuid> {
    let exif_count = |a: &AssetRecord| {
        let e = &a.exif;
        [
            !e.description.is_empty(),
            e.latitude.is_some(),
            e.longitude.is_some(),
            e.date_time_original.is_some(),
            e.time_zone.is_some(),
            e.rating.is_some(),
            e.make.is_some(),
            e.model.is_some(),
            e.lens_model.is_some(),
            e.exif_image_width.is_some(),
            e.exif_image_height.is_some(),
            e.orientation.is_some(),
            e.f_number.is_some(),
            e.focal_length.is_some(),
            e.iso.is_some(),
        ]
        .iter()
        .filter(|v| **v)
        .count()
    };
    // The last of the best, as Immich picks after its stable sorts.
    assets
        .iter()
        .enumerate()
        .max_by_key(|(i, a)| (a.file_size, exif_count(a), *i))
        .map(|(_, a)| a.id)
}

fn no_access() -> DomainError {
    DomainError::BadRequest("Not found or no duplicate.delete access".into())
}

impl Domain {
    pub async fn list_duplicates(&self, auth: &AuthContext) -> DomainResult<Vec<DuplicateGroup>> {
        let groups = self.store.duplicates.groups(auth.user_id()).await?;
        Ok(groups
            .into_iter()
            .map(|(id, assets)| DuplicateGroup {
                id,
                suggested_keep: suggested_keep(&assets).into_iter().collect(),
                assets,
            })
            .collect())
    }

    /// The caller owns an asset of each group.
    async fn require_groups(&self, auth: &AuthContext, ids: &[Uuid]) -> DomainResult<()> {
        for id in ids {
            if self
                .store
                .duplicates
                .group(auth.user_id(), *id)
                .await?
                .is_empty()
            {
                return Err(no_access());
            }
        }
        Ok(())
    }

    /// `DELETE /duplicates/{id}` and `DELETE /duplicates`: the assets stay, no longer
    /// grouped.
    pub async fn dismiss_duplicates(&self, auth: &AuthContext, ids: &[Uuid]) -> DomainResult<()> {
        self.require_groups(auth, ids).await?;
        Ok(self.store.duplicates.dismiss(auth.user_id(), ids).await?)
    }

    /// `duplicateId` of `PUT /assets`: the caller's assets put into a group, or taken out.
    pub async fn set_duplicate_group(
        &self,
        auth: &AuthContext,
        ids: &[Uuid],
        duplicate_id: Option<Uuid>,
    ) -> DomainResult<()> {
        self.require_owned(auth, ids, "asset.update").await?;
        Ok(self.store.duplicates.set_group(ids, duplicate_id).await?)
    }

    /// `POST /duplicates/resolve`: each group on its own, as Immich reports them.
    pub async fn resolve_duplicates(
        &self,
        auth: &AuthContext,
        groups: &[Resolution],
    ) -> DomainResult<Vec<(Uuid, Result<(), ResolveFailure>)>> {
        let ids: Vec<Uuid> = groups.iter().map(|g| g.duplicate_id).collect();
        self.require_groups(auth, &ids).await?;
        let mut results = Vec::new();
        for group in groups {
            let outcome = self.resolve_group(auth, group).await?;
            results.push((group.duplicate_id, outcome));
        }
        Ok(results)
    }

    async fn resolve_group(
        &self,
        auth: &AuthContext,
        group: &Resolution,
    ) -> DomainResult<Result<(), ResolveFailure>> {
        let assets = self
            .store
            .duplicates
            .group(auth.user_id(), group.duplicate_id)
            .await?;
        if assets.is_empty() {
            return Ok(Err(ResolveFailure::Bulk(BulkFailure::NotFound)));
        }
        let members: HashSet<Uuid> = assets.iter().map(|a| a.id).collect();
        let keep: Vec<Uuid> = group
            .keep
            .iter()
            .copied()
            .filter(|id| members.contains(id))
            .collect();
        let trash: Vec<Uuid> = group
            .trash
            .iter()
            .copied()
            .filter(|id| members.contains(id))
            .collect();
        for id in &members {
            match (keep.contains(id), trash.contains(id)) {
                (true, true) => {
                    return Ok(Err(ResolveFailure::Validation(
                        "An asset cannot be in both keepAssetIds and trashAssetIds".into(),
                    )));
                }
                (false, false) => {
                    return Ok(Err(ResolveFailure::Validation(
                        "Every asset must be in either keepAssetIds or trashAssetIds".into(),
                    )));
                }
                _ => {}
            }
        }
        if keep.len() == 1 && !trash.is_empty() {
            self.merge_into_keeper(auth, keep[0], &assets).await?;
        }
        self.store.duplicates.set_group(&keep, None).await?;
        if !trash.is_empty() {
            self.store.duplicates.set_group(&trash, None).await?;
            let trash_enabled = self.system_config().await?.trash.enabled;
            self.delete_assets(auth, &trash, !trash_enabled).await?;
        }
        Ok(Ok(()))
    }

    /// The one asset kept takes what the group's other assets carried: favourite if any
    /// was, the most private visibility, the highest rating, every description line, and
    /// the caller's albums of the others.
    async fn merge_into_keeper(
        &self,
        auth: &AuthContext,
        keeper: Uuid,
        assets: &[AssetRecord],
    ) -> DomainResult<()> {
        let visibility = ["locked", "archive", "timeline", "hidden"]
            .into_iter()
            .find(|v| assets.iter().any(|a| a.visibility == *v));
        let rating = assets
            .iter()
            .filter_map(|a| a.exif.rating)
            .max()
            .filter(|r| *r > 0);
        let mut lines: Vec<String> = Vec::new();
        for asset in assets {
            for line in asset.exif.description.lines() {
                let line = line.trim();
                if !line.is_empty() && !lines.iter().any(|l| l == line) {
                    lines.push(line.to_string());
                }
            }
        }
        let changes = AssetChanges {
            is_favorite: Some(assets.iter().any(|a| a.is_favorite)),
            visibility: visibility
                .filter(|v| *v != "locked" && *v != "hidden")
                .map(str::to_string),
            description: (!lines.is_empty()).then(|| lines.join("\n")),
            rating: rating.map(Some),
            ..AssetChanges::default()
        };
        self.update_assets(auth, &[keeper], &changes).await?;
        let mut albums = HashSet::new();
        for asset in assets.iter().filter(|a| a.id != keeper) {
            for album in self.list_albums(auth, None, Some(asset.id)).await? {
                albums.insert(album.album.id);
            }
        }
        let albums: Vec<Uuid> = albums.into_iter().collect();
        if !albums.is_empty() {
            // Albums the caller may not add to are left as they are.
            let _ = self.add_assets_to_albums(auth, &albums, &[keeper]).await?;
        }
        Ok(())
    }
}
