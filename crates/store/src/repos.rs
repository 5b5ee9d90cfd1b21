use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::StoreResult;
use crate::records::*;

#[async_trait]
pub trait UserRepo: Send + Sync {
    async fn create(&self, user: &UserRecord) -> StoreResult<()>;
    async fn get(&self, id: Uuid, with_deleted: bool) -> StoreResult<Option<UserRecord>>;
    async fn get_by_email(
        &self,
        email: &str,
        with_deleted: bool,
    ) -> StoreResult<Option<UserRecord>>;
    /// The (not deleted) user linked to this OpenID Connect subject.
    async fn get_by_oauth_id(&self, oauth_id: &str) -> StoreResult<Option<UserRecord>>;
    async fn admin_exists(&self) -> StoreResult<bool>;
    async fn list(&self, with_deleted: bool) -> StoreResult<Vec<UserRecord>>;
    async fn update(
        &self,
        id: Uuid,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<UserRecord>;
    /// Removes the user and, through cascades, everything they own.
    async fn delete(&self, id: Uuid) -> StoreResult<()>;
}

#[async_trait]
pub trait SessionRepo: Send + Sync {
    async fn create(&self, session: &SessionRecord) -> StoreResult<()>;
    async fn get_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn list_for_user(&self, user_id: Uuid) -> StoreResult<Vec<SessionRecord>>;
    async fn touch(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    /// Returns whether a session of that user was deleted.
    async fn delete(&self, id: Uuid, user_id: Uuid) -> StoreResult<bool>;
    async fn delete_all_for_user(&self, user_id: Uuid, except: Option<Uuid>) -> StoreResult<()>;
}

#[async_trait]
pub trait ApiKeyRepo: Send + Sync {
    async fn create(&self, key: &ApiKeyRecord) -> StoreResult<()>;
    async fn get_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>>;
    async fn get(&self, id: Uuid, user_id: Uuid) -> StoreResult<Option<ApiKeyRecord>>;
    async fn list_for_user(&self, user_id: Uuid) -> StoreResult<Vec<ApiKeyRecord>>;
    async fn update(
        &self,
        id: Uuid,
        user_id: Uuid,
        name: Option<&str>,
        permissions: Option<&[String]>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ApiKeyRecord>>;
    async fn delete(&self, id: Uuid, user_id: Uuid) -> StoreResult<bool>;
}

#[async_trait]
pub trait AssetRepo: Send + Sync {
    /// Fails with `StoreError::Conflict` when the owner already has this checksum.
    async fn create(&self, asset: &AssetRecord) -> StoreResult<()>;
    async fn get(&self, id: Uuid) -> StoreResult<Option<AssetRecord>>;
    async fn get_many(&self, ids: &[Uuid]) -> StoreResult<Vec<AssetRecord>>;
    async fn find_by_checksums(
        &self,
        owner_id: Uuid,
        checksums: &[Vec<u8>],
    ) -> StoreResult<Vec<ChecksumMatch>>;
    /// The subset of `ids` that `user_id` owns.
    async fn owned_ids(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
    /// The subset of `ids` that `user_id` may see: owned, in an album they own or share, or a
    /// partner's (not archived, locked or trashed).
    async fn readable_ids(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
    async fn update(&self, ids: &[Uuid], patch: &AssetPatch, now: DateTime<Utc>)
    -> StoreResult<()>;
    async fn trash(&self, ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()>;
    async fn restore(&self, ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()>;
    async fn trashed_ids(&self, owner_id: Uuid) -> StoreResult<Vec<Uuid>>;
    /// Deletes the rows; the caller removes the files.
    async fn delete(&self, ids: &[Uuid]) -> StoreResult<()>;
    /// Every file the owner's assets keep under the originals root: originals and sidecars.
    async fn file_paths_of_owner(&self, owner_id: Uuid) -> StoreResult<Vec<String>>;
    async fn search(&self, search: &AssetSearch) -> StoreResult<Vec<AssetRecord>>;
    /// How many assets the search finds, ignoring its order and paging.
    async fn search_count(&self, search: &AssetSearch) -> StoreResult<i64>;
    /// The distinct non-empty values of `field` on the timeline assets of the owner (and the
    /// partners), among assets whose other fields equal `narrowed_by`; sorted.
    async fn exif_values(
        &self,
        owner_id: Uuid,
        partner_ids: &[Uuid],
        field: ExifField,
        narrowed_by: &[(ExifField, String)],
    ) -> StoreResult<Vec<String>>;
    /// (city, the newest photo taken there) for cities with at least `min_assets` timeline
    /// photos, by city name, at most `max_cities`.
    async fn city_samples(
        &self,
        owner_id: Uuid,
        partner_ids: &[Uuid],
        min_assets: i64,
        max_cities: i64,
    ) -> StoreResult<Vec<(String, Uuid)>>;
    async fn save_metadata(&self, id: Uuid, update: &MetadataUpdate) -> StoreResult<()>;
    async fn set_thumbhash(
        &self,
        id: Uuid,
        thumbhash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn upsert_file(&self, id: Uuid, file: &AssetFileRecord) -> StoreResult<()>;
    /// Pairs `id` with the owner's asset of the other type that carries the same live-photo
    /// content identifier: the still points at the video, the video is hidden and leaves
    /// every album. Returns (still, video) when a pair was made.
    async fn link_live_photo(&self, id: Uuid) -> StoreResult<Option<(Uuid, Uuid)>>;
    /// Pairs a motion photo's still with the video taken out of it, as `link_live_photo` pairs.
    async fn attach_motion_video(&self, still: Uuid, video: Uuid) -> StoreResult<()>;
    async fn files_of(&self, id: Uuid) -> StoreResult<Vec<AssetFileRecord>>;
    /// Records where the asset's XMP sidecar is (relative to the originals root), or that it
    /// has none.
    async fn set_sidecar_path(&self, id: Uuid, path: Option<&str>) -> StoreResult<()>;
    /// Ids after `after` in id order, `limit` at a time, of the (untrashed) assets `filter`
    /// keeps, for walking the whole library.
    async fn ids_page(
        &self,
        after: Option<Uuid>,
        limit: i64,
        filter: &AssetIdsFilter<'_>,
    ) -> StoreResult<Vec<Uuid>>;
    /// (first day of the month "YYYY-MM-01", asset count), in the filter's order.
    async fn time_buckets(&self, filter: &TimelineFilter) -> StoreResult<Vec<(String, i64)>>;
    /// The assets of the month starting on `month_start` ("YYYY-MM-01").
    async fn time_bucket(
        &self,
        filter: &TimelineFilter,
        month_start: &str,
    ) -> StoreResult<Vec<TimelineAsset>>;
    async fn stats(&self, owner_id: Uuid, filter: &AssetStatsFilter) -> StoreResult<AssetStats>;
    async fn usage_by_user(&self) -> StoreResult<Vec<UserUsage>>;
}

#[async_trait]
pub trait AlbumRepo: Send + Sync {
    async fn create(
        &self,
        album: &AlbumRecord,
        users: &[AlbumUserRecord],
        asset_ids: &[Uuid],
    ) -> StoreResult<()>;
    async fn get(&self, id: Uuid) -> StoreResult<Option<AlbumRecord>>;
    /// Albums the user owns or that are shared with them; `shared` narrows to
    /// albums that have other members (true) or none (false).
    async fn list_for_user(
        &self,
        user_id: Uuid,
        shared: Option<bool>,
        containing_asset: Option<Uuid>,
    ) -> StoreResult<Vec<AlbumRecord>>;
    async fn users_of(
        &self,
        album_ids: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, Vec<AlbumUserRecord>>>;
    async fn summaries(&self, album_ids: &[Uuid]) -> StoreResult<HashMap<Uuid, AlbumAssetSummary>>;
    /// Asset ids of the album, oldest taken first.
    async fn asset_ids(&self, album_id: Uuid) -> StoreResult<Vec<Uuid>>;
    async fn contained_asset_ids(&self, album_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
    async fn update(&self, id: Uuid, patch: &AlbumPatch, now: DateTime<Utc>) -> StoreResult<()>;
    async fn delete(&self, id: Uuid) -> StoreResult<()>;
    async fn add_assets(&self, album_id: Uuid, ids: &[Uuid], now: DateTime<Utc>)
    -> StoreResult<()>;
    async fn remove_assets(
        &self,
        album_id: Uuid,
        ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn upsert_user(&self, album_id: Uuid, user: &AlbumUserRecord) -> StoreResult<()>;
    async fn remove_user(&self, album_id: Uuid, user_id: Uuid) -> StoreResult<bool>;
}

#[async_trait]
pub trait TagRepo: Send + Sync {
    async fn get(&self, id: Uuid) -> StoreResult<Option<TagRecord>>;
    async fn get_by_value(&self, user_id: Uuid, value: &str) -> StoreResult<Option<TagRecord>>;
    /// The user's tags, by value.
    async fn list_for_user(&self, user_id: Uuid) -> StoreResult<Vec<TagRecord>>;
    /// Fails with `StoreError::Conflict` when the user already has the value.
    async fn create(&self, tag: &TagRecord) -> StoreResult<()>;
    /// The user's tag `value`, created under `parent_id` if missing; an existing
    /// one is moved under `parent_id`.
    async fn upsert_value(
        &self,
        user_id: Uuid,
        value: &str,
        parent_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> StoreResult<TagRecord>;
    async fn set_color(
        &self,
        id: Uuid,
        color: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<TagRecord>>;
    /// Removes the tag, the tags below it and their links to assets.
    async fn delete(&self, id: Uuid) -> StoreResult<()>;
    /// The subset of `ids` that are tags of `user_id`.
    async fn owned_ids(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
    /// The subset of `asset_ids` that carry the tag itself.
    async fn tagged_asset_ids(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
    /// Links each (tag, asset) pair not yet linked; returns how many were new.
    async fn add_assets(&self, links: &[(Uuid, Uuid)]) -> StoreResult<u64>;
    async fn remove_assets(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> StoreResult<()>;
    /// Makes `tag_ids` the asset's only tags.
    async fn replace_asset_tags(&self, asset_id: Uuid, tag_ids: &[Uuid]) -> StoreResult<()>;
    /// The tags on the asset itself, by value.
    async fn tags_of_asset(&self, asset_id: Uuid) -> StoreResult<Vec<TagRecord>>;
}

#[async_trait]
pub trait SystemRepo: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn get_metadata(&self, key: &str) -> StoreResult<Option<serde_json::Value>>;
    async fn set_metadata(&self, key: &str, value: &serde_json::Value) -> StoreResult<()>;
}

#[async_trait]
pub trait JobRepo: Send + Sync {
    /// Adds a job; returns false when a waiting or active job has the same dedupe key.
    async fn enqueue(&self, job: &JobRecord) -> StoreResult<bool>;
    /// Takes the next due job of `queue` (or one whose lease ran out) for `worker`
    /// until `lease_until`. Two workers never get the same job.
    async fn claim(
        &self,
        queue: &str,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<JobRecord>>;
    /// Fails the running jobs whose lease ran out on their last attempt: their process
    /// ended (a crash, a kill) every time it ran them, so running them again would only loop.
    /// Returns how many.
    async fn fail_abandoned(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Moves the lease of every running job claimed by a worker whose name starts with
    /// `worker_prefix` (one process's) to `until`: the process's heartbeat.
    async fn extend_leases(&self, worker_prefix: &str, until: DateTime<Utc>) -> StoreResult<()>;
    async fn complete(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    /// Records the error; the job runs again at `retry_at`, or fails for good when `None`.
    async fn fail(
        &self,
        id: Uuid,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn get(&self, id: Uuid) -> StoreResult<Option<JobRecord>>;
    /// Jobs of `queue` in any of `statuses` (`delayed` = waiting for a retry time), oldest first.
    async fn list(
        &self,
        queue: &str,
        statuses: &[String],
        now: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<JobRecord>>;
    async fn counts(&self, queue: &str, now: DateTime<Utc>) -> StoreResult<QueueCounts>;
    async fn set_paused(&self, queue: &str, paused: bool) -> StoreResult<()>;
    async fn paused_queues(&self) -> StoreResult<Vec<String>>;
    /// Removes waiting jobs; returns how many.
    async fn empty(&self, queue: &str) -> StoreResult<u64>;
    /// Removes jobs that failed for good; returns how many.
    async fn clear_failed(&self, queue: &str) -> StoreResult<u64>;
    /// Forgets completed jobs finished before `before`.
    async fn prune_completed(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

#[async_trait]
pub trait PartnerRepo: Send + Sync {
    /// Fails with `StoreError::Conflict` when the partnership exists.
    async fn create(&self, partner: &PartnerRecord) -> StoreResult<()>;
    async fn get(&self, shared_by: Uuid, shared_with: Uuid) -> StoreResult<Option<PartnerRecord>>;
    /// Partnerships the user is part of, either side.
    async fn list_for_user(&self, user_id: Uuid) -> StoreResult<Vec<PartnerRecord>>;
    /// Returns whether the partnership existed.
    async fn set_in_timeline(
        &self,
        shared_by: Uuid,
        shared_with: Uuid,
        in_timeline: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Returns whether the partnership existed.
    async fn delete(&self, shared_by: Uuid, shared_with: Uuid) -> StoreResult<bool>;
}

#[async_trait]
pub trait StackRepo: Send + Sync {
    /// Makes a stack of `asset_ids` (the first is the primary). Stacks those assets were in
    /// are merged into it: their other members join too.
    async fn create(
        &self,
        id: Uuid,
        owner_id: Uuid,
        asset_ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> StoreResult<StackRecord>;
    async fn get(&self, id: Uuid) -> StoreResult<Option<StackRecord>>;
    /// The stack `asset_id` belongs to.
    async fn of_asset(&self, asset_id: Uuid) -> StoreResult<Option<StackRecord>>;
    async fn list(
        &self,
        owner_id: Uuid,
        primary_asset_id: Option<Uuid>,
    ) -> StoreResult<Vec<StackRecord>>;
    async fn set_primary(&self, id: Uuid, asset_id: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    /// Dissolves stacks; their assets stay.
    async fn delete(&self, ids: &[Uuid]) -> StoreResult<()>;
    async fn remove_asset(&self, id: Uuid, asset_id: Uuid) -> StoreResult<()>;
    /// After the owner's assets were deleted: a stack left with fewer than two members
    /// dissolves, one whose primary went gets its earliest member as primary.
    async fn repair(&self, owner_id: Uuid) -> StoreResult<()>;
}

#[async_trait]
pub trait SharedLinkRepo: Send + Sync {
    /// Fails with `StoreError::Conflict` when the slug is taken.
    async fn create(&self, link: &SharedLinkRecord, asset_ids: &[Uuid]) -> StoreResult<()>;
    async fn get(&self, id: Uuid) -> StoreResult<Option<SharedLinkRecord>>;
    async fn get_by_key(&self, key: &str) -> StoreResult<Option<SharedLinkRecord>>;
    async fn get_by_slug(&self, slug: &str) -> StoreResult<Option<SharedLinkRecord>>;
    /// The user's links, newest first, narrowed to one id or one album when given.
    async fn list_for_user(
        &self,
        user_id: Uuid,
        id: Option<Uuid>,
        album_id: Option<Uuid>,
    ) -> StoreResult<Vec<SharedLinkRecord>>;
    /// Fails with `StoreError::Conflict` when the new slug is taken.
    async fn update(&self, id: Uuid, patch: &SharedLinkPatch) -> StoreResult<()>;
    async fn delete(&self, id: Uuid) -> StoreResult<()>;
    /// The assets added to the link itself (not its album's), oldest taken first.
    async fn asset_ids(&self, id: Uuid) -> StoreResult<Vec<Uuid>>;
    async fn add_assets(&self, id: Uuid, asset_ids: &[Uuid], now: DateTime<Utc>)
    -> StoreResult<()>;
    async fn remove_assets(&self, id: Uuid, asset_ids: &[Uuid]) -> StoreResult<()>;
    /// The subset of `album_ids` that some link shares.
    async fn shared_album_ids(&self, album_ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
    /// The subset of `ids` the link shows: its own assets, its album's, and the videos of
    /// those that are live photos; never trashed ones.
    async fn visible_asset_ids(&self, id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
}

#[async_trait]
pub trait MapRepo: Send + Sync {
    /// Untrashed, geotagged assets the filter keeps, newest file first.
    async fn markers(&self, filter: &MapMarkerFilter) -> StoreResult<Vec<MapMarker>>;
}

#[async_trait]
pub trait MemoryRepo: Send + Sync {
    async fn create(&self, memory: &MemoryRecord, asset_ids: &[Uuid]) -> StoreResult<()>;
    async fn get(&self, id: Uuid) -> StoreResult<Option<MemoryRecord>>;
    async fn search(&self, owner_id: Uuid, search: &MemorySearch)
    -> StoreResult<Vec<MemoryRecord>>;
    async fn count(&self, owner_id: Uuid, search: &MemorySearch) -> StoreResult<i64>;
    async fn update(&self, id: Uuid, patch: &MemoryPatch, now: DateTime<Utc>) -> StoreResult<()>;
    async fn delete(&self, id: Uuid) -> StoreResult<()>;
    /// The memories' untrashed timeline assets, oldest file first, by memory.
    async fn asset_ids(&self, memory_ids: &[Uuid]) -> StoreResult<HashMap<Uuid, Vec<Uuid>>>;
    /// The subset of `ids` already in the memory.
    async fn contained_asset_ids(&self, id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
    async fn add_assets(&self, id: Uuid, ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()>;
    async fn remove_assets(&self, id: Uuid, ids: &[Uuid], now: DateTime<Utc>) -> StoreResult<()>;
    /// The owner's untrashed timeline assets taken on `month_day` ("MM-DD", local time) in a
    /// year before `before_year`, as (year, ids oldest first), newest year first.
    async fn taken_on_day(
        &self,
        owner_id: Uuid,
        month_day: &str,
        before_year: i32,
    ) -> StoreResult<Vec<(i32, Vec<Uuid>)>>;
}

#[async_trait]
pub trait NotificationRepo: Send + Sync {
    async fn create(&self, notification: &NotificationRecord) -> StoreResult<()>;
    async fn get(&self, id: Uuid) -> StoreResult<Option<NotificationRecord>>;
    /// The user's notifications the filter keeps, newest first.
    async fn list(
        &self,
        user_id: Uuid,
        filter: &NotificationFilter,
    ) -> StoreResult<Vec<NotificationRecord>>;
    /// Marks those of `ids` that are the user's as read at `read_at` (or unread).
    async fn set_read(
        &self,
        user_id: Uuid,
        ids: &[Uuid],
        read_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    /// Removes those of `ids` that are the user's.
    async fn delete(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<()>;
}
