//! CLIP's byte-level BPE tokenizer, read from a Hugging Face `tokenizer.json` and applied the
//! way Immich's ML service applies it with the `tokenizers` library: whitespace collapsed
//! (and, for models that ask, punctuation dropped), NFC, per-character lowercase, the split
//! pattern of the file, bytes mapped to printable characters, BPE with the `</w>` end-of-word
//! suffix, start and end tokens around at most `context_length - 2` tokens, padding with the
//! pad token of `tokenizer_config.json`.
//!
//! Written here rather than taken from the `tokenizers` crate: CLIP needs only this one
//! pipeline, and that crate brings a large dependency tree (onig or fancy-regex, rayon,
//! esaxx …) to a build that runs on two shared cores.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use regex::Regex;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::runtime::{MlError, MlResult};

/// OpenAI CLIP's split pattern, used when the file does not carry one.
const DEFAULT_PATTERN: &str = r"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+";
const END_OF_WORD: &str = "</w>";
/// Words seen this often are remembered; a query has a handful.
const CACHE_LIMIT: usize = 10_000;

pub struct ClipTokenizer {
    vocab: HashMap<String, i32>,
    ranks: HashMap<(String, String), usize>,
    byte_chars: [char; 256],
    pattern: Regex,
    /// Added tokens matched in the raw text (`<|startoftext|>`, `<|endoftext|>`).
    specials: Vec<(String, i32)>,
    suffix: String,
    bos: i32,
    eos: i32,
    pad: i32,
    context_length: usize,
    canonicalize: bool,
    cache: Mutex<HashMap<String, Vec<i32>>>,
}

impl std::fmt::Debug for ClipTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipTokenizer")
            .field("vocab", &self.vocab.len())
            .field("context_length", &self.context_length)
            .finish_non_exhaustive()
    }
}

fn layout(path: &Path, message: impl Into<String>) -> MlError {
    MlError::ModelLayout {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn read_json(path: &Path) -> MlResult<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => MlError::ModelMissing(path.to_path_buf()),
        _ => layout(path, e.to_string()),
    })?;
    serde_json::from_str(&text).map_err(|e| layout(path, e.to_string()))
}

/// GPT-2's reversible byte → character table: printable Latin-1 bytes stand for themselves,
/// the others are moved to code points from 256 up.
fn byte_chars() -> [char; 256] {
    let printable = |b: u32| {
        (u32::from(b'!')..=u32::from(b'~')).contains(&b)
            || (0xA1..=0xAC).contains(&b)
            || (0xAE..=0xFF).contains(&b)
    };
    let mut table = ['\0'; 256];
    let mut next = 256u32;
    for b in 0..256u32 {
        table[b as usize] = if printable(b) {
            char::from_u32(b).expect("latin-1")
        } else {
            let c = char::from_u32(next).expect("below surrogates");
            next += 1;
            c
        };
    }
    table
}

/// The pattern of the first `Split` pre-tokenizer, if any.
fn split_pattern(pre: &Value) -> Option<String> {
    match pre["type"].as_str()? {
        "Split" => pre["pattern"]["Regex"].as_str().map(str::to_string),
        "Sequence" => pre["pretokenizers"]
            .as_array()?
            .iter()
            .find_map(split_pattern),
        _ => None,
    }
}

/// The (start, end) token ids of the post-processor.
fn special_ids(post: &Value, vocab: &HashMap<String, i32>) -> Option<(i32, i32)> {
    let id = |v: &Value| v[1].as_i64().map(|i| i as i32);
    match post["type"].as_str()? {
        "RobertaProcessing" | "BertProcessing" => Some((id(&post["cls"])?, id(&post["sep"])?)),
        "TemplateProcessing" => {
            let tokens = &post["special_tokens"];
            let single = post["single"].as_array()?;
            let names: Vec<&str> = single
                .iter()
                .filter_map(|piece| piece["SpecialToken"]["id"].as_str())
                .collect();
            let lookup = |name: &str| {
                tokens[name]["ids"][0]
                    .as_i64()
                    .map(|i| i as i32)
                    .or_else(|| vocab.get(name).copied())
            };
            Some((lookup(names.first()?)?, lookup(names.last()?)?))
        }
        _ => None,
    }
}

impl ClipTokenizer {
    /// Reads `tokenizer.json` and the pad token from `tokenizer_config.json` (or
    /// `special_tokens_map.json`) in `dir`.
    pub fn from_dir(dir: &Path, context_length: usize, canonicalize: bool) -> MlResult<Self> {
        let path = dir.join("tokenizer.json");
        let file = read_json(&path)?;
        let model = &file["model"];
        if model["type"].as_str() != Some("BPE") {
            return Err(layout(
                &path,
                format!(
                    "tokenizer model {} is not supported (only CLIP's BPE)",
                    model["type"]
                ),
            ));
        }
        let mut vocab: HashMap<String, i32> = model["vocab"]
            .as_object()
            .ok_or_else(|| layout(&path, "no vocabulary"))?
            .iter()
            .filter_map(|(token, id)| Some((token.clone(), id.as_i64()? as i32)))
            .collect();
        let mut specials = Vec::new();
        for added in file["added_tokens"].as_array().into_iter().flatten() {
            if let (Some(content), Some(id)) = (added["content"].as_str(), added["id"].as_i64()) {
                vocab.insert(content.to_string(), id as i32);
                specials.push((content.to_string(), id as i32));
            }
        }
        // Longest first, so that one special token never hides a longer one.
        specials.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        let ranks = model["merges"]
            .as_array()
            .ok_or_else(|| layout(&path, "no merges"))?
            .iter()
            .enumerate()
            .map(|(rank, merge)| {
                // Older files write "a b", newer ones ["a", "b"].
                let pair = match merge {
                    Value::String(s) => s
                        .split_once(' ')
                        .map(|(a, b)| (a.to_string(), b.to_string())),
                    Value::Array(parts) if parts.len() == 2 => parts[0]
                        .as_str()
                        .zip(parts[1].as_str())
                        .map(|(a, b)| (a.to_string(), b.to_string())),
                    _ => None,
                };
                pair.map(|p| (p, rank))
                    .ok_or_else(|| layout(&path, format!("bad merge {merge}")))
            })
            .collect::<MlResult<HashMap<_, _>>>()?;
        let pattern = split_pattern(&file["pre_tokenizer"]).unwrap_or(DEFAULT_PATTERN.into());
        let pattern = Regex::new(&pattern).map_err(|e| layout(&path, e.to_string()))?;
        let (bos, eos) = special_ids(&file["post_processor"], &vocab)
            .or_else(|| Some((*vocab.get("<|startoftext|>")?, *vocab.get("<|endoftext|>")?)))
            .ok_or_else(|| layout(&path, "no start and end tokens"))?;
        let pad_token = ["tokenizer_config.json", "special_tokens_map.json"]
            .iter()
            .find_map(|name| {
                let config = read_json(&dir.join(name)).ok()?;
                match &config["pad_token"] {
                    Value::String(s) => Some(s.clone()),
                    other => other["content"].as_str().map(str::to_string),
                }
            })
            .ok_or_else(|| layout(&path, "no pad_token in tokenizer_config.json"))?;
        let pad = *vocab.get(&pad_token).ok_or_else(|| {
            layout(
                &path,
                format!("pad token {pad_token} is not in the vocabulary"),
            )
        })?;
        if context_length < 2 {
            return Err(layout(&path, "context length must be at least 2"));
        }
        Ok(Self {
            vocab,
            ranks,
            byte_chars: byte_chars(),
            pattern,
            specials,
            suffix: model["end_of_word_suffix"]
                .as_str()
                .unwrap_or(END_OF_WORD)
                .to_string(),
            bos,
            eos,
            pad,
            context_length,
            canonicalize,
            cache: Mutex::default(),
        })
    }

    pub fn context_length(&self) -> usize {
        self.context_length
    }

    /// Token ids of `text`: start, at most `context_length - 2` tokens, end, padding.
    pub fn encode(&self, text: &str) -> Vec<i32> {
        let text = clean_text(text, self.canonicalize);
        let mut ids = Vec::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            // The earliest special token splits the text; the part before it is ordinary.
            let found = self
                .specials
                .iter()
                .filter_map(|(s, id)| rest.find(s.as_str()).map(|at| (at, s.len(), *id)))
                .min_by_key(|(at, len, _)| (*at, std::cmp::Reverse(*len)));
            match found {
                Some((at, len, id)) => {
                    self.encode_plain(&rest[..at], &mut ids);
                    ids.push(id);
                    rest = &rest[at + len..];
                }
                None => {
                    self.encode_plain(rest, &mut ids);
                    rest = "";
                }
            }
        }
        ids.truncate(self.context_length - 2);
        let mut out = Vec::with_capacity(self.context_length);
        out.push(self.bos);
        out.extend(ids);
        out.push(self.eos);
        out.resize(self.context_length, self.pad);
        out
    }

    fn encode_plain(&self, text: &str, ids: &mut Vec<i32>) {
        if text.is_empty() {
            return;
        }
        let normalised: String = text
            .nfc()
            .collect::<String>()
            .chars()
            .flat_map(char::to_lowercase)
            .collect();
        for piece in self.pattern.find_iter(&normalised) {
            let word: String = piece
                .as_str()
                .bytes()
                .map(|b| self.byte_chars[b as usize])
                .collect();
            ids.extend(self.bpe(&word));
        }
    }

    /// The ids of one pre-tokenized word: merges applied lowest rank first, every
    /// occurrence of a pair at once, as OpenAI's reference does.
    fn bpe(&self, word: &str) -> Vec<i32> {
        if let Some(ids) = self.cache.lock().expect("cache lock").get(word) {
            return ids.clone();
        }
        let mut symbols: Vec<String> = word.chars().map(String::from).collect();
        if let Some(last) = symbols.last_mut() {
            last.push_str(&self.suffix);
        }
        while symbols.len() > 1 {
            let best = symbols
                .windows(2)
                .filter_map(|w| self.ranks.get(&(w[0].clone(), w[1].clone())))
                .min()
                .copied();
            let Some(best) = best else { break };
            let mut merged = Vec::with_capacity(symbols.len());
            let mut i = 0;
            while i < symbols.len() {
                if i + 1 < symbols.len()
                    && self
                        .ranks
                        .get(&(symbols[i].clone(), symbols[i + 1].clone()))
                        == Some(&best)
                {
                    merged.push(format!("{}{}", symbols[i], symbols[i + 1]));
                    i += 2;
                } else {
                    merged.push(std::mem::take(&mut symbols[i]));
                    i += 1;
                }
            }
            symbols = merged;
        }
        // Every byte character is in CLIP's vocabulary; anything else would be a broken file.
        let ids: Vec<i32> = symbols
            .iter()
            .filter_map(|s| self.vocab.get(s).copied())
            .collect();
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.len() < CACHE_LIMIT {
            cache.insert(word.to_string(), ids.clone());
        }
        ids
    }
}

/// Immich's `clean_text`: runs of whitespace (Python's idea of it) become one space, ends
/// trimmed; `canonicalize` also drops ASCII punctuation and lowercases.
pub fn clean_text(text: &str, canonicalize: bool) -> String {
    let python_space = |c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
    let joined = text
        .split(python_space)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if canonicalize {
        joined
            .chars()
            .filter(|c| !c.is_ascii_punctuation())
            .collect::<String>()
            .to_lowercase()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_table_is_a_bijection_onto_printable_characters() {
        let table = byte_chars();
        let distinct: std::collections::HashSet<char> = table.iter().copied().collect();
        assert_eq!(distinct.len(), 256);
        assert_eq!(table[b'a' as usize], 'a');
        assert_eq!(table[b' ' as usize], 'Ġ');
        assert!(table.iter().all(|c| !c.is_whitespace() && !c.is_control()));
    }

    #[test]
    fn clean_text_collapses_python_whitespace() {
        assert_eq!(clean_text("  a\t\nb\u{1c}c\u{3000}d ", false), "a b c d");
        assert_eq!(clean_text("Hello, World!", true), "hello world");
        assert_eq!(clean_text("", false), "");
    }
}
