//! Corpus access shared by the media tests (`mod common;`) and benchmarks (`#[path]`).

// Each test or bench binary that includes this uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared corpus beside the repository, or `None` (with a printed SKIP line) when absent.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIP: corpus not found at {}", dir.display());
        None
    }
}

/// Every file under `dir`, recursively, in path order. A folder that cannot be read fails
/// the caller: a check must not pass by silently looking at fewer files.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    files
}

/// The files under `dir` whose extension, in any case, is one of `extensions`.
pub fn files_with_extensions(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut files = files_under(dir);
    files.retain(|path| {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e.to_ascii_lowercase().as_str()))
    });
    files
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
