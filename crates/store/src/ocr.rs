//! Text read in assets' previews (one record per line, Immich's `asset_ocr`) and the words
//! the `ocr` search filter looks in (Immich's `ocr_search`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::StoreResult;

/// One line of text in an asset's preview.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrRecord {
    pub id: Uuid,
    pub asset_id: Uuid,
    /// Its place in reading order, from 0.
    pub line: i64,
    /// Corners in fractions (0–1) of the preview, clockwise from the top left.
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    pub x3: f64,
    pub y3: f64,
    pub x4: f64,
    pub y4: f64,
    pub box_score: f64,
    pub text_score: f64,
    pub text: String,
}

#[async_trait]
pub trait OcrRepo: Send + Sync {
    /// Replaces what was read in an asset (its lines and searchable words) and records when
    /// OCR ran.
    async fn replace(
        &self,
        asset_id: Uuid,
        lines: &[OcrRecord],
        search_text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The asset's lines in reading order.
    async fn of_asset(&self, asset_id: Uuid) -> StoreResult<Vec<OcrRecord>>;
    /// A page of assets (not trashed, not hidden) with a preview to read, after `after` in id
    /// order; only those never read when `missing`.
    async fn assets_to_read(
        &self,
        after: Option<Uuid>,
        limit: i64,
        missing: bool,
    ) -> StoreResult<Vec<Uuid>>;
    /// Forgets everything read, before reading the whole library again.
    async fn delete_all(&self) -> StoreResult<()>;
}

/// CJK scripts, which do not put spaces between words (Immich's ranges: CJK ideographs and
/// extension A, Hangul syllables, hiragana, katakana).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4e00..=0x9fff | 0xac00..=0xd7af | 0x3040..=0x309f | 0x30a0..=0x30ff | 0x3400..=0x4dbf)
}

/// The words of a text as OCR search indexes and queries them (Immich's tokenizer): runs
/// between whitespace, and each run of CJK characters as its overlapping pairs (a lone one
/// by itself); lower-cased here, so that matching ignores case on every database.
pub fn search_tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() || chars[i].is_control() {
            i += 1;
            continue;
        }
        let start = i;
        let cjk = is_cjk(chars[i]);
        while i < chars.len()
            && !chars[i].is_whitespace()
            && !chars[i].is_control()
            && is_cjk(chars[i]) == cjk
        {
            i += 1;
        }
        let run = &chars[start..i];
        if cjk && run.len() > 1 {
            tokens.extend(run.windows(2).map(|pair| pair.iter().collect::<String>()));
        } else {
            tokens.push(run.iter().collect::<String>().to_lowercase());
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_whitespace_and_lower_case() {
        assert_eq!(
            search_tokens("  Craft\tBEER  ipa\n"),
            vec!["craft", "beer", "ipa"]
        );
    }

    #[test]
    fn cjk_runs_become_overlapping_pairs() {
        assert_eq!(
            search_tokens("KIRIN一番搾り 生"),
            vec!["kirin", "一番", "番搾", "搾り", "生"]
        );
    }
}
