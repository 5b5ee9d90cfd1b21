//! Stacks: several of one owner's assets shown as one, the primary in front.

use chrono::Utc;
use shoebox_store::records::{AssetRecord, StackRecord};
use uuid::Uuid;

use crate::assets::no_access;
use crate::auth::AuthContext;
use crate::events::Event;
use crate::{Domain, DomainError, DomainResult};

impl Domain {
    /// Stacks `asset_ids`, the first in front; stacks they were in are merged into this one.
    pub async fn create_stack(
        &self,
        auth: &AuthContext,
        asset_ids: &[Uuid],
    ) -> DomainResult<StackRecord> {
        let mut unique = Vec::with_capacity(asset_ids.len());
        for id in asset_ids {
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        if unique.len() < 2 {
            return Err(DomainError::BadRequest(
                "assetIds must contain at least 2 elements".into(),
            ));
        }
        self.require_owned(auth, &unique, "asset.update").await?;
        let stack = self
            .store
            .stacks
            .create(Uuid::new_v4(), auth.user_id(), &unique, Utc::now())
            .await?;
        self.emit_stack_update(auth).await;
        Ok(stack)
    }

    async fn emit_stack_update(&self, auth: &AuthContext) {
        self.emit(Event::StackUpdate {
            owner_id: auth.user_id(),
        })
        .await;
    }

    /// A stack the caller owns.
    pub async fn get_stack(
        &self,
        auth: &AuthContext,
        id: Uuid,
        permission: &str,
    ) -> DomainResult<StackRecord> {
        match self.store.stacks.get(id).await? {
            Some(stack) if stack.owner_id == auth.user_id() => Ok(stack),
            _ => Err(no_access(permission)),
        }
    }

    /// The stack's assets, primary first.
    pub async fn stack_members(&self, stack: &StackRecord) -> DomainResult<Vec<AssetRecord>> {
        let mut assets = self.store.assets.get_many(&stack.asset_ids).await?;
        assets.sort_by_key(|a| stack.asset_ids.iter().position(|id| *id == a.id));
        Ok(assets)
    }

    /// The stack an asset the caller may see belongs to.
    pub async fn stack_of(&self, asset_id: Uuid) -> DomainResult<Option<StackRecord>> {
        Ok(self.store.stacks.of_asset(asset_id).await?)
    }

    pub async fn search_stacks(
        &self,
        auth: &AuthContext,
        primary_asset_id: Option<Uuid>,
    ) -> DomainResult<Vec<StackRecord>> {
        Ok(self
            .store
            .stacks
            .list(auth.user_id(), primary_asset_id)
            .await?)
    }

    /// Puts another member in front.
    pub async fn update_stack(
        &self,
        auth: &AuthContext,
        id: Uuid,
        primary_asset_id: Option<Uuid>,
    ) -> DomainResult<StackRecord> {
        let stack = self.get_stack(auth, id, "stack.update").await?;
        let Some(primary) = primary_asset_id else {
            return Ok(stack);
        };
        if !stack.asset_ids.contains(&primary) {
            return Err(DomainError::BadRequest(
                "Primary asset must be in the stack".into(),
            ));
        }
        self.store
            .stacks
            .set_primary(id, primary, Utc::now())
            .await?;
        self.emit_stack_update(auth).await;
        self.get_stack(auth, id, "stack.update").await
    }

    /// Dissolves stacks; their assets stay.
    pub async fn delete_stacks(&self, auth: &AuthContext, ids: &[Uuid]) -> DomainResult<()> {
        for id in ids {
            self.get_stack(auth, *id, "stack.delete").await?;
        }
        self.store.stacks.delete(ids).await?;
        self.emit_stack_update(auth).await;
        Ok(())
    }

    pub async fn remove_from_stack(
        &self,
        auth: &AuthContext,
        id: Uuid,
        asset_id: Uuid,
    ) -> DomainResult<()> {
        let stack = self.get_stack(auth, id, "stack.update").await?;
        if !stack.asset_ids.contains(&asset_id) {
            return Err(DomainError::BadRequest("Asset not in stack".into()));
        }
        if stack.primary_asset_id == asset_id {
            return Err(DomainError::BadRequest(
                "Cannot remove primary asset from stack".into(),
            ));
        }
        self.store.stacks.remove_asset(id, asset_id).await?;
        self.emit_stack_update(auth).await;
        Ok(())
    }
}
