//! Finding assets by what is known about them.
//!
//! Every search covers the caller's library and the timelines of partners who share theirs
//! with the caller (and who asked for it in their timeline), as Immich's searches do.

use std::collections::HashMap;

use shoebox_store::records::{AssetRecord, AssetSearch, ExifField, SearchOrder};
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

/// Immich's default and largest page sizes.
pub const DEFAULT_PAGE_SIZE: i64 = 250;
pub const MAX_PAGE_SIZE: i64 = 1000;

/// Explore lists a city once it has this many photos, and at most this many cities.
const EXPLORE_MIN_ASSETS_PER_CITY: i64 = 5;
const EXPLORE_MAX_CITIES: i64 = 12;

/// One page of results, and whether another follows.
pub struct SearchPage {
    pub items: Vec<AssetRecord>,
    pub next_page: Option<i64>,
}

fn checked_size(size: Option<i64>) -> DomainResult<i64> {
    let size = size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(DomainError::BadRequest(format!(
            "size must be between 1 and {MAX_PAGE_SIZE}"
        )));
    }
    Ok(size)
}

impl Domain {
    /// Whose assets the caller searches, set on `search`. Locked assets are found only when
    /// asked for by visibility (Immich also wants a PIN-unlocked session for that; Shoebox has
    /// no PIN codes yet).
    pub(crate) async fn scope_search(
        &self,
        auth: &AuthContext,
        search: &mut AssetSearch,
    ) -> DomainResult<()> {
        search.owner_id = auth.user_id();
        search.partner_ids = self.timeline_partner_ids(auth).await?;
        Ok(())
    }

    /// `POST /search/metadata`: a page of matches in date order; `page` counts from 1.
    pub async fn search_assets(
        &self,
        auth: &AuthContext,
        mut search: AssetSearch,
        page: Option<i64>,
        size: Option<i64>,
    ) -> DomainResult<SearchPage> {
        let page = page.unwrap_or(1);
        if page < 1 {
            return Err(DomainError::BadRequest(
                "page must not be less than 1".into(),
            ));
        }
        let size = checked_size(size)?;
        self.scope_search(auth, &mut search).await?;
        search.offset = (page - 1) * size;
        // One more than a page tells whether another page exists.
        search.limit = size + 1;
        let mut items = self.store.assets.search(&search).await?;
        let next_page = (items.len() as i64 > size).then_some(page + 1);
        items.truncate(size as usize);
        Ok(SearchPage { items, next_page })
    }

    /// `POST /search/random`: up to `size` matches in random order.
    pub async fn search_random(
        &self,
        auth: &AuthContext,
        mut search: AssetSearch,
        size: Option<i64>,
    ) -> DomainResult<Vec<AssetRecord>> {
        search.limit = checked_size(size)?;
        search.order = SearchOrder::Random;
        self.scope_search(auth, &mut search).await?;
        Ok(self.store.assets.search(&search).await?)
    }

    /// `POST /search/large-assets`: the largest matching files first.
    pub async fn search_large_assets(
        &self,
        auth: &AuthContext,
        mut search: AssetSearch,
        size: Option<i64>,
    ) -> DomainResult<Vec<AssetRecord>> {
        if search.min_file_size.is_some_and(|m| m < 0) {
            return Err(DomainError::BadRequest(
                "minFileSize must not be less than 0".into(),
            ));
        }
        search.limit = checked_size(size)?;
        search.order = SearchOrder::FileSizeDesc;
        search.min_file_size = Some(search.min_file_size.unwrap_or(0));
        self.scope_search(auth, &mut search).await?;
        Ok(self.store.assets.search(&search).await?)
    }

    /// `POST /search/statistics`: how many assets match.
    pub async fn search_statistics(
        &self,
        auth: &AuthContext,
        mut search: AssetSearch,
    ) -> DomainResult<i64> {
        self.scope_search(auth, &mut search).await?;
        Ok(self.store.assets.search_count(&search).await?)
    }

    /// `GET /search/suggestions`: the values of one metadata field on the caller's timeline,
    /// narrowed by the values already chosen for the others.
    pub async fn search_suggestions(
        &self,
        auth: &AuthContext,
        field: ExifField,
        narrowed_by: &[(ExifField, String)],
    ) -> DomainResult<Vec<String>> {
        let partners = self.timeline_partner_ids(auth).await?;
        Ok(self
            .store
            .assets
            .exif_values(auth.user_id(), &partners, field, narrowed_by)
            .await?)
    }

    /// `GET /search/cities`: one photo for each city on the caller's timeline.
    pub async fn assets_by_city(&self, auth: &AuthContext) -> DomainResult<Vec<AssetRecord>> {
        let partners = self.timeline_partner_ids(auth).await?;
        let cities = self
            .store
            .assets
            .city_samples(auth.user_id(), &partners, 1, i64::MAX)
            .await?;
        Ok(self
            .with_assets(cities)
            .await?
            .into_iter()
            .map(|(_, asset)| asset)
            .collect())
    }

    /// `GET /search/explore`: the caller's cities with enough photos, each with one of them.
    pub async fn explore_cities(
        &self,
        auth: &AuthContext,
    ) -> DomainResult<Vec<(String, AssetRecord)>> {
        let cities = self
            .store
            .assets
            .city_samples(
                auth.user_id(),
                &[],
                EXPLORE_MIN_ASSETS_PER_CITY,
                EXPLORE_MAX_CITIES,
            )
            .await?;
        self.with_assets(cities).await
    }

    /// Each (city, asset id) with its asset, in order; an asset deleted meanwhile drops out.
    async fn with_assets(
        &self,
        cities: Vec<(String, Uuid)>,
    ) -> DomainResult<Vec<(String, AssetRecord)>> {
        let ids: Vec<Uuid> = cities.iter().map(|(_, id)| *id).collect();
        let mut assets: HashMap<Uuid, AssetRecord> = self
            .store
            .assets
            .get_many(&ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(cities
            .into_iter()
            .filter_map(|(city, id)| assets.remove(&id).map(|a| (city, a)))
            .collect())
    }
}
