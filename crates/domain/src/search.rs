//! Finding assets by what is known about them.

use shoebox_store::records::{AssetRecord, AssetSearch};

use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

/// Immich's default and largest page sizes.
pub const DEFAULT_PAGE_SIZE: i64 = 250;
pub const MAX_PAGE_SIZE: i64 = 1000;

/// One page of results, and whether another follows.
pub struct SearchPage {
    pub items: Vec<AssetRecord>,
    pub next_page: Option<i64>,
}

impl Domain {
    /// Searches the caller's own assets; `page` counts from 1.
    pub async fn search_assets(
        &self,
        auth: &AuthContext,
        mut search: AssetSearch,
        page: Option<i64>,
        size: Option<i64>,
    ) -> DomainResult<SearchPage> {
        let page = page.unwrap_or(1);
        let size = size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page < 1 {
            return Err(DomainError::BadRequest(
                "page must not be less than 1".into(),
            ));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(DomainError::BadRequest(format!(
                "size must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        search.owner_id = auth.user_id();
        search.offset = (page - 1) * size;
        // One more than a page tells whether another page exists.
        search.limit = size + 1;
        let mut items = self.store.assets.search(&search).await?;
        let next_page = (items.len() as i64 > size).then_some(page + 1);
        items.truncate(size as usize);
        Ok(SearchPage { items, next_page })
    }
}
