//! `/sync/*`: the mobile app's change stream and its acknowledgements.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use shoebox_api_types::permission::Permission;
use shoebox_api_types::sync::{SyncAckDeleteDto, SyncAckDto, SyncAckSetDto, SyncStreamDto};
use shoebox_domain::sync::{SyncEntityType, SyncRequestType};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth, OptionalJson};
use crate::sync_lines;

const JSON_LINES: &str = "application/jsonlines+json";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sync/stream", post(stream))
        .route("/sync/ack", get(list_acks).post(ack).delete(delete_acks))
}

fn bad_request(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

/// Parses wire names of a closed set, answering 400 with the allowed values.
fn parse_all<T>(
    field: &str,
    raw: &[String],
    parse: fn(&str) -> Option<T>,
    allowed: impl Iterator<Item = &'static str>,
) -> ApiResult<Vec<T>> {
    let allowed: Vec<&str> = allowed.collect();
    raw.iter()
        .map(|r| {
            parse(r).ok_or_else(|| {
                bad_request(format!(
                    "each value in {field} must be one of the following values: {}",
                    allowed.join(", ")
                ))
            })
        })
        .collect()
}

async fn stream(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<SyncStreamDto>,
) -> ApiResult<Response> {
    let ctx = auth.require(Permission::SyncStream)?;
    let types = parse_all(
        "types",
        &body.types,
        SyncRequestType::parse,
        SyncRequestType::ALL.iter().map(|t| t.as_str()),
    )?;
    let lines = state
        .domain
        .sync_stream(ctx, &types, body.reset.unwrap_or(false))
        .await?;
    // A failure after the first line cannot change the status any more: the body ends
    // early instead, without SyncCompleteV1, and the app syncs again later.
    let body = lines.map(|line| {
        let line = line.map_err(|e| {
            tracing::warn!(error = %e, "sync stream ended early");
            std::io::Error::other(e.to_string())
        })?;
        sync_lines::encode(&line).map(Bytes::from).map_err(|m| {
            tracing::error!(entity = m.0.as_str(), "sync row does not fit its line type");
            std::io::Error::other("sync row does not fit its line type")
        })
    });
    Ok((
        [(header::CONTENT_TYPE, JSON_LINES)],
        Body::from_stream(body),
    )
        .into_response())
}

async fn list_acks(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<SyncAckDto>>> {
    let ctx = auth.require(Permission::SyncCheckpointRead)?;
    let acks = state.domain.sync_acks(ctx).await?;
    Ok(Json(
        acks.into_iter()
            .map(|(t, ack)| SyncAckDto {
                ack,
                entity_type: t.as_str().to_string(),
            })
            .collect(),
    ))
}

async fn ack(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<SyncAckSetDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::SyncCheckpointUpdate)?;
    state.domain.sync_ack(ctx, &body.acks).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_acks(
    State(state): State<AppState>,
    auth: Auth,
    OptionalJson(body): OptionalJson<SyncAckDeleteDto>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Permission::SyncCheckpointDelete)?;
    let types = match body.and_then(|b| b.types) {
        Some(raw) => Some(parse_all(
            "types",
            &raw,
            SyncEntityType::parse,
            SyncEntityType::ALL.iter().map(|t| t.as_str()),
        )?),
        None => None,
    };
    state.domain.sync_ack_delete(ctx, types.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
