//! The map: where the caller's geotagged photos are, and place names for a position.

use chrono::{DateTime, Utc};
use shoebox_places::Place;
use shoebox_store::records::{MapMarker, MapMarkerFilter};
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

/// `GET /map/markers` filters, as Immich names them.
#[derive(Debug, Clone, Default)]
pub struct MapQuery {
    pub is_archived: Option<bool>,
    pub is_favorite: Option<bool>,
    pub file_created_after: Option<DateTime<Utc>>,
    pub file_created_before: Option<DateTime<Utc>>,
    pub with_partners: bool,
    pub with_shared_albums: bool,
}

impl Domain {
    /// The caller's markers; partners who share into the caller's timeline and albums the
    /// caller takes part in join when asked.
    pub async fn map_markers(
        &self,
        auth: &AuthContext,
        q: &MapQuery,
    ) -> DomainResult<Vec<MapMarker>> {
        let mut owner_ids = vec![auth.user_id()];
        if q.with_partners {
            owner_ids.extend(self.timeline_partner_ids(auth).await?);
        }
        let filter = MapMarkerFilter {
            owner_ids,
            albums_of: q.with_shared_albums.then(|| auth.user_id()),
            album_id: None,
            with_archived: q.is_archived == Some(true),
            is_favorite: q.is_favorite,
            file_created_after: q.file_created_after,
            file_created_before: q.file_created_before,
        };
        Ok(self.store.map.markers(&filter).await?)
    }

    /// The markers of one album the caller (or a link's visitor) may read.
    pub async fn album_map_markers(
        &self,
        auth: &AuthContext,
        album_id: Uuid,
    ) -> DomainResult<Vec<MapMarker>> {
        self.album_with_role(auth, album_id, &["owner", "editor", "viewer"], "album.read")
            .await?;
        let filter = MapMarkerFilter {
            album_id: Some(album_id),
            with_archived: true,
            ..MapMarkerFilter::default()
        };
        Ok(self.store.map.markers(&filter).await?)
    }

    /// The place at a position, from the embedded place data (none in the open sea).
    pub fn reverse_geocode(&self, latitude: f64, longitude: f64) -> DomainResult<Option<Place>> {
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(DomainError::BadRequest(
                "lat must be a latitude between -90 and 90".into(),
            ));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(DomainError::BadRequest(
                "lon must be a longitude between -180 and 180".into(),
            ));
        }
        Ok(shoebox_places::reverse_geocode(latitude, longitude))
    }
}
