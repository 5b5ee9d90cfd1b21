//! `/notifications/*` and `POST /admin/notifications`: messages for one user.

use std::str::FromStr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use shoebox_api_types::notifications::*;
use shoebox_api_types::permission::Permission;
use shoebox_domain::notifications::NewNotification;
use shoebox_store::records::{NotificationFilter, NotificationRecord};
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/notifications",
            get(list).put(update_all).delete(delete_all),
        )
        .route(
            "/notifications/{id}",
            get(get_one).put(update_one).delete(delete_one),
        )
        .route("/admin/notifications", post(create))
}

pub(crate) fn notification(n: &NotificationRecord) -> NotificationDto {
    NotificationDto {
        id: n.id.to_string(),
        created_at: n.created_at,
        level: NotificationLevel::from_str(&n.level).unwrap_or(NotificationLevel::Info),
        notification_type: NotificationType::from_str(&n.notification_type)
            .unwrap_or(NotificationType::Custom),
        title: n.title.clone(),
        description: n.description.clone(),
        data: n.data.clone(),
        read_at: n.read_at,
    }
}

/// `readAt` as sent: absent (`None`), `null` (unread) or a date.
fn read_at(value: Option<Option<String>>) -> ApiResult<Option<Option<DateTime<Utc>>>> {
    value
        .map(|v| {
            v.map(|text| {
                DateTime::parse_from_rfc3339(&text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| ApiError::bad_request("readAt must be a Date instance"))
            })
            .transpose()
        })
        .transpose()
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(default)]
    level: Option<NotificationLevel>,
    #[serde(default, rename = "type")]
    notification_type: Option<NotificationType>,
    #[serde(default)]
    unread: Option<bool>,
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<NotificationDto>>> {
    let ctx = auth.require(Permission::NotificationRead)?;
    let filter = NotificationFilter {
        id: q.id,
        level: q.level.map(|l| l.as_str().to_string()),
        notification_type: q.notification_type.map(|t| t.as_str().to_string()),
        unread: q.unread,
    };
    let all = state.domain.list_notifications(ctx, &filter).await?;
    Ok(Json(all.iter().map(notification).collect()))
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<NotificationDto>> {
    let ctx = auth.require(Permission::NotificationRead)?;
    let n = state
        .domain
        .get_notification(ctx, id, "notification.read")
        .await?;
    Ok(Json(notification(&n)))
}

async fn update_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NotificationUpdateDto>,
) -> ApiResult<Json<NotificationDto>> {
    let ctx = auth.require(Permission::NotificationUpdate)?;
    let n = match read_at(body.read_at)? {
        Some(at) => state.domain.mark_notification(ctx, id, at).await?,
        None => {
            state
                .domain
                .get_notification(ctx, id, "notification.update")
                .await?
        }
    };
    Ok(Json(notification(&n)))
}

async fn update_all(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NotificationUpdateAllDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::NotificationUpdate)?;
    if let Some(at) = read_at(body.read_at)? {
        state.domain.mark_notifications(ctx, &body.ids, at).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::NotificationDelete)?;
    state.domain.delete_notification(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_all(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NotificationDeleteAllDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::NotificationDelete)?;
    state.domain.delete_notifications(ctx, &body.ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NotificationCreateDto>,
) -> ApiResult<(StatusCode, Json<NotificationDto>)> {
    auth.require_admin(Permission::NotificationCreate)?;
    if body.title.trim().is_empty() {
        return Err(ApiError::bad_request("title should not be empty"));
    }
    let n = state
        .domain
        .create_notification(NewNotification {
            user_id: body.user_id,
            title: body.title,
            description: body.description,
            level: body.level.map(|l| l.as_str().to_string()),
            notification_type: body.notification_type.map(|t| t.as_str().to_string()),
            data: body.data.map(serde_json::Value::Object),
            read_at: body.read_at,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(notification(&n))))
}
