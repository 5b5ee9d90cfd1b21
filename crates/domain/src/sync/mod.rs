//! The mobile app's sync: a stream of changes since the session's checkpoints, and the
//! acknowledgements that move those checkpoints.
//!
//! Lines go out per requested type in Immich's order, deletes before upserts; a partner or
//! album that appears after the client's first sync is backfilled. Checkpoints only ever
//! move to what the client acknowledged (plus the one marker a first sync leaves for its
//! backfills), so a client that drops the connection loses nothing.

mod acks;
mod types;

use std::collections::HashMap;

use chrono::Utc;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use shoebox_store::sync::{
    PositionedRow, SyncAudience, SyncCheckpoint, SyncHorizon, SyncNewest, SyncParent,
    SyncParentKind, SyncPosition, SyncRange, SyncRow, SyncSource,
};
use shoebox_store::{StoreError, StoreResult};
use tokio::sync::mpsc;
use uuid::Uuid;

pub use acks::{Ack, AckExtra};
pub use types::{SyncEntityType, SyncRequestType};

use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

/// Most acknowledgements one request may carry (Immich's limit).
pub const MAX_ACKS: usize = 1000;
/// Tombstones are kept this long; a client that has not completed a sync since must reset.
pub const TOMBSTONE_DAYS: i64 = 31;
/// Lines produced ahead of the client.
const LINES_AHEAD: usize = 256;

/// One line of the stream: its type, the row it carries (none for the protocol's own
/// markers) and the acknowledgement the client sends back for it.
#[derive(Debug, Clone)]
pub struct SyncLine {
    pub entity: SyncEntityType,
    pub row: Option<SyncRow>,
    pub ack: String,
}

impl SyncLine {
    fn marker(entity: SyncEntityType, ack: String) -> Self {
        Self {
            entity,
            row: None,
            ack,
        }
    }
}

fn session_of(ctx: &AuthContext) -> DomainResult<Uuid> {
    ctx.session_id
        .ok_or_else(|| DomainError::Forbidden("Sync endpoints cannot be used with API keys".into()))
}

type Checkpoints = HashMap<SyncEntityType, Ack>;

impl Domain {
    pub async fn sync_acks(
        &self,
        ctx: &AuthContext,
    ) -> DomainResult<Vec<(SyncEntityType, String)>> {
        let session = session_of(ctx)?;
        Ok(self
            .store
            .sync
            .checkpoints(session)
            .await?
            .into_iter()
            .filter_map(|c| SyncEntityType::parse(&c.entity_type).map(|t| (t, c.ack)))
            .collect())
    }

    /// Saves the newest acknowledgement of each type. `SyncResetV1` among them resets the
    /// session instead, as Immich does.
    pub async fn sync_ack(&self, ctx: &AuthContext, acks: &[String]) -> DomainResult<()> {
        let session = session_of(ctx)?;
        if acks.len() > MAX_ACKS {
            return Err(DomainError::BadRequest(format!(
                "acks must contain no more than {MAX_ACKS} elements"
            )));
        }
        let mut newest: Checkpoints = HashMap::new();
        for raw in acks {
            let ack = Ack::parse(raw)?;
            if ack.entity == SyncEntityType::SyncResetV1 {
                self.store.sync.reset_session(session).await?;
                return Ok(());
            }
            match newest.get(&ack.entity) {
                Some(kept) if !ack.is_after(kept) => {}
                _ => {
                    newest.insert(ack.entity, ack);
                }
            }
        }
        let checkpoints: Vec<SyncCheckpoint> = newest
            .values()
            .map(|a| SyncCheckpoint {
                entity_type: a.entity.as_str().to_string(),
                ack: a.to_string(),
            })
            .collect();
        self.store
            .sync
            .save_checkpoints(session, &checkpoints, Utc::now())
            .await?;
        Ok(())
    }

    pub async fn sync_ack_delete(
        &self,
        ctx: &AuthContext,
        types: Option<&[SyncEntityType]>,
    ) -> DomainResult<()> {
        let session = session_of(ctx)?;
        let types: Option<Vec<String>> =
            types.map(|t| t.iter().map(|t| t.as_str().to_string()).collect());
        self.store
            .sync
            .delete_checkpoints(session, types.as_deref())
            .await?;
        Ok(())
    }

    /// Removes tombstones no client may still need (the nightly clean-up).
    pub async fn prune_sync_tombstones(&self) -> DomainResult<()> {
        let before = Utc::now() - chrono::Duration::days(TOMBSTONE_DAYS);
        if let Some(through) = self.store.sync.prune_tombstones(before).await? {
            tracing::info!(%through, "pruned sync tombstones");
        }
        Ok(())
    }

    /// The lines of one sync. Refusals (API keys, deprecated types) come before any line.
    pub async fn sync_stream(
        &self,
        ctx: &AuthContext,
        requested: &[SyncRequestType],
        reset: bool,
    ) -> DomainResult<BoxStream<'static, DomainResult<SyncLine>>> {
        let session = session_of(ctx)?;
        if let Some(old) = SyncRequestType::ALL
            .iter()
            .find(|t| requested.contains(t) && t.replacement().is_some())
        {
            let new = old.replacement().expect("checked above");
            return Err(DomainError::BadRequest(format!(
                "SyncRequestType.{} is deprecated, use SyncRequestType.{} instead",
                old.as_str(),
                new.as_str()
            )));
        }
        if reset {
            self.store.sync.reset_session(session).await?;
        }
        let reset_line = || {
            futures_util::stream::iter([Ok(SyncLine::marker(
                SyncEntityType::SyncResetV1,
                format!("{}|reset", SyncEntityType::SyncResetV1.as_str()),
            ))])
            .boxed()
        };
        // What the stream starts from, read side by side (each is one round trip).
        let sync = &self.store.sync;
        let (pending_reset, checkpoints, pruned, (horizon, newest), audience) = tokio::try_join!(
            sync.is_pending_reset(session),
            self.load_checkpoints(session),
            sync.pruned_through(),
            async {
                // Read after the horizon, so at least as new as anything inside it.
                let horizon = sync.horizon().await?;
                Ok::<_, StoreError>((horizon, sync.newest().await?))
            },
            sync.audience(ctx.user_id()),
        )?;
        if pending_reset || too_old(&checkpoints, pruned) {
            return Ok(reset_line());
        }
        let run = StreamRun {
            domain: self.clone(),
            audience,
            session,
            checkpoints,
            horizon,
            newest,
        };
        let requested = requested.to_vec();
        let (tx, rx) = mpsc::channel(LINES_AHEAD);
        tokio::spawn(async move {
            run.all(&requested, &Out(tx)).await;
        });
        Ok(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed())
    }

    async fn load_checkpoints(&self, session: Uuid) -> StoreResult<Checkpoints> {
        let mut map = HashMap::new();
        for c in self.store.sync.checkpoints(session).await? {
            // A checkpoint this version cannot read is as good as none: the type starts over.
            if let Ok(ack) = Ack::parse(&c.ack) {
                map.insert(ack.entity, ack);
            }
        }
        Ok(map)
    }
}

/// Whether tombstones the client may not have seen were pruned (through `pruned`): then it
/// must reset.
fn too_old(checkpoints: &Checkpoints, pruned: Option<SyncPosition>) -> bool {
    let Some(pruned) = pruned else {
        return false;
    };
    let reference = match checkpoints.get(&SyncEntityType::SyncCompleteV1) {
        Some(complete) => Some(complete.position),
        None => checkpoints.values().map(|a| a.position).min(),
    };
    reference.is_some_and(|p| p < pruned)
}

/// Where a running stream sends its lines; a closed channel means the client left.
struct Out(mpsc::Sender<DomainResult<SyncLine>>);

impl Out {
    /// Returns false once the client is gone.
    async fn send(&self, line: DomainResult<SyncLine>) -> bool {
        self.0.send(line).await.is_ok()
    }

    /// Sends the error that ends the stream early.
    async fn fail(&self, e: impl Into<DomainError>) -> Gone {
        self.send(Err(e.into())).await;
        Gone
    }
}

/// The stream cannot go on: the client left, or an error was sent as its last item.
struct Gone;

struct StreamRun {
    domain: Domain,
    audience: SyncAudience,
    session: Uuid,
    checkpoints: Checkpoints,
    horizon: SyncHorizon,
    newest: SyncNewest,
}

impl StreamRun {
    fn checkpoint(&self, entity: SyncEntityType) -> Option<&Ack> {
        self.checkpoints.get(&entity)
    }

    /// The rows of `source` in `range`; none without asking the store when nothing of the
    /// source changed after the range's start.
    fn read(
        &self,
        source: SyncSource,
        range: SyncRange,
    ) -> BoxStream<'static, StoreResult<PositionedRow>> {
        if !self.newest.may_have_rows(source, range.after) {
            return futures_util::stream::empty().boxed();
        }
        self.domain.store.sync.rows(&self.audience, source, range)
    }

    fn range_after(&self, entity: SyncEntityType) -> SyncRange {
        SyncRange {
            after: self.checkpoint(entity).map(|a| a.position),
            through: None,
            horizon: self.horizon,
        }
    }

    async fn all(&self, requested: &[SyncRequestType], out: &Out) {
        for t in SyncRequestType::ALL {
            if requested.contains(t) && self.one(*t, out).await.is_err() {
                return;
            }
        }
        let now = self.horizon.now();
        out.send(Ok(SyncLine::marker(
            SyncEntityType::SyncCompleteV1,
            format!("{}|{now}", SyncEntityType::SyncCompleteV1.as_str()),
        )))
        .await;
    }

    async fn one(&self, t: SyncRequestType, out: &Out) -> Result<(), Gone> {
        use SyncEntityType as E;
        use SyncRequestType as R;
        use SyncSource as S;
        match t {
            R::AuthUsersV1 => self.upserts(E::AuthUserV1, S::AuthUser, out).await,
            R::UsersV1 => {
                self.upserts(E::UserDeleteV1, S::UserDeletes, out).await?;
                self.upserts(E::UserV1, S::Users, out).await
            }
            R::PartnersV1 => {
                self.upserts(E::PartnerDeleteV1, S::PartnerDeletes, out)
                    .await?;
                self.upserts(E::PartnerV1, S::Partners, out).await
            }
            R::AssetsV2 => {
                self.upserts(E::AssetDeleteV1, S::AssetDeletes, out).await?;
                self.upserts(E::AssetV2, S::Assets, out).await
            }
            R::StacksV1 => {
                self.upserts(E::StackDeleteV1, S::StackDeletes, out).await?;
                self.upserts(E::StackV1, S::Stacks, out).await
            }
            R::PartnerAssetsV2 => {
                self.upserts(E::PartnerAssetDeleteV1, S::PartnerAssetDeletes, out)
                    .await?;
                self.backfill(
                    E::PartnerAssetBackfillV2,
                    E::PartnerAssetV2,
                    SyncParentKind::Partners,
                    S::PartnerAssetBackfill,
                    out,
                )
                .await?;
                self.upserts(E::PartnerAssetV2, S::PartnerAssets, out).await
            }
            R::PartnerStacksV1 => {
                self.upserts(E::PartnerStackDeleteV1, S::PartnerStackDeletes, out)
                    .await?;
                self.backfill(
                    E::PartnerStackBackfillV1,
                    E::PartnerStackV1,
                    SyncParentKind::Partners,
                    S::PartnerStackBackfill,
                    out,
                )
                .await?;
                self.upserts(E::PartnerStackV1, S::PartnerStacks, out).await
            }
            R::AlbumAssetsV2 => {
                self.album_assets(
                    [
                        E::AlbumAssetBackfillV2,
                        E::AlbumAssetCreateV2,
                        E::AlbumAssetUpdateV2,
                    ],
                    S::AlbumAssetCreates,
                    S::AlbumAssetBackfill,
                    S::AlbumAssetUpdates,
                    out,
                )
                .await
            }
            R::AlbumsV1 | R::AlbumsV2 => {
                self.upserts(E::AlbumDeleteV1, S::AlbumDeletes, out).await?;
                let entity = if t == R::AlbumsV1 {
                    E::AlbumV1
                } else {
                    E::AlbumV2
                };
                self.upserts(entity, S::Albums, out).await
            }
            R::AlbumUsersV1 => {
                self.upserts(E::AlbumUserDeleteV1, S::AlbumUserDeletes, out)
                    .await?;
                self.backfill(
                    E::AlbumUserBackfillV1,
                    E::AlbumUserV1,
                    SyncParentKind::Albums,
                    S::AlbumUserBackfill,
                    out,
                )
                .await?;
                self.upserts(E::AlbumUserV1, S::AlbumUsers, out).await
            }
            R::AlbumToAssetsV1 => {
                self.upserts(E::AlbumToAssetDeleteV1, S::AlbumToAssetDeletes, out)
                    .await?;
                self.backfill(
                    E::AlbumToAssetBackfillV1,
                    E::AlbumToAssetV1,
                    SyncParentKind::Albums,
                    S::AlbumToAssetBackfill,
                    out,
                )
                .await?;
                self.upserts(E::AlbumToAssetV1, S::AlbumToAssets, out).await
            }
            R::AssetExifsV1 => self.upserts(E::AssetExifV1, S::AssetExifs, out).await,
            R::AlbumAssetExifsV1 => {
                self.album_assets(
                    [
                        E::AlbumAssetExifBackfillV1,
                        E::AlbumAssetExifCreateV1,
                        E::AlbumAssetExifUpdateV1,
                    ],
                    S::AlbumAssetExifCreates,
                    S::AlbumAssetExifBackfill,
                    S::AlbumAssetExifUpdates,
                    out,
                )
                .await
            }
            R::AssetOcrV1 => {
                self.upserts(E::AssetOcrDeleteV1, S::AssetOcrDeletes, out)
                    .await?;
                self.upserts(E::AssetOcrV1, S::AssetOcr, out).await
            }
            R::PartnerAssetExifsV1 => {
                self.backfill(
                    E::PartnerAssetExifBackfillV1,
                    E::PartnerAssetExifV1,
                    SyncParentKind::Partners,
                    S::PartnerAssetExifBackfill,
                    out,
                )
                .await?;
                self.upserts(E::PartnerAssetExifV1, S::PartnerAssetExifs, out)
                    .await
            }
            R::MemoriesV1 => {
                self.upserts(E::MemoryDeleteV1, S::MemoryDeletes, out)
                    .await?;
                self.upserts(E::MemoryV1, S::Memories, out).await
            }
            R::MemoryToAssetsV1 => {
                self.upserts(E::MemoryToAssetDeleteV1, S::MemoryToAssetDeletes, out)
                    .await?;
                self.upserts(E::MemoryToAssetV1, S::MemoryToAssets, out)
                    .await
            }
            R::PeopleV1 => {
                self.upserts(E::PersonDeleteV1, S::PersonDeletes, out)
                    .await?;
                self.upserts(E::PersonV1, S::People, out).await
            }
            R::AssetFacesV2 => {
                self.upserts(E::AssetFaceDeleteV1, S::AssetFaceDeletes, out)
                    .await?;
                self.upserts(E::AssetFaceV2, S::AssetFaces, out).await
            }
            R::UserMetadataV1 => self.upserts(E::UserMetadataV1, S::UserMetadata, out).await,
            R::AssetMetadataV1 => {
                self.upserts(E::AssetMetadataDeleteV1, S::AssetMetadataDeletes, out)
                    .await?;
                self.upserts(E::AssetMetadataV1, S::AssetMetadata, out)
                    .await
            }
            // Shoebox keeps no edits yet: there is nothing to send.
            R::AssetEditsV1 => Ok(()),
            // Refused before the stream starts.
            R::AssetsV1 | R::PartnerAssetsV1 | R::AlbumAssetsV1 | R::AssetFacesV1 => Ok(()),
        }
    }

    /// A row as the syncing user may see it: whether someone else's asset is a favourite
    /// is theirs to know (Immich sends `false`).
    fn as_seen(&self, mut row: SyncRow) -> SyncRow {
        if let SyncRow::Asset(a) = &mut row
            && a.owner_id != self.audience.user_id
        {
            a.is_favorite = false;
        }
        row
    }

    /// Sends `rows` as lines of `entity`, each acknowledged by `ack_for`.
    async fn send_rows(
        &self,
        entity: SyncEntityType,
        mut rows: BoxStream<'static, StoreResult<PositionedRow>>,
        ack_for: impl Fn(SyncPosition) -> String,
        out: &Out,
    ) -> Result<(), Gone> {
        while let Some(item) = rows.next().await {
            let line = item.map_err(DomainError::from).map(|r| SyncLine {
                entity,
                ack: ack_for(r.position),
                row: Some(self.as_seen(r.row)),
            });
            let failed = line.is_err();
            if !out.send(line).await || failed {
                return Err(Gone);
            }
        }
        Ok(())
    }

    /// Rows of `source` after the client's checkpoint for `entity`.
    async fn upserts(
        &self,
        entity: SyncEntityType,
        source: SyncSource,
        out: &Out,
    ) -> Result<(), Gone> {
        let rows = self.read(source, self.range_after(entity));
        self.send_rows(entity, rows, |p| Ack::plain(entity, p).to_string(), out)
            .await
    }

    /// Sends the rows of partners or albums that appeared after the client's first sync,
    /// up to where the client's ordinary lines of `end` reached; the ordinary lines send
    /// the rest. Each parent ends with a `SyncAckV1` that marks it complete.
    async fn backfill(
        &self,
        entity: SyncEntityType,
        end: SyncEntityType,
        kind: SyncParentKind,
        source: fn(Uuid) -> SyncSource,
        out: &Out,
    ) -> Result<(), Gone> {
        let store = &self.domain.store.sync;
        let mark = self.checkpoint(entity);
        // Parents that began inside the horizon, from the one the client was backfilling on.
        let parents: Vec<SyncParent> = self
            .audience
            .parents(kind)
            .iter()
            .filter(|p| self.horizon.contains(p.created))
            .filter(|p| mark.is_none_or(|m| p.created >= m.position))
            .copied()
            .collect();
        let Some(end) = self.checkpoint(end).map(|a| a.position) else {
            // A first sync: the ordinary lines send everything, so every parent so far
            // counts as backfilled.
            if let Some(last) = parents.last() {
                let ack = Ack::backfill(entity, last.created, AckExtra::Complete);
                let saved = store
                    .save_checkpoints(
                        self.session,
                        &[SyncCheckpoint {
                            entity_type: entity.as_str().into(),
                            ack: ack.to_string(),
                        }],
                        Utc::now(),
                    )
                    .await;
                if let Err(e) = saved {
                    return Err(out.fail(e).await);
                }
            }
            return Ok(());
        };
        for parent in parents {
            let resume = match mark {
                Some(m) if m.position == parent.created => match m.extra {
                    AckExtra::Complete => continue,
                    AckExtra::At(p) => Some(p),
                    AckExtra::None => None,
                },
                _ => None,
            };
            let range = SyncRange {
                after: resume,
                through: Some(end),
                horizon: self.horizon,
            };
            let rows = self.read(source(parent.id), range);
            let created = parent.created;
            self.send_rows(
                entity,
                rows,
                |p| Ack::backfill(entity, created, AckExtra::At(p)).to_string(),
                out,
            )
            .await?;
            let done = Ack::backfill(entity, created, AckExtra::Complete);
            if !out
                .send(Ok(SyncLine::marker(
                    SyncEntityType::SyncAckV1,
                    done.to_string(),
                )))
                .await
            {
                return Err(Gone);
            }
        }
        Ok(())
    }

    /// Album assets (or their EXIF): backfills for new albums, then changes to assets the
    /// client already has through an album, then assets newly added to albums. Before the
    /// first new one, a `SyncAckV1` moves the client's update checkpoint to now, since a
    /// new line carries the asset as it is.
    async fn album_assets(
        &self,
        [backfill, create, update]: [SyncEntityType; 3],
        creates: SyncSource,
        backfill_source: fn(Uuid) -> SyncSource,
        updates: fn(SyncPosition) -> SyncSource,
        out: &Out,
    ) -> Result<(), Gone> {
        self.backfill(
            backfill,
            create,
            SyncParentKind::Albums,
            backfill_source,
            out,
        )
        .await?;
        if let Some(created) = self.checkpoint(create).map(|a| a.position) {
            self.upserts(update, updates(created), out).await?;
        }
        let mut rows = self.read(creates, self.range_after(create)).peekable();
        if std::pin::Pin::new(&mut rows).peek().await.is_some() {
            let now = Ack::plain(update, self.horizon.now());
            if !out
                .send(Ok(SyncLine::marker(
                    SyncEntityType::SyncAckV1,
                    now.to_string(),
                )))
                .await
            {
                return Err(Gone);
            }
        }
        self.send_rows(
            create,
            rows.boxed(),
            |p| Ack::plain(create, p).to_string(),
            out,
        )
        .await
    }
}
