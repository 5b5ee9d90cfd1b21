//! `/queues/*` and the legacy `/jobs/*`: job queue status and control (admin only).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use shoebox_api_types::permission::Permission;
use shoebox_api_types::queues::*;
use shoebox_domain::queues::{self, QueueStatus};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, Auth, OptionalJson};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/queues", get(list))
        .route("/queues/{name}", get(get_one).put(update))
        .route("/queues/{name}/jobs", get(list_jobs).delete(empty))
        .route("/jobs", get(list_legacy).post(create_job))
        .route("/jobs/{name}", axum::routing::put(command_legacy))
}

/// A paused queue's waiting jobs are reported as paused, as BullMQ does.
fn statistics(status: &QueueStatus) -> QueueStatisticsDto {
    let c = &status.counts;
    let (waiting, paused) = if status.paused {
        (0, c.waiting)
    } else {
        (c.waiting, 0)
    };
    QueueStatisticsDto {
        active: c.active,
        completed: c.completed,
        delayed: c.delayed,
        failed: c.failed,
        paused,
        waiting,
    }
}

fn queue_dto(status: &QueueStatus) -> QueueResponseDto {
    QueueResponseDto {
        is_paused: status.paused,
        name: status.queue.as_str().to_string(),
        statistics: statistics(status),
    }
}

fn legacy_dto(status: &QueueStatus) -> QueueResponseLegacyDto {
    QueueResponseLegacyDto {
        job_counts: statistics(status),
        queue_status: QueueStatusLegacyDto {
            is_active: status.counts.active > 0,
            is_paused: status.paused,
        },
    }
}

async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<QueueResponseDto>>> {
    auth.require_admin(Permission::QueueRead)?;
    let all = state.domain.all_queue_status().await?;
    Ok(Json(all.iter().map(queue_dto).collect()))
}

async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<QueueResponseDto>> {
    auth.require_admin(Permission::QueueRead)?;
    let status = state
        .domain
        .queue_status(queues::parse_queue(&name)?)
        .await?;
    Ok(Json(queue_dto(&status)))
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<QueueUpdateDto>,
) -> ApiResult<Json<QueueResponseDto>> {
    auth.require_admin(Permission::QueueUpdate)?;
    let queue = queues::parse_queue(&name)?;
    let status = match body.is_paused {
        Some(paused) => state.domain.set_queue_paused(queue, paused).await?,
        None => state.domain.queue_status(queue).await?,
    };
    Ok(Json(queue_dto(&status)))
}

/// `?status=a&status=b`: repeated keys, which the usual query extractor cannot read.
fn statuses(raw: Option<String>) -> ApiResult<Vec<String>> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default())
            .map_err(|e| crate::ApiError::bad_request(format!("Malformed query string: {e}")))?;
    Ok(pairs
        .into_iter()
        .filter(|(k, _)| k == "status")
        .map(|(_, v)| v)
        .collect())
}

async fn list_jobs(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(name): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<QueueJobResponseDto>>> {
    auth.require_admin(Permission::QueueJobRead)?;
    let jobs = state
        .domain
        .list_queue_jobs(queues::parse_queue(&name)?, &statuses(query)?)
        .await?;
    Ok(Json(
        jobs.into_iter()
            .map(|j| QueueJobResponseDto {
                data: job_data(j.payload, j.last_error),
                id: Some(j.id.to_string()),
                name: j.name,
                timestamp: j.created_at.timestamp_millis(),
            })
            .collect(),
    ))
}

/// A job's payload, with the reason it last failed so the API shows it.
fn job_data(payload: serde_json::Value, error: Option<String>) -> serde_json::Value {
    match (payload, error) {
        (serde_json::Value::Object(mut map), Some(error)) => {
            map.insert("error".into(), serde_json::Value::String(error));
            serde_json::Value::Object(map)
        }
        (payload, _) => payload,
    }
}

async fn empty(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(name): ApiPath<String>,
    OptionalJson(body): OptionalJson<QueueDeleteDto>,
) -> ApiResult<StatusCode> {
    auth.require_admin(Permission::QueueJobDelete)?;
    let failed = body.and_then(|b| b.failed).unwrap_or(false);
    state
        .domain
        .empty_queue(queues::parse_queue(&name)?, failed)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_legacy(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<QueuesResponseLegacyDto>> {
    auth.require_admin(Permission::JobRead)?;
    let all = state.domain.all_queue_status().await?;
    Ok(Json(
        all.iter()
            .map(|s| (s.queue.as_str().to_string(), legacy_dto(s)))
            .collect(),
    ))
}

async fn command_legacy(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<QueueCommandDto>,
) -> ApiResult<Json<QueueResponseLegacyDto>> {
    auth.require_admin(Permission::JobCreate)?;
    let command = match body.command {
        QueueCommand::Start => queues::QueueCommand::Start {
            force: body.force.unwrap_or(false),
        },
        QueueCommand::Pause => queues::QueueCommand::Pause,
        QueueCommand::Resume => queues::QueueCommand::Resume,
        QueueCommand::Empty => queues::QueueCommand::Empty,
        QueueCommand::ClearFailed => queues::QueueCommand::ClearFailed,
    };
    let status = state
        .domain
        .queue_command(queues::parse_queue(&name)?, command)
        .await?;
    Ok(Json(legacy_dto(&status)))
}

/// Starts a job by name; those Shoebox does not have yet are refused.
async fn create_job(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<JobCreateDto>,
) -> ApiResult<StatusCode> {
    auth.require_admin(Permission::JobCreate)?;
    match body.name {
        ManualJobName::MemoryCreate => state.domain.queue_memory_generation().await?,
        other => {
            return Err(ApiError::bad_request(format!(
                "{} is not available yet",
                other.as_str()
            )));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
