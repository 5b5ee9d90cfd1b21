//! Memories: sets of a user's assets shown at a time. "On this day" memories are made by a
//! job (queued nightly and on demand): for each day from three days ago to three days ahead
//! not yet done, one memory per past year with assets taken on that month and day.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use shoebox_jobs::{JobError, JobHandler, Queue, enqueue};
use shoebox_store::records::{AssetRecord, JobRecord, MemoryPatch, MemoryRecord, MemorySearch};
use uuid::Uuid;

use crate::albums::{BulkResult, id_set, plan_additions, plan_removals};
use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

pub const ON_THIS_DAY: &str = "on_this_day";
/// The job that makes "on this day" memories, on the background-task queue.
pub const GENERATE_JOB: &str = "MemoryGenerate";
/// System metadata: the last day memories were made for.
const STATE_KEY: &str = "memories-state";
/// Memories are made this many days either side of today, as in Immich.
const DAYS: i64 = 3;

/// A request for a new memory, before validation.
#[derive(Debug, Clone)]
pub struct NewMemory {
    pub memory_type: String,
    pub data: serde_json::Value,
    pub asset_ids: Vec<Uuid>,
    pub is_saved: Option<bool>,
    pub memory_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
    pub show_at: Option<DateTime<Utc>>,
    pub hide_at: Option<DateTime<Utc>>,
}

/// `GET /memories` filters, as Immich names them.
#[derive(Debug, Clone, Default)]
pub struct MemoryQuery {
    pub for_time: Option<DateTime<Utc>>,
    pub id: Option<Uuid>,
    pub is_saved: Option<bool>,
    pub is_trashed: Option<bool>,
    pub is_upcoming: Option<bool>,
    pub memory_type: Option<String>,
    pub order: Option<String>,
    pub page: Option<i64>,
    pub size: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct MemoryView {
    pub memory: MemoryRecord,
    pub assets: Vec<AssetRecord>,
}

fn validate_data(memory_type: &str, data: &serde_json::Value) -> DomainResult<()> {
    if memory_type != ON_THIS_DAY {
        return Err(DomainError::BadRequest(
            "type must be one of: on_this_day".into(),
        ));
    }
    match data.get("year").and_then(|y| y.as_i64()) {
        Some(year) if (1..=9999).contains(&year) => Ok(()),
        _ => Err(DomainError::BadRequest(
            "data.year must be a positive integer".into(),
        )),
    }
}

fn no_memory_access(permission: &str) -> DomainError {
    DomainError::BadRequest(format!("Not found or no {permission} access"))
}

impl MemoryQuery {
    fn to_search(&self, now: DateTime<Utc>) -> DomainResult<MemorySearch> {
        if self.size.is_some_and(|s| s < 1) {
            return Err(DomainError::BadRequest(
                "size must not be less than 1".into(),
            ));
        }
        if self.page.is_some_and(|p| p < 1) {
            return Err(DomainError::BadRequest(
                "page must not be less than 1".into(),
            ));
        }
        if let Some(kind) = &self.memory_type
            && kind != ON_THIS_DAY
        {
            return Err(DomainError::BadRequest(
                "type must be one of: on_this_day".into(),
            ));
        }
        let offset = match (self.page, self.size) {
            (Some(page), Some(size)) => (page - 1).saturating_mul(size),
            _ => 0,
        };
        Ok(MemorySearch {
            id: self.id,
            shown_at: self.for_time,
            upcoming_after: self.is_upcoming.map(|u| (u, now)),
            is_saved: self.is_saved,
            is_trashed: self.is_trashed.unwrap_or(false),
            memory_type: self.memory_type.clone(),
            order: self.order.clone().unwrap_or_else(|| "desc".into()),
            offset,
            limit: self.size,
        })
    }
}

impl Domain {
    async fn memory_views(&self, memories: Vec<MemoryRecord>) -> DomainResult<Vec<MemoryView>> {
        let ids: Vec<Uuid> = memories.iter().map(|m| m.id).collect();
        let mut asset_ids = self.store.memories.asset_ids(&ids).await?;
        let mut views = Vec::with_capacity(memories.len());
        for memory in memories {
            let ids = asset_ids.remove(&memory.id).unwrap_or_default();
            let mut assets = self.store.assets.get_many(&ids).await?;
            let order: std::collections::HashMap<Uuid, usize> =
                ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
            assets.sort_by_key(|a| order.get(&a.id).copied());
            views.push(MemoryView { memory, assets });
        }
        Ok(views)
    }

    /// One of the caller's memories; another user's reads like a missing one.
    async fn owned_memory(
        &self,
        auth: &AuthContext,
        id: Uuid,
        permission: &str,
    ) -> DomainResult<MemoryRecord> {
        self.store
            .memories
            .get(id)
            .await?
            .filter(|m| m.owner_id == auth.user_id())
            .ok_or_else(|| no_memory_access(permission))
    }

    pub async fn search_memories(
        &self,
        auth: &AuthContext,
        q: &MemoryQuery,
    ) -> DomainResult<Vec<MemoryView>> {
        let search = q.to_search(Utc::now())?;
        let memories = self.store.memories.search(auth.user_id(), &search).await?;
        self.memory_views(memories).await
    }

    pub async fn memory_statistics(
        &self,
        auth: &AuthContext,
        q: &MemoryQuery,
    ) -> DomainResult<i64> {
        let search = q.to_search(Utc::now())?;
        Ok(self.store.memories.count(auth.user_id(), &search).await?)
    }

    pub async fn get_memory(&self, auth: &AuthContext, id: Uuid) -> DomainResult<MemoryView> {
        let memory = self.owned_memory(auth, id, "memory.read").await?;
        Ok(self.memory_views(vec![memory]).await?.remove(0))
    }

    /// Creates a memory with those of `asset_ids` the caller may share (others are left out,
    /// as in Immich).
    pub async fn create_memory(
        &self,
        auth: &AuthContext,
        new: NewMemory,
    ) -> DomainResult<MemoryView> {
        validate_data(&new.memory_type, &new.data)?;
        let allowed = self
            .store
            .assets
            .owned_ids(auth.user_id(), &new.asset_ids)
            .await?;
        let now = Utc::now();
        let memory = MemoryRecord {
            id: Uuid::new_v4(),
            owner_id: auth.user_id(),
            memory_type: new.memory_type,
            data: new.data,
            is_saved: new.is_saved.unwrap_or(false),
            memory_at: new.memory_at,
            seen_at: new.seen_at,
            show_at: new.show_at,
            hide_at: new.hide_at,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        self.store.memories.create(&memory, &allowed).await?;
        self.get_memory(auth, memory.id).await
    }

    pub async fn update_memory(
        &self,
        auth: &AuthContext,
        id: Uuid,
        patch: MemoryPatch,
    ) -> DomainResult<MemoryView> {
        self.owned_memory(auth, id, "memory.update").await?;
        self.store.memories.update(id, &patch, Utc::now()).await?;
        self.get_memory(auth, id).await
    }

    pub async fn delete_memory(&self, auth: &AuthContext, id: Uuid) -> DomainResult<()> {
        self.owned_memory(auth, id, "memory.delete").await?;
        Ok(self.store.memories.delete(id).await?)
    }

    pub async fn add_memory_assets(
        &self,
        auth: &AuthContext,
        id: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<BulkResult> {
        self.owned_memory(auth, id, "memory.read").await?;
        let present = id_set(self.store.memories.contained_asset_ids(id, ids).await?);
        let owned = id_set(self.store.assets.owned_ids(auth.user_id(), ids).await?);
        let (results, added) = plan_additions(ids, &present, &owned);
        if !added.is_empty() {
            self.store
                .memories
                .add_assets(id, &added, Utc::now())
                .await?;
        }
        Ok(results)
    }

    pub async fn remove_memory_assets(
        &self,
        auth: &AuthContext,
        id: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<BulkResult> {
        self.owned_memory(auth, id, "memory.update").await?;
        let present = id_set(self.store.memories.contained_asset_ids(id, ids).await?);
        let (results, removed) = plan_removals(ids, &present, |_| true);
        if !removed.is_empty() {
            self.store
                .memories
                .remove_assets(id, &removed, Utc::now())
                .await?;
        }
        Ok(results)
    }

    /// Queues the "on this day" job (at most one waiting) and wakes this process's workers.
    pub async fn queue_memory_generation(&self) -> DomainResult<()> {
        enqueue(
            &self.store,
            Queue::BackgroundTask,
            GENERATE_JOB,
            serde_json::json!({}),
            Some(GENERATE_JOB.to_string()),
        )
        .await?;
        self.job_wake.queue(Queue::BackgroundTask);
        Ok(())
    }

    /// Makes "on this day" memories for every user for the days around `now` not yet done;
    /// returns how many memories were made.
    pub async fn generate_memories(&self, now: DateTime<Utc>) -> DomainResult<usize> {
        let today = now.date_naive();
        let state = self.store.system.get_metadata(STATE_KEY).await?;
        let done_until = state
            .as_ref()
            .and_then(|s| s["lastOnThisDayDate"].as_str())
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.date_naive());
        let users = self.store.users.list(false).await?;
        let mut made = 0;
        for offset in -DAYS..=DAYS {
            let target = today + Duration::days(offset);
            if done_until.is_some_and(|d| d >= target) {
                continue;
            }
            let show_at = Utc.from_utc_datetime(&target.and_time(NaiveTime::MIN));
            let hide_at = show_at + Duration::days(1) - Duration::milliseconds(1);
            let month_day = target.format("%m-%d").to_string();
            for user in &users {
                for (year, asset_ids) in self
                    .store
                    .memories
                    .taken_on_day(user.id, &month_day, target.year())
                    .await?
                {
                    // Feb 29 falls back to Feb 28 in years without one.
                    let memory_day = target
                        .with_year(year)
                        .or_else(|| (target - Duration::days(1)).with_year(year))
                        .unwrap_or(target);
                    let memory = MemoryRecord {
                        id: Uuid::new_v4(),
                        owner_id: user.id,
                        memory_type: ON_THIS_DAY.into(),
                        data: serde_json::json!({ "year": year }),
                        is_saved: false,
                        memory_at: Utc.from_utc_datetime(&memory_day.and_time(NaiveTime::MIN)),
                        seen_at: None,
                        show_at: Some(show_at),
                        hide_at: Some(hide_at),
                        created_at: now,
                        updated_at: now,
                        deleted_at: None,
                    };
                    self.store.memories.create(&memory, &asset_ids).await?;
                    made += 1;
                }
            }
            // Recorded per day, so a failure later does not make this day's memories twice.
            self.store
                .system
                .set_metadata(
                    STATE_KEY,
                    &serde_json::json!({ "lastOnThisDayDate": show_at.to_rfc3339() }),
                )
                .await?;
        }
        Ok(made)
    }
}

struct MemoryJobs {
    domain: Domain,
}

#[async_trait]
impl JobHandler for MemoryJobs {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        match job.name.as_str() {
            GENERATE_JOB => self
                .domain
                .generate_memories(Utc::now())
                .await
                .map(|made| tracing::info!(made, "on-this-day memories made"))
                .map_err(|e| JobError::transient(e.to_string())),
            other => Err(JobError::permanent(format!(
                "unknown background job {other}"
            ))),
        }
    }
}

pub fn handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(MemoryJobs {
        domain: domain.clone(),
    })
}
