//! Models fetched by name from Hugging Face, where Immich publishes them as `immich-app/<name>`
//! in the layout the runtime reads (`detection/model.onnx`, `recognition/model.onnx`,
//! `visual/…`, `textual/…`, config and tokenizer files).

use std::path::{Component, Path, PathBuf};

use futures_util::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use crate::runtime::{MlError, MlResult};

/// The organisation Immich's models live under.
const ORGANISATION: &str = "immich-app";

#[derive(Deserialize)]
struct RepoInfo {
    siblings: Vec<Sibling>,
}

#[derive(Deserialize)]
struct Sibling {
    rfilename: String,
}

/// Downloads the files of model `name` that sit under one of `parts` (e.g. `detection`,
/// `recognition`), plus its top-level files, into `<models_dir>/<name>/`. Files already
/// there are kept. Each file is written beside its place and renamed into it when complete,
/// so an interrupted download never leaves a truncated model behind.
pub async fn download_model(
    client: &reqwest::Client,
    hub_url: &str,
    models_dir: &Path,
    name: &str,
    parts: &[&str],
) -> MlResult<Vec<PathBuf>> {
    let fail = |message: String| MlError::Download {
        name: name.to_string(),
        message,
    };
    if !is_plain_name(name) {
        return Err(fail("not a model name".into()));
    }
    let hub = hub_url.trim_end_matches('/');
    let info: RepoInfo = client
        .get(format!("{hub}/api/models/{ORGANISATION}/{name}"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| fail(e.to_string()))?
        .json()
        .await
        .map_err(|e| fail(format!("unexpected file list: {e}")))?;
    let wanted: Vec<&str> = info
        .siblings
        .iter()
        .map(|s| s.rfilename.as_str())
        .filter(|f| {
            let top = f.split('/').next().unwrap_or_default();
            !f.contains('/') || parts.contains(&top)
        })
        // Immich's repositories also hold ARM NN and RKNN builds; ONNX Runtime reads neither.
        .filter(|f| !f.ends_with(".armnn") && !f.ends_with(".rknn"))
        .collect();
    for part in parts {
        if !wanted.iter().any(|f| f.starts_with(&format!("{part}/"))) {
            return Err(fail(format!("the repository has no {part}/ folder")));
        }
    }
    let target = models_dir.join(name);
    let mut written = Vec::new();
    for file in wanted {
        let relative = safe_relative(file).ok_or_else(|| fail(format!("unsafe path {file:?}")))?;
        let dest = target.join(&relative);
        if dest.is_file() {
            continue;
        }
        let url = format!("{hub}/{ORGANISATION}/{name}/resolve/main/{file}");
        fetch_to(client, &url, &dest)
            .await
            .map_err(|e| fail(format!("{file}: {e}")))?;
        written.push(dest);
    }
    tracing::info!(model = name, files = written.len(), "downloaded model");
    Ok(written)
}

async fn fetch_to(client: &reqwest::Client, url: &str, dest: &Path) -> Result<(), String> {
    let parent = dest.parent().ok_or("no parent folder")?;
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(|e| e.to_string())?;
    let partial = dest.with_extension("part");
    let response = client
        .get(url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?;
    let mut out = tokio::fs::File::create(&partial)
        .await
        .map_err(|e| e.to_string())?;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        out.write_all(&chunk).await.map_err(|e| e.to_string())?;
    }
    out.sync_all().await.map_err(|e| e.to_string())?;
    drop(out);
    tokio::fs::rename(&partial, dest)
        .await
        .map_err(|e| e.to_string())
}

/// A model name is one path component: it becomes a folder name.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && name != "."
        && name != ".."
}

/// The repository's file name as a relative path that stays inside the model's folder.
fn safe_relative(file: &str) -> Option<PathBuf> {
    let path = Path::new(file);
    path.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_are_single_folder_names() {
        assert!(is_plain_name("buffalo_l"));
        assert!(is_plain_name("ViT-B-32__openai"));
        assert!(!is_plain_name("../etc"));
        assert!(!is_plain_name("a/b"));
        assert!(!is_plain_name(""));
    }

    #[test]
    fn repository_paths_cannot_leave_the_model_folder() {
        assert!(safe_relative("detection/model.onnx").is_some());
        assert!(safe_relative("../../x").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
    }
}
