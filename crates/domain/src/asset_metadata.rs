//! Key/value data clients keep on their assets, as Immich's `/assets/metadata` routes do.
//! Changes reach the owner's phones through the sync stream (AssetMetadataV1).

use std::collections::HashSet;

use chrono::Utc;
use shoebox_store::asset_metadata::AssetMetadataRecord;
use uuid::Uuid;

use crate::assets::no_access;
use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

fn refuse_duplicates<'a>(
    keys: impl Iterator<Item = (Uuid, &'a str)>,
    describe: impl Fn(Uuid, &str) -> String,
) -> DomainResult<()> {
    let mut seen = HashSet::new();
    for (id, key) in keys {
        if !seen.insert((id, key)) {
            return Err(DomainError::BadRequest(format!(
                "Duplicate items are not allowed: \"{}\"",
                describe(id, key)
            )));
        }
    }
    Ok(())
}

impl Domain {
    /// Sets (asset, key) → value for assets the caller owns; the per-asset form names its
    /// duplicates by key alone.
    pub async fn upsert_asset_metadata(
        &self,
        auth: &AuthContext,
        items: Vec<(Uuid, String, serde_json::Value)>,
        one_asset: bool,
    ) -> DomainResult<Vec<AssetMetadataRecord>> {
        refuse_duplicates(items.iter().map(|(id, k, _)| (*id, k.as_str())), |id, k| {
            if one_asset {
                k.to_string()
            } else {
                format!("({id}, {k})")
            }
        })?;
        let ids: Vec<Uuid> = items.iter().map(|(id, _, _)| *id).collect();
        self.require_owned(auth, &ids, "asset.update").await?;
        let now = Utc::now();
        let records: Vec<AssetMetadataRecord> = items
            .into_iter()
            .map(|(asset_id, key, value)| AssetMetadataRecord {
                asset_id,
                key,
                value,
                updated_at: now,
            })
            .collect();
        self.store.asset_metadata.upsert(&records).await?;
        Ok(records)
    }

    pub async fn delete_asset_metadata(
        &self,
        auth: &AuthContext,
        items: Vec<(Uuid, String)>,
    ) -> DomainResult<()> {
        refuse_duplicates(items.iter().map(|(id, k)| (*id, k.as_str())), |id, k| {
            format!("({id}, {k})")
        })?;
        let ids: Vec<Uuid> = items.iter().map(|(id, _)| *id).collect();
        self.require_owned(auth, &ids, "asset.update").await?;
        self.store.asset_metadata.delete(&items).await?;
        Ok(())
    }

    /// What the mobile app sends with an upload: the motion part of a live photo it
    /// uploaded first (hidden from then on), and metadata entries for the new asset.
    pub async fn finish_upload_from_app(
        &self,
        auth: &AuthContext,
        asset_id: Uuid,
        live_photo_video_id: Option<Uuid>,
        metadata: Vec<(String, serde_json::Value)>,
    ) -> DomainResult<()> {
        if let Some(video) = live_photo_video_id {
            self.require_owned(auth, &[video], "asset.update").await?;
            let is_video = self
                .store
                .assets
                .get(video)
                .await?
                .is_some_and(|v| v.kind == shoebox_store::records::AssetKind::Video);
            if !is_video {
                return Err(DomainError::BadRequest(
                    "Live photo video must be a video".into(),
                ));
            }
            self.store
                .assets
                .attach_motion_video(asset_id, video)
                .await?;
        }
        if !metadata.is_empty() {
            let items = metadata
                .into_iter()
                .map(|(k, v)| (asset_id, k, v))
                .collect();
            self.upsert_asset_metadata(auth, items, true).await?;
        }
        Ok(())
    }

    pub async fn asset_metadata(
        &self,
        auth: &AuthContext,
        asset_id: Uuid,
    ) -> DomainResult<Vec<AssetMetadataRecord>> {
        if self
            .readable_asset_ids(auth, &[asset_id], "asset.read")
            .await?
            .is_empty()
        {
            return Err(no_access("asset.read"));
        }
        Ok(self.store.asset_metadata.list(asset_id).await?)
    }

    pub async fn asset_metadata_value(
        &self,
        auth: &AuthContext,
        asset_id: Uuid,
        key: &str,
    ) -> DomainResult<AssetMetadataRecord> {
        self.asset_metadata(auth, asset_id)
            .await?
            .into_iter()
            .find(|m| m.key == key)
            .ok_or_else(|| {
                DomainError::BadRequest(format!(
                    "Metadata with key \"{key}\" not found for asset with id \"{asset_id}\""
                ))
            })
    }
}
