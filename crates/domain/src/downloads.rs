//! Downloads: planning archives by size and streaming a zip of originals.
//!
//! The zip is written on a blocking thread straight into a bounded channel that the HTTP
//! body reads, so memory stays at a few chunks whatever the archive's size, and a client
//! that goes away stops the writer at its next chunk.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::PathBuf;

use shoebox_store::records::{AssetRecord, AssetSearch, SearchOrder};
use tokio::sync::mpsc;
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::assets::no_access;
use crate::auth::AuthContext;
use crate::shared_links::link_allows;
use crate::{Domain, DomainError, DomainResult};

/// Immich's default archive size when the client names none.
pub const DEFAULT_ARCHIVE_SIZE: i64 = 4 * 1024 * 1024 * 1024;

/// Bytes handed to the HTTP body at a time.
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks waiting for a slow client before the writer waits too.
const CHANNEL_CHUNKS: usize = 4;
/// Assets read per page when planning a whole library.
const PAGE: i64 = 1000;

/// What to download.
#[derive(Debug, Clone)]
pub enum DownloadSource {
    Assets(Vec<Uuid>),
    Album(Uuid),
    User(Uuid),
}

/// One archive of a plan: its assets and their total size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivePart {
    pub asset_ids: Vec<Uuid>,
    pub size: i64,
}

/// The chunks of a zip being written; an error ends the download.
pub type ZipChunks = mpsc::Receiver<io::Result<Vec<u8>>>;

/// Splits assets into archives: each grows until it passes `target` bytes, as Immich does.
fn plan(assets: impl IntoIterator<Item = (Uuid, i64)>, target: i64) -> Vec<ArchivePart> {
    let mut parts = Vec::new();
    let mut current = ArchivePart {
        asset_ids: Vec::new(),
        size: 0,
    };
    for (id, size) in assets {
        current.asset_ids.push(id);
        current.size += size;
        if current.size > target {
            parts.push(std::mem::replace(
                &mut current,
                ArchivePart {
                    asset_ids: Vec::new(),
                    size: 0,
                },
            ));
        }
    }
    if !current.asset_ids.is_empty() {
        parts.push(current);
    }
    parts
}

/// Characters that no file system (or zip tool) takes in a name, as `sanitize-filename` drops
/// them.
fn clean_entry_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '/' | '\\' | '?' | '<' | '>' | ':' | '*' | '|' | '"')
        })
        .collect();
    let clean = clean.trim_end_matches(['.', ' ']).to_string();
    if clean.is_empty() || clean == "." || clean == ".." {
        "unnamed".to_string()
    } else {
        clean
    }
}

/// Names entries like Immich: the second `a.jpg` becomes `a+1.jpg`, the third `a+2.jpg`.
/// A generated name that is itself taken moves on to the next number.
#[derive(Default)]
struct EntryNames {
    counts: HashMap<String, usize>,
    used: HashSet<String>,
}

impl EntryNames {
    fn next(&mut self, file_name: &str) -> String {
        let name = clean_entry_name(file_name);
        let (stem, ext) = match name.rfind('.') {
            Some(i) if i > 0 => name.split_at(i),
            _ => (name.as_str(), ""),
        };
        loop {
            let count = self.counts.entry(name.clone()).or_default();
            let candidate = if *count == 0 {
                name.clone()
            } else {
                format!("{stem}+{count}{ext}")
            };
            *count += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// A `Write` that hands full chunks to the channel; fails once the reader is gone.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Vec<u8>>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// Writes every (entry name, file) into a stored (uncompressed: photos and videos are
/// compressed already, as in Immich) zip.
fn write_zip(entries: Vec<(String, PathBuf, u64)>, out: ChannelWriter) -> io::Result<()> {
    let mut zip = ZipWriter::new_stream(out);
    for (name, path, size) in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(size >= u64::from(u32::MAX));
        zip.start_file(name, options).map_err(io::Error::other)?;
        let mut file = std::fs::File::open(&path)?;
        io::copy(&mut file, &mut zip)?;
    }
    let mut out = zip.finish().map_err(io::Error::other)?.into_inner();
    out.flush()
}

impl Domain {
    /// The assets of a download, with their sizes, after access checks.
    async fn download_assets(
        &self,
        auth: &AuthContext,
        source: &DownloadSource,
    ) -> DomainResult<Vec<AssetRecord>> {
        let ids = match source {
            DownloadSource::Assets(ids) => {
                self.require_downloadable(auth, ids).await?;
                ids.clone()
            }
            DownloadSource::Album(album) => {
                if auth
                    .shared_link
                    .as_ref()
                    .is_some_and(|l| !link_allows(l, "album.download"))
                {
                    return Err(no_access("album.download"));
                }
                self.album_with_role(
                    auth,
                    *album,
                    &["owner", "editor", "viewer"],
                    "album.download",
                )
                .await?;
                self.store.albums.asset_ids(*album).await?
            }
            DownloadSource::User(user) => {
                if *user != auth.user_id() || auth.shared_link.is_some() {
                    return Err(no_access("timeline.download"));
                }
                return self.library_of(*user).await;
            }
        };
        let mut assets = self.store.assets.get_many(&ids).await?;
        let order: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        assets.sort_by_key(|a| order.get(&a.id).copied());
        Ok(assets)
    }

    /// Every untrashed timeline or archived asset of the user, oldest first.
    async fn library_of(&self, user: Uuid) -> DomainResult<Vec<AssetRecord>> {
        let mut all = Vec::new();
        let mut seen = 0;
        loop {
            let page = self
                .store
                .assets
                .search(&AssetSearch {
                    owner_id: user,
                    order: SearchOrder::TakenAsc,
                    offset: seen,
                    limit: PAGE,
                    ..AssetSearch::default()
                })
                .await?;
            let done = (page.len() as i64) < PAGE;
            seen += page.len() as i64;
            // A search leaves out only locked assets; a hidden one (the video of a live photo)
            // goes with its still.
            all.extend(page.into_iter().filter(|a| a.visibility != "hidden"));
            if done {
                return Ok(all);
            }
        }
    }

    async fn require_downloadable(&self, auth: &AuthContext, ids: &[Uuid]) -> DomainResult<()> {
        let mut unique = ids.to_vec();
        unique.sort();
        unique.dedup();
        let allowed = self
            .readable_asset_ids(auth, &unique, "asset.download")
            .await?;
        if allowed.len() == unique.len() {
            Ok(())
        } else {
            Err(no_access("asset.download"))
        }
    }

    /// How the download splits into archives of about `archive_size` bytes; live photos bring
    /// their videos along.
    pub async fn download_info(
        &self,
        auth: &AuthContext,
        source: DownloadSource,
        archive_size: Option<i64>,
    ) -> DomainResult<(Vec<ArchivePart>, i64)> {
        if archive_size.is_some_and(|s| s < 1) {
            return Err(DomainError::BadRequest(
                "archiveSize must not be less than 1".into(),
            ));
        }
        let assets = self.download_assets(auth, &source).await?;
        let listed: HashSet<Uuid> = assets.iter().map(|a| a.id).collect();
        let motion_ids: Vec<Uuid> = assets
            .iter()
            .filter_map(|a| a.live_photo_video_id)
            .filter(|id| !listed.contains(id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let motion = self.store.assets.get_many(&motion_ids).await?;
        let parts = plan(
            assets
                .iter()
                .chain(motion.iter())
                .map(|a| (a.id, a.file_size)),
            archive_size.unwrap_or(DEFAULT_ARCHIVE_SIZE),
        );
        let total = parts.iter().map(|p| p.size).sum();
        Ok((parts, total))
    }

    /// Starts writing a zip of the originals of `ids` (in that order, each once) and returns
    /// its chunks.
    pub async fn download_archive(
        &self,
        auth: &AuthContext,
        ids: &[Uuid],
    ) -> DomainResult<ZipChunks> {
        self.require_downloadable(auth, ids).await?;
        let assets = self
            .download_assets(auth, &DownloadSource::Assets(ids.to_vec()))
            .await?;
        let mut names = EntryNames::default();
        let mut seen = HashSet::new();
        let mut entries = Vec::with_capacity(assets.len());
        for asset in assets.iter().filter(|a| seen.insert(a.id)) {
            let path = self.storage.original_abs(&asset.original_path)?;
            entries.push((
                names.next(&asset.original_file_name),
                path,
                asset.file_size.max(0) as u64,
            ));
        }
        let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
        tokio::task::spawn_blocking(move || {
            let writer = ChannelWriter {
                tx: tx.clone(),
                buf: Vec::with_capacity(CHUNK_BYTES),
            };
            if let Err(e) = write_zip(entries, writer)
                && e.kind() != io::ErrorKind::BrokenPipe
            {
                tracing::warn!("zip download failed: {e}");
                let _ = tx.blocking_send(Err(e));
            }
        });
        Ok(rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_close_once_they_pass_the_target_size() {
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
        let parts = plan(ids.iter().map(|id| (*id, 60)), 100);
        assert_eq!(
            parts,
            vec![
                ArchivePart {
                    asset_ids: ids[0..2].to_vec(),
                    size: 120
                },
                ArchivePart {
                    asset_ids: ids[2..4].to_vec(),
                    size: 120
                },
            ]
        );
        assert!(plan(Vec::new(), 100).is_empty());
    }

    #[test]
    fn repeated_names_are_numbered_like_immich() {
        let mut names = EntryNames::default();
        assert_eq!(names.next("a.jpg"), "a.jpg");
        assert_eq!(names.next("a.jpg"), "a+1.jpg");
        assert_eq!(names.next("a.jpg"), "a+2.jpg");
        assert_eq!(names.next("b"), "b");
        assert_eq!(names.next("b"), "b+1");
        assert_eq!(names.next("a+1.jpg"), "a+1+1.jpg");
        assert_eq!(names.next("x/../y:z?.png"), "x..yz.png");
        assert_eq!(names.next(".."), "unnamed");
    }
}
