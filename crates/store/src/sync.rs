//! Change tracking for the mobile app's sync stream: positions, what each line reads, and
//! the repository that reads it in position order.
//!
//! Every tracked row carries a [`SyncPosition`] that each write moves forward, and every
//! delete (or loss of access) leaves a tombstone with a position of its own; the backend's
//! triggers stamp them, so no write path can forget. See the store-sql migration
//! `0023_sync.sql` for why a position has two parts on PostgreSQL.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use uuid::Uuid;

use crate::StoreResult;
use crate::faces::{FaceRecord, PersonRecord};
use crate::ocr::OcrRecord;
use crate::records::{AlbumRecord, AssetRecord, MemoryRecord, PartnerRecord, UserRecord};

/// Where a change stands in the order the stream sends changes: the writing transaction's
/// id (PostgreSQL; 0 on SQLite), then a number from one global sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SyncPosition {
    pub xid: i64,
    pub id: i64,
}

impl fmt::Display for SyncPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.xid, self.id)
    }
}

impl FromStr for SyncPosition {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (xid, id) = s.split_once('-').ok_or(())?;
        Ok(Self {
            xid: xid.parse().map_err(|_| ())?,
            id: id.parse().map_err(|_| ())?,
        })
    }
}

/// The changes one stream may send: only those whose writers had finished when it began.
/// Rows past the horizon wait for the next stream, so a stream never sees half of a write
/// and no later write can land behind what a client acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncHorizon {
    /// Every transaction below this id had ended (PostgreSQL's snapshot xmin; 1 on SQLite).
    pub xid_below: i64,
    /// The highest sequence number that may be read (SQLite's counter; `i64::MAX` on PostgreSQL).
    pub id_at_most: i64,
}

impl SyncHorizon {
    /// The highest position inside the horizon: every later change sorts after it.
    pub fn now(&self) -> SyncPosition {
        SyncPosition {
            xid: self.xid_below - 1,
            id: self.id_at_most,
        }
    }

    pub fn contains(&self, p: SyncPosition) -> bool {
        p.xid < self.xid_below && p.id <= self.id_at_most
    }
}

/// Which rows one part of the stream reads, for whom. "Mine" is the syncing user's;
/// "partner" rows belong to users who share their library with them; "album" rows are
/// those of albums they own or are a member of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncSource {
    AuthUser,
    Users,
    UserDeletes,
    Partners,
    PartnerDeletes,
    Assets,
    AssetDeletes,
    PartnerAssets,
    PartnerAssetDeletes,
    /// One partner's assets, for a partner that appeared after the client's first sync.
    PartnerAssetBackfill(Uuid),
    Stacks,
    StackDeletes,
    PartnerStacks,
    PartnerStackDeletes,
    PartnerStackBackfill(Uuid),
    /// Assets newly linked to the user's albums, positioned by the link.
    AlbumAssetCreates,
    /// Changed assets whose link to one of the user's albums is at or before the position.
    AlbumAssetUpdates(SyncPosition),
    AlbumAssetBackfill(Uuid),
    Albums,
    AlbumDeletes,
    AlbumUsers,
    AlbumUserDeletes,
    AlbumUserBackfill(Uuid),
    AlbumToAssets,
    AlbumToAssetDeletes,
    AlbumToAssetBackfill(Uuid),
    AssetExifs,
    AlbumAssetExifCreates,
    AlbumAssetExifUpdates(SyncPosition),
    AlbumAssetExifBackfill(Uuid),
    PartnerAssetExifs,
    PartnerAssetExifBackfill(Uuid),
    AssetOcr,
    AssetOcrDeletes,
    Memories,
    MemoryDeletes,
    MemoryToAssets,
    MemoryToAssetDeletes,
    People,
    PersonDeletes,
    AssetFaces,
    AssetFaceDeletes,
    UserMetadata,
    AssetMetadata,
    AssetMetadataDeletes,
}

impl SyncSource {
    /// The changes whose positions order this source's rows: when none of them is newer
    /// than a client's checkpoint, the source has nothing to send it.
    pub fn changes(self) -> &'static [SyncChange] {
        use SyncChange as C;
        use SyncSource::*;
        use SyncTombstoneKind as T;
        match self {
            AuthUser | Users | UserMetadata => &[C::Users],
            UserDeletes => &[C::Deleted(T::User)],
            Partners => &[C::Partners],
            PartnerDeletes => &[C::Deleted(T::Partner)],
            Assets | PartnerAssets | PartnerAssetBackfill(_) | AlbumAssetUpdates(_) => &[C::Assets],
            AssetDeletes | PartnerAssetDeletes => &[C::Deleted(T::Asset)],
            Stacks | PartnerStacks | PartnerStackBackfill(_) => &[C::Stacks],
            StackDeletes | PartnerStackDeletes => &[C::Deleted(T::Stack)],
            AlbumAssetCreates
            | AlbumAssetBackfill(_)
            | AlbumToAssets
            | AlbumToAssetBackfill(_)
            | AlbumAssetExifCreates
            | AlbumAssetExifBackfill(_) => &[C::AlbumAssets],
            Albums => &[C::Albums],
            AlbumDeletes => &[C::Deleted(T::Album)],
            // The owner's line is positioned where the album began.
            AlbumUsers | AlbumUserBackfill(_) => &[C::AlbumUsers, C::Albums],
            AlbumUserDeletes => &[C::Deleted(T::AlbumUser)],
            AlbumToAssetDeletes => &[C::Deleted(T::AlbumAsset)],
            AssetExifs
            | PartnerAssetExifs
            | PartnerAssetExifBackfill(_)
            | AlbumAssetExifUpdates(_) => &[C::AssetExif],
            AssetOcr => &[C::AssetOcr],
            AssetOcrDeletes => &[C::Deleted(T::Ocr)],
            Memories => &[C::Memories],
            MemoryDeletes => &[C::Deleted(T::Memory)],
            MemoryToAssets => &[C::MemoryAssets],
            MemoryToAssetDeletes => &[C::Deleted(T::MemoryAsset)],
            People => &[C::People],
            PersonDeletes => &[C::Deleted(T::Person)],
            AssetFaces => &[C::AssetFaces],
            AssetFaceDeletes => &[C::Deleted(T::Face)],
            AssetMetadata => &[C::AssetMetadata],
            AssetMetadataDeletes => &[C::Deleted(T::AssetMetadata)],
        }
    }
}

/// What a tombstone stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncTombstoneKind {
    User,
    Partner,
    Asset,
    Stack,
    Album,
    AlbumUser,
    AlbumAsset,
    Ocr,
    Memory,
    MemoryAsset,
    Person,
    Face,
    AssetMetadata,
}

impl SyncTombstoneKind {
    pub const ALL: [Self; 13] = [
        Self::User,
        Self::Partner,
        Self::Asset,
        Self::Stack,
        Self::Album,
        Self::AlbumUser,
        Self::AlbumAsset,
        Self::Ocr,
        Self::Memory,
        Self::MemoryAsset,
        Self::Person,
        Self::Face,
        Self::AssetMetadata,
    ];

    /// The `kind` the triggers write.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Partner => "partner",
            Self::Asset => "asset",
            Self::Stack => "stack",
            Self::Album => "album",
            Self::AlbumUser => "album_user",
            Self::AlbumAsset => "album_asset",
            Self::Ocr => "ocr",
            Self::Memory => "memory",
            Self::MemoryAsset => "memory_asset",
            Self::Person => "person",
            Self::Face => "face",
            Self::AssetMetadata => "asset_metadata",
        }
    }
}

/// A kind of change the store tracks: a write to one table, or a tombstone of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncChange {
    Users,
    Assets,
    AssetExif,
    Albums,
    AlbumUsers,
    AlbumAssets,
    Partners,
    Stacks,
    Memories,
    MemoryAssets,
    People,
    AssetFaces,
    AssetOcr,
    AssetMetadata,
    Deleted(SyncTombstoneKind),
}

/// The newest position of each kind of change, read when a stream starts. A source none of
/// whose changes is newer than the client's checkpoint is not read at all, so an
/// incremental sync costs a query per kind of change the client has not seen, whatever
/// the size of the library.
#[derive(Debug, Clone, Default)]
pub struct SyncNewest(HashMap<SyncChange, SyncPosition>);

impl SyncNewest {
    pub fn new(newest: HashMap<SyncChange, SyncPosition>) -> Self {
        Self(newest)
    }

    /// Whether `source` may have rows after `after`, or at all when there is no `after`
    /// (a type the client never received a line of: most are empty for most users, and
    /// would otherwise be read on every sync).
    pub fn may_have_rows(&self, source: SyncSource, after: Option<SyncPosition>) -> bool {
        source.changes().iter().any(|c| {
            self.0
                .get(c)
                .is_some_and(|newest| after.is_none_or(|after| *newest > after))
        })
    }
}

/// Whom a stream reads for: the user, the users who share their library with them and the
/// albums they own or are a member of, each with where it began for the user, as they stood
/// when the stream began.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncAudience {
    pub user_id: Uuid,
    pub partners: Vec<SyncParent>,
    pub albums: Vec<SyncParent>,
}

impl SyncAudience {
    pub fn parents(&self, kind: SyncParentKind) -> &[SyncParent] {
        match kind {
            SyncParentKind::Partners => &self.partners,
            SyncParentKind::Albums => &self.albums,
        }
    }

    pub fn ids(&self, kind: SyncParentKind) -> Vec<Uuid> {
        self.parents(kind).iter().map(|p| p.id).collect()
    }
}

/// The range of positions a read covers: after a checkpoint, and for a backfill, up to the
/// position the client's ordinary lines had reached.
#[derive(Debug, Clone, Copy)]
pub struct SyncRange {
    pub after: Option<SyncPosition>,
    pub through: Option<SyncPosition>,
    pub horizon: SyncHorizon,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncAlbumUser {
    pub album_id: Uuid,
    pub user_id: Uuid,
    /// `owner`, `editor` or `viewer`.
    pub role: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncStack {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub primary_asset_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A deleted row, or one the user lost access to, as its tombstone keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncTombstone {
    pub id1: String,
    pub id2: Option<String>,
    pub deleted_at: DateTime<Utc>,
}

/// One row the stream sends, as the store reads it.
#[derive(Debug, Clone)]
pub enum SyncRow {
    /// The syncing user, with the bytes their assets take.
    AuthUser(Box<UserRecord>, i64),
    User(Box<UserRecord>),
    Asset(Box<AssetRecord>),
    /// The asset with its EXIF (exif lines need the file size from the asset).
    Exif(Box<AssetRecord>),
    Album(AlbumRecord),
    AlbumUser(SyncAlbumUser),
    AlbumToAsset {
        album_id: Uuid,
        asset_id: Uuid,
    },
    Partner(PartnerRecord),
    Stack(SyncStack),
    Memory(Box<MemoryRecord>),
    MemoryToAsset {
        memory_id: Uuid,
        asset_id: Uuid,
    },
    Person(PersonRecord),
    Face(FaceRecord),
    Ocr(OcrRecord),
    UserMetadata {
        user_id: Uuid,
        key: String,
        value: serde_json::Value,
    },
    AssetMetadata {
        asset_id: Uuid,
        key: String,
        value: serde_json::Value,
    },
    Deleted(SyncTombstone),
}

#[derive(Debug, Clone)]
pub struct PositionedRow {
    pub position: SyncPosition,
    pub row: SyncRow,
}

/// A partner or album whose rows a client may need backfilled, and where it began for the
/// user (the partnership or the membership; an album's own start for its owner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncParent {
    pub id: Uuid,
    pub created: SyncPosition,
}

/// A session's acknowledged line for one type, as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCheckpoint {
    pub entity_type: String,
    pub ack: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncParentKind {
    /// Users who share their library with the syncing user.
    Partners,
    /// Albums the syncing user owns or is a member of.
    Albums,
}

#[async_trait]
pub trait SyncRepo: Send + Sync {
    /// The horizon of a stream starting now.
    async fn horizon(&self) -> StoreResult<SyncHorizon>;
    /// The newest position of every kind of change (read after the horizon, so that it is
    /// at least as new as anything inside it).
    async fn newest(&self) -> StoreResult<SyncNewest>;
    /// The user's partners and albums, oldest first.
    async fn audience(&self, user_id: Uuid) -> StoreResult<SyncAudience>;
    /// The rows of `source` for `audience` inside `range`, in position order, read as they
    /// are sent (never all at once).
    fn rows(
        &self,
        audience: &SyncAudience,
        source: SyncSource,
        range: SyncRange,
    ) -> BoxStream<'static, StoreResult<PositionedRow>>;
    async fn checkpoints(&self, session_id: Uuid) -> StoreResult<Vec<SyncCheckpoint>>;
    async fn save_checkpoints(
        &self,
        session_id: Uuid,
        checkpoints: &[SyncCheckpoint],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Deletes the session's checkpoints of these types, or all of them.
    async fn delete_checkpoints(
        &self,
        session_id: Uuid,
        types: Option<&[String]>,
    ) -> StoreResult<()>;
    /// Forgets every checkpoint of the session and clears its pending-reset flag.
    async fn reset_session(&self, session_id: Uuid) -> StoreResult<()>;
    async fn is_pending_reset(&self, session_id: Uuid) -> StoreResult<bool>;
    async fn set_pending_reset(&self, session_id: Uuid, pending: bool) -> StoreResult<()>;
    /// Removes tombstones older than `before`; returns the highest position removed, which
    /// the store also remembers (see `pruned_through`).
    async fn prune_tombstones(&self, before: DateTime<Utc>) -> StoreResult<Option<SyncPosition>>;
    /// The highest position of a pruned tombstone: a client whose checkpoints are older
    /// may have missed deletes and must start over.
    async fn pruned_through(&self) -> StoreResult<Option<SyncPosition>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(id: i64) -> SyncPosition {
        SyncPosition { xid: 0, id }
    }

    #[test]
    fn a_source_is_read_only_when_a_change_it_shows_is_newer_than_the_checkpoint() {
        let newest = SyncNewest::new(HashMap::from([
            (SyncChange::Assets, at(10)),
            (SyncChange::Deleted(SyncTombstoneKind::Asset), at(4)),
            (SyncChange::Albums, at(7)),
        ]));
        assert!(newest.may_have_rows(SyncSource::Assets, Some(at(9))));
        assert!(!newest.may_have_rows(SyncSource::Assets, Some(at(10))));
        assert!(newest.may_have_rows(SyncSource::Assets, None));
        assert!(!newest.may_have_rows(SyncSource::AssetDeletes, Some(at(4))));
        // Nothing of its kind exists: nothing to read, even for a client that never had a line.
        assert!(!newest.may_have_rows(SyncSource::Stacks, None));
        assert!(!newest.may_have_rows(SyncSource::MemoryDeletes, None));
        // An owner's membership line is positioned by the album itself.
        assert!(newest.may_have_rows(SyncSource::AlbumUsers, Some(at(5))));
    }
}
