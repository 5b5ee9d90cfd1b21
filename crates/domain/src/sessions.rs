//! The caller's own login sessions: list and revoke.

use shoebox_store::records::SessionRecord;
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::events::Event;
use crate::{Domain, DomainError, DomainResult};

impl Domain {
    pub async fn list_sessions(&self, user_id: Uuid) -> DomainResult<Vec<SessionRecord>> {
        Ok(self.store.sessions.list_for_user(user_id).await?)
    }

    pub async fn delete_session(&self, auth: &AuthContext, id: Uuid) -> DomainResult<()> {
        if self.store.sessions.delete(id, auth.user_id()).await? {
            self.emit(Event::SessionDelete { session_id: id }).await;
            Ok(())
        } else {
            Err(DomainError::BadRequest("Session not found".into()))
        }
    }

    /// Flags (or clears) a session of the caller for a sync reset: its next sync stream
    /// tells the app to wipe its copy and start over.
    pub async fn update_session(
        &self,
        auth: &AuthContext,
        id: Uuid,
        is_pending_sync_reset: Option<bool>,
    ) -> DomainResult<SessionRecord> {
        let not_found = || DomainError::BadRequest("Not found or no session.update access".into());
        let session = self
            .store
            .sessions
            .list_for_user(auth.user_id())
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(not_found)?;
        let Some(pending) = is_pending_sync_reset else {
            return Err(DomainError::BadRequest("No fields to update".into()));
        };
        self.store.sync.set_pending_reset(id, pending).await?;
        Ok(SessionRecord {
            is_pending_sync_reset: pending,
            ..session
        })
    }

    /// Revokes every session of the caller but the one making the request.
    pub async fn delete_other_sessions(&self, auth: &AuthContext) -> DomainResult<()> {
        let ended = self.store.sessions.list_for_user(auth.user_id()).await?;
        self.store
            .sessions
            .delete_all_for_user(auth.user_id(), auth.session_id)
            .await?;
        let events = ended
            .iter()
            .filter(|s| Some(s.id) != auth.session_id)
            .map(|s| Event::SessionDelete { session_id: s.id })
            .collect();
        self.emit_all(events).await;
        Ok(())
    }
}
