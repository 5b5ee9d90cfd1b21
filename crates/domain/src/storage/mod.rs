//! Where files live: originals under one root, generated files under another.
//!
//! Uploads are written into this process instance's folder
//! `<originals>/.upload/<instance>/<asset id>` and renamed into place only after the
//! database row exists, so after a crash that folder alone tells what to finish or discard
//! (see [`Storage::recover_uploads`]). Temporary files are written in
//! `<generated>/.tmp/<instance>/` (or the upload folder, for files under the originals root)
//! and renamed into place, so a crash leaves none beside the files it was making.

mod instance;

use std::io;
use std::path::{Path, PathBuf};

use shoebox_store::Store;
use uuid::Uuid;

use instance::{OwnedDir, dead_dirs};

/// The top folders of the generated root; each holds one folder per owner.
const THUMBS: &str = "thumbs";
const ENCODED_VIDEO: &str = "encoded-video";
const GENERATED_LAYOUTS: [&str; 2] = [THUMBS, ENCODED_VIDEO];

#[derive(Debug, Clone)]
pub struct MediaPaths {
    /// Uploaded originals: bulk storage.
    pub originals: PathBuf,
    /// Thumbnails, previews and encoded video: can be a faster disk.
    pub generated: PathBuf,
}

/// The files one upload may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadPart {
    Original,
    Sidecar,
}

impl UploadPart {
    fn suffix(self) -> &'static str {
        match self {
            UploadPart::Original => "",
            UploadPart::Sidecar => SIDECAR_SUFFIX,
        }
    }
}

const SIDECAR_SUFFIX: &str = ".xmp";
/// Under the originals root: each instance's staged uploads.
const UPLOADS: &str = ".upload";
/// Under the generated root: each instance's temporary files.
const TEMP: &str = ".tmp";

pub struct Storage {
    paths: MediaPaths,
    /// This process instance's name for its folders.
    instance: String,
    /// Staged uploads and temporary files under the originals root.
    uploads: OwnedDir,
    /// Temporary files under the generated root.
    temp: OwnedDir,
}

/// `root/rel`, refusing a `rel` that is absolute or climbs out with `..`.
fn join_inside(root: &Path, rel: &str) -> io::Result<PathBuf> {
    let rel_path = Path::new(rel);
    if rel_path.is_absolute()
        || rel_path
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "path leaves the storage root",
        ));
    }
    Ok(root.join(rel_path))
}

/// Disk space of the volume holding the originals.
#[derive(Debug, Clone, Copy)]
pub struct DiskUsage {
    pub total: u64,
    pub available: u64,
}

/// A new name in `dir` for writing a file before it is renamed into place.
fn temp_in(dir: &Path) -> PathBuf {
    dir.join(format!("{}.tmp", Uuid::new_v4().simple()))
}

/// Renames `tmp` to `dest`. Where `dest`'s folder is another filesystem mounted inside the
/// root (thumbnails on a faster disk, say), the file is copied beside `dest` first, so the
/// final step is still a rename and readers never see half a file.
fn move_into_place(tmp: &Path, dest: &Path) -> io::Result<()> {
    match std::fs::rename(tmp, dest) {
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
            let beside = dest.with_extension(format!("tmp-{}", Uuid::new_v4().simple()));
            std::fs::copy(tmp, &beside)
                .and_then(|_| std::fs::rename(&beside, dest))
                .inspect_err(|_| {
                    let _ = std::fs::remove_file(&beside);
                })?;
            std::fs::remove_file(tmp)
        }
        other => other,
    }
}

impl Storage {
    /// Creates the folders if needed, and this process instance's own.
    pub fn open(paths: MediaPaths) -> io::Result<Self> {
        std::fs::create_dir_all(&paths.originals)?;
        std::fs::create_dir_all(&paths.generated)?;
        let instance = Uuid::new_v4().simple().to_string();
        let uploads = OwnedDir::create(&paths.originals.join(UPLOADS), &instance)?;
        let temp = OwnedDir::create(&paths.generated.join(TEMP), &instance)?;
        Ok(Self {
            paths,
            instance,
            uploads,
            temp,
        })
    }

    pub fn paths(&self) -> &MediaPaths {
        &self.paths
    }

    /// Inside the originals root so that committing an upload is a rename on one filesystem.
    fn upload_root(&self) -> PathBuf {
        self.paths.originals.join(UPLOADS)
    }

    pub fn staging_path(&self, asset_id: Uuid, part: UploadPart) -> PathBuf {
        self.uploads
            .path
            .join(format!("{asset_id}{}", part.suffix()))
    }

    /// `<owner>/<aa>/<bb>/<asset id><ext>`, relative to the originals root.
    pub fn original_rel_path(owner_id: Uuid, asset_id: Uuid, ext: &str) -> String {
        let id = asset_id.to_string();
        format!("{owner_id}/{}/{}/{id}{ext}", &id[0..2], &id[2..4])
    }

    /// Absolute path of an original; refuses paths that would leave the root.
    pub fn original_abs(&self, rel: &str) -> io::Result<PathBuf> {
        join_inside(&self.paths.originals, rel)
    }

    /// Absolute path of a generated file; refuses paths that would leave the root.
    pub fn generated_abs(&self, rel: &str) -> io::Result<PathBuf> {
        join_inside(&self.paths.generated, rel)
    }

    /// `thumbs/<owner>/<aa>/<bb>/<asset id>-<kind>.<ext>`, relative to the generated root.
    pub fn generated_rel_path(owner_id: Uuid, asset_id: Uuid, kind: &str, ext: &str) -> String {
        let id = asset_id.to_string();
        format!(
            "{THUMBS}/{owner_id}/{}/{}/{id}-{kind}.{ext}",
            &id[0..2],
            &id[2..4]
        )
    }

    /// A person's picture, named after the face it is cropped from so a new feature face
    /// makes a new file: `thumbs/<owner>/<aa>/<bb>/<person id>-face-<face id>.jpeg`.
    pub fn person_thumbnail_rel_path(owner_id: Uuid, person_id: Uuid, face_id: Uuid) -> String {
        let id = person_id.to_string();
        format!(
            "{THUMBS}/{owner_id}/{}/{}/{id}-face-{face_id}.jpeg",
            &id[0..2],
            &id[2..4]
        )
    }

    /// Removes every kept picture of a person (`<person id>-face-<face id>.jpeg`).
    pub async fn remove_person_pictures(&self, owner_id: Uuid, person_id: Uuid) {
        // No face has the nil id: every picture of the person is "another variant".
        let none = Self::person_thumbnail_rel_path(owner_id, person_id, Uuid::nil());
        self.remove_generated_variants(&none, "-face-").await;
    }

    /// Removes the other files beside generated file `keep` whose names start like it up to
    /// and including `stem_end` (older pictures of the same person).
    pub async fn remove_generated_variants(&self, keep: &str, stem_end: &str) {
        let Ok(keep) = self.generated_abs(keep) else {
            return;
        };
        let (Some(dir), Some(name)) = (keep.parent(), keep.file_name().and_then(|n| n.to_str()))
        else {
            return;
        };
        let Some(stem) = name.find(stem_end).map(|at| &name[..at + stem_end.len()]) else {
            return;
        };
        let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
            return;
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let other = entry.file_name();
            let other = other.to_string_lossy();
            if other.starts_with(stem) && other != name {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }

    /// Where a video's playable copy lives, next to Immich's `encoded-video` layout.
    pub fn encoded_video_rel_path(owner_id: Uuid, asset_id: Uuid) -> String {
        let id = asset_id.to_string();
        format!(
            "{ENCODED_VIDEO}/{owner_id}/{}/{}/{id}.mp4",
            &id[0..2],
            &id[2..4]
        )
    }

    /// A temporary path beside generated file `rel` for a tool to write to, with its folder
    /// created; [`Storage::commit_generated`] moves it into place.
    pub async fn generated_temp_path(&self, rel: &str) -> io::Result<(PathBuf, PathBuf)> {
        let dest = self.generated_abs(rel)?;
        let dir = dest.parent().expect("generated paths have a parent");
        tokio::fs::create_dir_all(dir).await?;
        Ok((temp_in(&self.temp.path), dest))
    }

    /// Moves a finished temporary file into place; on failure the temporary file is removed.
    pub async fn commit_generated(&self, tmp: &Path, dest: &Path) -> io::Result<()> {
        let (tmp, dest) = (tmp.to_path_buf(), dest.to_path_buf());
        tokio::task::spawn_blocking(move || {
            move_into_place(&tmp, &dest).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Writes a generated file whole: readers see the old file or the new one, never half.
    pub async fn write_generated(&self, rel: &str, bytes: Vec<u8>) -> io::Result<()> {
        let (tmp, dest) = self.generated_temp_path(rel).await?;
        if let Err(e) = tokio::fs::write(&tmp, bytes).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        self.commit_generated(&tmp, &dest).await
    }

    /// Moves a staged upload to its final place, durably.
    pub async fn commit_upload(&self, staged: &Path, rel: &str) -> io::Result<()> {
        let dest = self.original_abs(rel)?;
        let staged = staged.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let dir = dest.parent().expect("original paths have a parent");
            std::fs::create_dir_all(dir)?;
            std::fs::rename(&staged, &dest)?;
            std::fs::File::open(dir)?.sync_all()
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Replaces a file under the originals root (a sidecar) whole and durably: readers see
    /// the old file or the new one, never half, and a crash cannot leave it empty.
    pub async fn write_original(&self, rel: &str, bytes: Vec<u8>) -> io::Result<()> {
        let dest = self.original_abs(rel)?;
        let tmp = temp_in(&self.uploads.path);
        tokio::task::spawn_blocking(move || {
            let dir = dest.parent().expect("original paths have a parent");
            std::fs::create_dir_all(dir)?;
            let written = std::fs::File::create(&tmp).and_then(|mut file| {
                io::Write::write_all(&mut file, &bytes)?;
                file.sync_all()
            });
            written
                .and_then(|()| std::fs::rename(&tmp, &dest))
                .inspect_err(|_| {
                    let _ = std::fs::remove_file(&tmp);
                })?;
            std::fs::File::open(dir)?.sync_all()
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Best effort: a file that is already gone is not an error.
    pub async fn remove_originals(&self, rels: &[String]) {
        remove_files(&self.paths.originals, rels).await;
    }

    /// Best effort, as [`Storage::remove_originals`].
    pub async fn remove_generated(&self, rels: &[String]) {
        remove_files(&self.paths.generated, rels).await;
    }

    /// Everything generated for one owner's assets (their folders in each layout).
    pub async fn remove_generated_of_owner(&self, owner_id: Uuid) {
        for layout in GENERATED_LAYOUTS {
            let dir = self.paths.generated.join(layout).join(owner_id.to_string());
            if let Err(e) = tokio::fs::remove_dir_all(&dir).await
                && e.kind() != io::ErrorKind::NotFound
            {
                tracing::warn!(path = %dir.display(), error = %e, "could not remove a folder");
            }
        }
    }

    /// Repairs what processes that are gone left unfinished: a staged upload whose asset
    /// row exists is moved into place, any other staged or temporary file is deleted. Only
    /// the folders of ended instances are touched (and loose files of versions before
    /// instance folders), so any process may run it while others are uploading.
    pub async fn recover_uploads(&self, store: &Store) -> io::Result<()> {
        self.recover_staged(&self.upload_root(), store).await?;
        for dead in dead_dirs(&self.upload_root(), &self.instance)? {
            self.recover_staged(&dead.path, store).await?;
            dead.remove()?;
        }
        for dead in dead_dirs(&self.paths.generated.join(TEMP), &self.instance)? {
            tracing::info!(path = %dead.path.display(), "removing temporary files a stopped process left");
            dead.remove()?;
        }
        Ok(())
    }

    /// Finishes or discards the staged files directly in `dir`.
    async fn recover_staged(&self, dir: &Path, store: &Store) -> io::Result<()> {
        let mut entries = tokio::fs::read_dir(dir).await?;
        while let Some(entry) = entries.next_entry().await? {
            if !entry.file_type().await?.is_file()
                || entry.path().extension() == Some("lock".as_ref())
            {
                continue;
            }
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let (id, part) = match name.strip_suffix(SIDECAR_SUFFIX) {
                Some(id) => (id, UploadPart::Sidecar),
                None => (name.as_str(), UploadPart::Original),
            };
            let asset = match Uuid::parse_str(id) {
                Ok(id) => store.assets.get(id).await.map_err(io::Error::other)?,
                Err(_) => None,
            };
            let destination = asset.as_ref().and_then(|a| match part {
                UploadPart::Original => Some(a.original_path.clone()),
                UploadPart::Sidecar => a.sidecar_path.clone(),
            });
            match destination {
                Some(rel) => {
                    tracing::info!(asset = id, "finishing an interrupted upload");
                    self.commit_upload(&path, &rel).await?;
                }
                None => {
                    tracing::info!(path = %path.display(), "discarding an incomplete upload");
                    tokio::fs::remove_file(&path).await?;
                }
            }
        }
        Ok(())
    }

    pub fn disk_usage(&self) -> io::Result<DiskUsage> {
        let stat = nix::sys::statvfs::statvfs(&self.paths.originals).map_err(io::Error::from)?;
        let block = stat.fragment_size() as u64;
        Ok(DiskUsage {
            total: stat.blocks() as u64 * block,
            available: stat.blocks_available() as u64 * block,
        })
    }
}

async fn remove_files(root: &Path, rels: &[String]) {
    for rel in rels {
        if let Ok(path) = join_inside(root, rel)
            && let Err(e) = tokio::fs::remove_file(&path).await
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove a file");
        }
    }
}
