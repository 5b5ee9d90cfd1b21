//! Folders a process instance owns for its unfinished files: staged uploads under the
//! originals root, temporary files under the generated root. Each folder is held by an
//! exclusive lock on a file beside it (`<id>.lock`) for as long as the process lives, and the
//! kernel drops the lock when the process ends, however it ends. Start-up repair takes the
//! locks it can get: those folders are the dead's, and only they are finished or removed, so
//! a starting process never touches the uploads of one that is running.

use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

const LOCK_SUFFIX: &str = ".lock";

/// This instance's folder under one root, locked while the value lives.
pub(super) struct OwnedDir {
    pub path: PathBuf,
    _lock: File,
}

impl OwnedDir {
    /// Creates and locks `<root>/<id>/`. The lock file comes first, so a folder without
    /// one never belongs to a live instance.
    pub fn create(root: &Path, id: &str) -> io::Result<Self> {
        std::fs::create_dir_all(root)?;
        let lock = open_lock(&root.join(format!("{id}{LOCK_SUFFIX}")), true)?;
        lock.try_lock().map_err(|e| match e {
            TryLockError::WouldBlock => {
                io::Error::other(format!("{id} is locked by another process"))
            }
            TryLockError::Error(e) => e,
        })?;
        let path = root.join(id);
        std::fs::create_dir_all(&path)?;
        Ok(Self { path, _lock: lock })
    }
}

/// The folder of an instance that is gone, locked by us while it is repaired.
pub(super) struct DeadDir {
    pub path: PathBuf,
    lock_path: PathBuf,
    _lock: Option<File>,
}

impl DeadDir {
    /// Removes the folder with whatever is left in it, then its lock file.
    pub fn remove(self) -> io::Result<()> {
        match std::fs::remove_dir_all(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        match std::fs::remove_file(&self.lock_path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

fn open_lock(path: &Path, create: bool) -> io::Result<File> {
    File::options()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .open(path)
}

/// The instance folders under `root` whose process is gone (their lock could be taken, or
/// they have none), except `own`; lock files left without their folder count too.
pub(super) fn dead_dirs(root: &Path, own: &str) -> io::Result<Vec<DeadDir>> {
    let mut dead = Vec::new();
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(dead),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = match name.strip_suffix(LOCK_SUFFIX) {
            // A lock file: looked at here only when its folder is gone.
            Some(id) if !root.join(id).is_dir() => id.to_string(),
            Some(_) => continue,
            None if entry.file_type()?.is_dir() => name,
            None => continue,
        };
        if id == own {
            continue;
        }
        let lock_path = root.join(format!("{id}{LOCK_SUFFIX}"));
        let lock = match open_lock(&lock_path, false) {
            Ok(lock) => lock,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                dead.push(DeadDir {
                    path: root.join(&id),
                    lock_path,
                    _lock: None,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        match lock.try_lock() {
            Ok(()) => dead.push(DeadDir {
                path: root.join(&id),
                lock_path,
                _lock: Some(lock),
            }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
    Ok(dead)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_folders_of_ended_instances_are_found_dead() {
        let root = tempfile::tempdir().unwrap();
        let live = OwnedDir::create(root.path(), "live").unwrap();
        let ended = OwnedDir::create(root.path(), "ended").unwrap();
        std::fs::write(ended.path.join("staged"), b"x").unwrap();
        drop(ended);
        std::fs::create_dir(root.path().join("unlocked")).unwrap();
        let mine = OwnedDir::create(root.path(), "mine").unwrap();
        let mut found: Vec<String> = dead_dirs(root.path(), "mine")
            .unwrap()
            .iter()
            .map(|d| d.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        found.sort();
        assert_eq!(found, ["ended", "unlocked"]);
        for dead in dead_dirs(root.path(), "mine").unwrap() {
            dead.remove().unwrap();
        }
        assert!(!root.path().join("ended").exists());
        assert!(!root.path().join("ended.lock").exists());
        assert!(live.path.exists() && mine.path.exists());
    }
}
