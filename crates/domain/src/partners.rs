//! Partner sharing: a user lets another see their whole library; the other decides whether
//! it also shows in their own timeline.

use chrono::Utc;
use shoebox_store::StoreError;
use shoebox_store::records::{PartnerRecord, UserRecord};
use uuid::Uuid;

use crate::assets::no_access;
use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

/// Which side of the partnerships to list, from the caller's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Users the caller shares with.
    SharedBy,
    /// Users who share with the caller.
    SharedWith,
}

/// The other user of a partnership, and whether it shows in the timeline.
pub struct Partner {
    pub user: UserRecord,
    pub in_timeline: bool,
}

impl Domain {
    pub async fn create_partner(
        &self,
        auth: &AuthContext,
        shared_with: Uuid,
    ) -> DomainResult<Partner> {
        let me = auth.user_id();
        if shared_with == me {
            return Err(DomainError::BadRequest("Cannot share with yourself".into()));
        }
        let Some(user) = self.store.users.get(shared_with, false).await? else {
            return Err(DomainError::BadRequest("User not found".into()));
        };
        let now = Utc::now();
        let record = PartnerRecord {
            shared_by_id: me,
            shared_with_id: shared_with,
            in_timeline: false,
            created_at: now,
            updated_at: now,
        };
        match self.store.partners.create(&record).await {
            Ok(()) => Ok(Partner {
                user,
                in_timeline: record.in_timeline,
            }),
            Err(StoreError::Conflict(_)) => {
                Err(DomainError::BadRequest("Partner already exists".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list_partners(
        &self,
        auth: &AuthContext,
        direction: Direction,
    ) -> DomainResult<Vec<Partner>> {
        let me = auth.user_id();
        let mut out = Vec::new();
        for p in self.store.partners.list_for_user(me).await? {
            let other = match direction {
                Direction::SharedBy if p.shared_by_id == me => p.shared_with_id,
                Direction::SharedWith if p.shared_with_id == me => p.shared_by_id,
                _ => continue,
            };
            // A deleted user's partnerships wait with the rest of their account.
            if let Some(user) = self.store.users.get(other, false).await? {
                out.push(Partner {
                    user,
                    in_timeline: p.in_timeline,
                });
            }
        }
        Ok(out)
    }

    /// Shows or hides the library `shared_by` shares with the caller in the caller's timeline.
    pub async fn update_partner(
        &self,
        auth: &AuthContext,
        shared_by: Uuid,
        in_timeline: bool,
    ) -> DomainResult<Partner> {
        let me = auth.user_id();
        if !self
            .store
            .partners
            .set_in_timeline(shared_by, me, in_timeline, Utc::now())
            .await?
        {
            return Err(no_access("partner.update"));
        }
        let user = self
            .store
            .users
            .get(shared_by, false)
            .await?
            .ok_or_else(|| no_access("partner.update"))?;
        Ok(Partner { user, in_timeline })
    }

    /// Stops sharing the caller's library with `shared_with`.
    pub async fn remove_partner(&self, auth: &AuthContext, shared_with: Uuid) -> DomainResult<()> {
        if self
            .store
            .partners
            .delete(auth.user_id(), shared_with)
            .await?
        {
            Ok(())
        } else {
            Err(DomainError::BadRequest("Partner not found".into()))
        }
    }

    /// Users whose libraries the caller sees in their timeline (and searches).
    pub async fn timeline_partner_ids(&self, auth: &AuthContext) -> DomainResult<Vec<Uuid>> {
        let me = auth.user_id();
        Ok(self
            .store
            .partners
            .list_for_user(me)
            .await?
            .into_iter()
            .filter(|p| p.shared_with_id == me && p.in_timeline)
            .map(|p| p.shared_by_id)
            .collect())
    }

    /// Whether `shared_by` shares their library with the caller.
    pub async fn is_partner_of(&self, auth: &AuthContext, shared_by: Uuid) -> DomainResult<bool> {
        Ok(self
            .store
            .partners
            .get(shared_by, auth.user_id())
            .await?
            .is_some())
    }
}
