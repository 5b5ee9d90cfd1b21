//! `POST /search/smart`: assets ranked by how close their CLIP embedding lies to a text's
//! (or to another asset's), with the filters and scope of the metadata search.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use shoebox_ml::MlError;
use shoebox_ml::clip::MAX_QUERY_CHARS;
use shoebox_store::records::AssetSearch;
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::search::{MAX_PAGE_SIZE, SearchPage};
use crate::{Domain, DomainError, DomainResult};

/// Immich's default page size for smart search.
pub const DEFAULT_SMART_PAGE_SIZE: i64 = 100;

/// Recent text embeddings, as Immich keeps them: paging through results or coming back to
/// a query does not ask the model again.
const EMBEDDING_CACHE: usize = 100;

/// What a smart search looks for: a text, or the picture of an asset.
#[derive(Debug, Clone)]
pub enum SmartQuery {
    Text {
        query: String,
        language: Option<String>,
    },
    Asset(Uuid),
}

/// Embeddings by query, and the queries from oldest to newest.
type RecentEmbeddings = (HashMap<String, Vec<f32>>, VecDeque<String>);

#[derive(Default)]
pub struct EmbeddingCache {
    entries: Mutex<RecentEmbeddings>,
}

impl EmbeddingCache {
    fn get(&self, key: &str) -> Option<Vec<f32>> {
        self.entries.lock().expect("cache lock").0.get(key).cloned()
    }

    fn put(&self, key: String, embedding: Vec<f32>) {
        let mut entries = self.entries.lock().expect("cache lock");
        let (map, order) = &mut *entries;
        if map.insert(key.clone(), embedding).is_none() {
            order.push_back(key);
            if order.len() > EMBEDDING_CACHE
                && let Some(oldest) = order.pop_front()
            {
                map.remove(&oldest);
            }
        }
    }
}

fn ml_failure(e: MlError) -> DomainError {
    match e {
        MlError::BadRequest(m) => DomainError::BadRequest(m),
        other => DomainError::Internal(format!("Machine learning request failed: {other}")),
    }
}

impl Domain {
    pub async fn search_smart(
        &self,
        auth: &AuthContext,
        mut search: AssetSearch,
        query: SmartQuery,
        page: Option<i64>,
        size: Option<i64>,
    ) -> DomainResult<SearchPage> {
        let (Some(model), Some(ml)) = (self.clip_model().await?, self.ml.clone()) else {
            return Err(DomainError::BadRequest(
                "Smart search is not enabled".into(),
            ));
        };
        let page = page.unwrap_or(1);
        if page < 1 {
            return Err(DomainError::BadRequest(
                "page must not be less than 1".into(),
            ));
        }
        let size = size.unwrap_or(DEFAULT_SMART_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(DomainError::BadRequest(format!(
                "size must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        let embedding = match query {
            SmartQuery::Text { query, language } => {
                if query.chars().count() > MAX_QUERY_CHARS {
                    return Err(DomainError::BadRequest(format!(
                        "query must not be longer than {MAX_QUERY_CHARS} characters"
                    )));
                }
                let key = format!(
                    "{model}\u{0}{query}\u{0}{}",
                    language.as_deref().unwrap_or("")
                );
                match self.embedding_cache.get(&key) {
                    Some(embedding) => embedding,
                    None => {
                        let embedding = ml
                            .encode_text(&query, &model, language.as_deref())
                            .await
                            .map_err(ml_failure)?;
                        self.embedding_cache.put(key, embedding.clone());
                        embedding
                    }
                }
            }
            SmartQuery::Asset(id) => {
                self.get_asset(auth, id, "asset.read").await?;
                self.store.smart_search.get(id).await?.ok_or_else(|| {
                    DomainError::BadRequest(format!("Asset {id} has no embedding"))
                })?
            }
        };
        self.scope_search(auth, &mut search).await?;
        search.offset = (page - 1) * size;
        search.limit = size + 1;
        let mut items = self.store.smart_search.search(&search, &embedding).await?;
        let next_page = (items.len() as i64 > size).then_some(page + 1);
        items.truncate(size as usize);
        Ok(SearchPage { items, next_page })
    }
}
