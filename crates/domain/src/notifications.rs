//! Notifications: messages for one user, listed, marked read and dismissed by that user.

use chrono::{DateTime, Utc};
use shoebox_store::records::{NotificationFilter, NotificationRecord};
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::events::Event;
use crate::{Domain, DomainError, DomainResult};

/// An admin's message to a user, before validation.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub level: Option<String>,
    pub notification_type: Option<String>,
    pub data: Option<serde_json::Value>,
    pub read_at: Option<DateTime<Utc>>,
}

fn no_access(permission: &str) -> DomainError {
    DomainError::BadRequest(format!("Not found or no {permission} access"))
}

impl Domain {
    pub async fn create_notification(
        &self,
        new: NewNotification,
    ) -> DomainResult<NotificationRecord> {
        self.get_user(new.user_id, false).await?;
        let notification = NotificationRecord {
            id: Uuid::new_v4(),
            user_id: new.user_id,
            level: new.level.unwrap_or_else(|| "info".into()),
            notification_type: new.notification_type.unwrap_or_else(|| "Custom".into()),
            title: new.title,
            description: new.description,
            data: new.data,
            read_at: new.read_at,
            created_at: Utc::now(),
        };
        self.store.notifications.create(&notification).await?;
        self.emit(Event::Notification {
            user_id: notification.user_id,
            notification_id: notification.id,
        })
        .await;
        Ok(notification)
    }

    pub async fn list_notifications(
        &self,
        auth: &AuthContext,
        filter: &NotificationFilter,
    ) -> DomainResult<Vec<NotificationRecord>> {
        Ok(self
            .store
            .notifications
            .list(auth.user_id(), filter)
            .await?)
    }

    /// One of the caller's notifications; another user's reads like a missing one.
    pub async fn get_notification(
        &self,
        auth: &AuthContext,
        id: Uuid,
        permission: &str,
    ) -> DomainResult<NotificationRecord> {
        self.store
            .notifications
            .get(id)
            .await?
            .filter(|n| n.user_id == auth.user_id())
            .ok_or_else(|| no_access(permission))
    }

    /// Marks one notification read (or unread with `None`).
    pub async fn mark_notification(
        &self,
        auth: &AuthContext,
        id: Uuid,
        read_at: Option<DateTime<Utc>>,
    ) -> DomainResult<NotificationRecord> {
        self.get_notification(auth, id, "notification.update")
            .await?;
        self.store
            .notifications
            .set_read(auth.user_id(), &[id], read_at)
            .await?;
        self.get_notification(auth, id, "notification.update").await
    }

    /// Marks those of `ids` that are the caller's; others are passed over.
    pub async fn mark_notifications(
        &self,
        auth: &AuthContext,
        ids: &[Uuid],
        read_at: Option<DateTime<Utc>>,
    ) -> DomainResult<()> {
        Ok(self
            .store
            .notifications
            .set_read(auth.user_id(), ids, read_at)
            .await?)
    }

    pub async fn delete_notification(&self, auth: &AuthContext, id: Uuid) -> DomainResult<()> {
        self.get_notification(auth, id, "notification.delete")
            .await?;
        self.delete_notifications(auth, &[id]).await
    }

    /// Removes those of `ids` that are the caller's; others are passed over.
    pub async fn delete_notifications(&self, auth: &AuthContext, ids: &[Uuid]) -> DomainResult<()> {
        Ok(self.store.notifications.delete(auth.user_id(), ids).await?)
    }
}
