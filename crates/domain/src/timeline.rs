//! The timeline: the caller's library (or an album) by month of date taken.

use shoebox_store::records::{TimelineAsset, TimelineFilter};
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::{Domain, DomainError, DomainResult};

/// What a timeline request asks for, before access checks.
#[derive(Debug, Clone, Default)]
pub struct TimelineQuery {
    pub user_id: Option<Uuid>,
    pub album_id: Option<Uuid>,
    pub tag_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub is_favorite: Option<bool>,
    pub is_trashed: Option<bool>,
    pub visibility: Option<String>,
    pub with_partners: bool,
    pub with_stacked: bool,
    pub ascending: bool,
}

impl Domain {
    /// Turns a query into a filter the caller is allowed to see.
    async fn timeline_filter(
        &self,
        auth: &AuthContext,
        q: &TimelineQuery,
    ) -> DomainResult<TimelineFilter> {
        if q.with_partners
            && (q.visibility.as_deref() != Some("timeline")
                || q.is_favorite.is_some()
                || q.is_trashed == Some(true))
        {
            return Err(DomainError::BadRequest(
                "withPartners is only supported for the timeline, without favorite or trash filters".into(),
            ));
        }
        let mut filter = TimelineFilter {
            is_favorite: q.is_favorite,
            is_trashed: q.is_trashed.unwrap_or(false),
            visibility: q.visibility.clone(),
            ascending: q.ascending,
            with_stacked: q.with_stacked,
            ..TimelineFilter::default()
        };
        if let Some(tag) = q.tag_id {
            self.require_tag(auth, tag, "tag.read").await?;
            filter.tag_id = Some(tag);
        }
        if let Some(person) = q.person_id {
            self.get_person(auth, person, "person.read").await?;
            filter.person_id = Some(person);
        }
        match q.album_id {
            // An album shows every member's assets in it.
            Some(album) => {
                self.get_album(auth, album).await?;
                filter.album_id = Some(album);
                if let Some(user) = q.user_id {
                    filter.owner_ids = vec![user];
                }
            }
            // A link's visitor browses only its album.
            None if auth.shared_link.is_some() => {
                return Err(DomainError::BadRequest(
                    "Not found or no timeline.read access".into(),
                ));
            }
            None => {
                let me = auth.user_id();
                let user = q.user_id.unwrap_or(me);
                // A partner's library can be browsed, but not what they archived or locked.
                let partner_view = user != me
                    && matches!(q.visibility.as_deref(), None | Some("timeline"))
                    && q.is_trashed != Some(true)
                    && self.is_partner_of(auth, user).await?;
                if user != me && !partner_view {
                    return Err(DomainError::BadRequest(
                        "Not found or no timeline.read access".into(),
                    ));
                }
                filter.owner_ids = vec![user];
                if partner_view {
                    filter.visibility = Some("timeline".into());
                }
                if q.with_partners && user == me {
                    filter
                        .owner_ids
                        .extend(self.timeline_partner_ids(auth).await?);
                }
            }
        }
        Ok(filter)
    }

    pub async fn time_buckets(
        &self,
        auth: &AuthContext,
        q: &TimelineQuery,
    ) -> DomainResult<Vec<(String, i64)>> {
        let filter = self.timeline_filter(auth, q).await?;
        Ok(self.store.assets.time_buckets(&filter).await?)
    }

    /// The assets of the month `time_bucket` ("2024-03-01", optionally with a time part).
    pub async fn time_bucket(
        &self,
        auth: &AuthContext,
        q: &TimelineQuery,
        time_bucket: &str,
    ) -> DomainResult<Vec<TimelineAsset>> {
        let key = time_bucket.trim_start_matches(['+', '-']);
        let valid = key.len() >= 7
            && key.as_bytes()[4] == b'-'
            && key[0..4].bytes().all(|b| b.is_ascii_digit())
            && key[5..7].bytes().all(|b| b.is_ascii_digit());
        if !valid {
            return Err(DomainError::BadRequest(
                "timeBucket must be a date such as 2024-03-01".into(),
            ));
        }
        let month_start = format!("{}-01", &key[0..7]);
        let filter = self.timeline_filter(auth, q).await?;
        Ok(self.store.assets.time_bucket(&filter, &month_start).await?)
    }
}
