//! People and faces as Immich's API shows them: each user sees and edits only their own.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use shoebox_media::thumbnails::{ThumbnailSettings, face_crop_jpeg};
use shoebox_store::faces::{
    FaceRecord, PersonPatch, PersonRecord, PersonSummary, SOURCE_MANUAL, cosine_distance,
};
use uuid::Uuid;

use crate::albums::{BulkFailure, BulkResult};
use crate::auth::AuthContext;
use crate::events::Event;
use crate::storage::Storage;
use crate::{Domain, DomainError, DomainResult};

/// Side of a person's picture, in pixels, and its JPEG quality.
const PERSON_THUMBNAIL_SIZE: u32 = 250;
const PERSON_THUMBNAIL_QUALITY: u8 = 80;

/// A page of the people list and the counts Immich shows above it.
pub struct PeoplePage {
    pub total: i64,
    pub hidden: i64,
    pub people: Vec<PersonSummary>,
    pub has_next_page: bool,
}

/// What the people list is ordered by resemblance to (`closestPersonId` / `closestAssetId`,
/// which, in Immich as here, names a face).
#[derive(Debug, Clone, Copy)]
pub enum Closest {
    Person(Uuid),
    Face(Uuid),
}

/// Fields a create or update may set; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PersonChanges {
    pub name: Option<String>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub is_hidden: Option<bool>,
    pub is_favorite: Option<bool>,
    pub color: Option<Option<String>>,
    /// The asset whose face of this person becomes their picture.
    pub feature_face_asset_id: Option<Uuid>,
}

/// A face drawn by hand: a box in pixels of an image of the given size.
#[derive(Debug, Clone)]
pub struct NewFace {
    pub asset_id: Uuid,
    pub person_id: Uuid,
    pub image_width: i32,
    pub image_height: i32,
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

fn person_not_found(permission: &str) -> DomainError {
    DomainError::BadRequest(format!("Not found or no {permission} access"))
}

fn check_birth_date(date: Option<NaiveDate>) -> DomainResult<()> {
    match date {
        Some(d) if d > Utc::now().date_naive() => Err(DomainError::BadRequest(
            "Birth date cannot be in the future".into(),
        )),
        _ => Ok(()),
    }
}

impl Domain {
    /// A person of the caller's.
    pub async fn get_person(
        &self,
        auth: &AuthContext,
        id: Uuid,
        permission: &str,
    ) -> DomainResult<PersonRecord> {
        match self.store.people.get(id).await? {
            Some(p) if p.owner_id == auth.user_id() => Ok(p),
            _ => Err(person_not_found(permission)),
        }
    }

    pub async fn person_summary(
        &self,
        auth: &AuthContext,
        id: Uuid,
    ) -> DomainResult<PersonSummary> {
        self.get_person(auth, id, "person.read").await?;
        self.store
            .people
            .summary(id)
            .await?
            .ok_or_else(|| person_not_found("person.read"))
    }

    /// The caller's people with at least `minFaces` faces or a name, paged (1-based). With
    /// `closest_face`, people whose picture's face looks most like that face come first
    /// (after hidden/favourite, as Immich orders them): the face editor's suggestions.
    pub async fn list_people(
        &self,
        auth: &AuthContext,
        with_hidden: bool,
        closest: Option<Closest>,
        page: usize,
        size: usize,
    ) -> DomainResult<PeoplePage> {
        let min_faces = i64::from(
            self.system_config()
                .await?
                .machine_learning
                .facial_recognition
                .min_faces
                .max(1),
        );
        let mut people = self.store.people.list(auth.user_id(), true).await?;
        people.retain(|p| p.face_count >= min_faces || !p.person.name.is_empty());
        let total = people.len() as i64;
        let hidden = people.iter().filter(|p| p.person.is_hidden).count() as i64;
        people.retain(|p| with_hidden || !p.person.is_hidden);
        if let Some(closest) = closest {
            self.order_by_resemblance(auth, closest, &mut people)
                .await?;
        }
        let start = page.saturating_sub(1).saturating_mul(size);
        let has_next_page = people.len() > start.saturating_add(size);
        let people = people.into_iter().skip(start).take(size).collect();
        Ok(PeoplePage {
            total,
            hidden,
            people,
            has_next_page,
        })
    }

    async fn order_by_resemblance(
        &self,
        auth: &AuthContext,
        closest: Closest,
        people: &mut [PersonSummary],
    ) -> DomainResult<()> {
        let face_id = match closest {
            Closest::Face(id) => id,
            Closest::Person(id) => self
                .get_person(auth, id, "person.read")
                .await?
                .feature_face_id
                .ok_or_else(|| DomainError::NotFound("Person not found".into()))?,
        };
        let reference = match self.store.faces.get(face_id).await? {
            Some(face) if self.store.faces.owner_of(face.id).await? == Some(auth.user_id()) => {
                face.embedding
            }
            _ => return Err(DomainError::NotFound("Face not found".into())),
        };
        let Some(reference) = reference else {
            return Ok(());
        };
        let feature_faces: Vec<Uuid> = people
            .iter()
            .filter_map(|p| p.person.feature_face_id)
            .collect();
        let distances: HashMap<Uuid, f32> = self
            .store
            .faces
            .get_many(&feature_faces)
            .await?
            .into_iter()
            .filter_map(|f| Some((f.id, cosine_distance(&reference, f.embedding.as_ref()?))))
            .collect();
        let distance = |p: &PersonSummary| {
            p.person
                .feature_face_id
                .and_then(|f| distances.get(&f).copied())
                .unwrap_or(f32::INFINITY)
        };
        people.sort_by(|a, b| {
            (a.person.is_hidden, !a.person.is_favorite)
                .cmp(&(b.person.is_hidden, !b.person.is_favorite))
                .then(distance(a).total_cmp(&distance(b)))
        });
        Ok(())
    }

    /// `GET /search/person`: the caller's people whose name contains `name` (any case), those
    /// whose name or one of its words starts with it first; at most 100, as Immich answers.
    pub async fn search_people(
        &self,
        auth: &AuthContext,
        name: &str,
        with_hidden: bool,
    ) -> DomainResult<Vec<PersonRecord>> {
        let needle = name.trim().to_lowercase();
        if needle.is_empty() {
            return Err(DomainError::BadRequest("name must not be empty".into()));
        }
        let word_start = |n: &str| n.starts_with(&needle) || n.contains(&format!(" {needle}"));
        let mut found: Vec<(bool, String, PersonRecord)> = self
            .store
            .people
            .list(auth.user_id(), with_hidden)
            .await?
            .into_iter()
            .map(|p| (p.person.name.to_lowercase(), p.person))
            .filter(|(lower, _)| lower.contains(&needle))
            .map(|(lower, person)| (!word_start(&lower), lower, person))
            .collect();
        found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Ok(found.into_iter().take(100).map(|(_, _, p)| p).collect())
    }

    pub async fn create_person(
        &self,
        auth: &AuthContext,
        changes: PersonChanges,
    ) -> DomainResult<PersonRecord> {
        let birth_date = changes.birth_date.flatten();
        check_birth_date(birth_date)?;
        let now = Utc::now();
        let person = PersonRecord {
            id: Uuid::new_v4(),
            owner_id: auth.user_id(),
            name: changes.name.unwrap_or_default(),
            birth_date,
            is_hidden: changes.is_hidden.unwrap_or(false),
            is_favorite: changes.is_favorite.unwrap_or(false),
            color: changes.color.flatten(),
            feature_face_id: None,
            created_at: now,
            updated_at: now,
        };
        self.store.people.create(&person).await?;
        Ok(person)
    }

    pub async fn update_person(
        &self,
        auth: &AuthContext,
        id: Uuid,
        changes: PersonChanges,
    ) -> DomainResult<PersonRecord> {
        self.get_person(auth, id, "person.update").await?;
        if let Some(date) = changes.birth_date {
            check_birth_date(date)?;
        }
        let feature_face_id = match changes.feature_face_asset_id {
            Some(asset_id) => {
                let face = self
                    .store
                    .faces
                    .of_asset(asset_id)
                    .await?
                    .into_iter()
                    .find(|f| f.person_id == Some(id))
                    .ok_or_else(|| {
                        DomainError::BadRequest("Asset has no face of this person".into())
                    })?;
                Some(Some(face.id))
            }
            None => None,
        };
        let new_picture = feature_face_id.is_some();
        let patch = PersonPatch {
            name: changes.name,
            birth_date: changes.birth_date,
            is_hidden: changes.is_hidden,
            is_favorite: changes.is_favorite,
            color: changes.color,
            feature_face_id,
        };
        self.store.people.update(id, &patch, Utc::now()).await?;
        let person = self.get_person(auth, id, "person.update").await?;
        if new_picture {
            self.emit(Event::PersonThumbnail {
                owner_id: person.owner_id,
                person_id: id,
            })
            .await;
        }
        Ok(person)
    }

    pub async fn delete_people(&self, auth: &AuthContext, ids: &[Uuid]) -> DomainResult<()> {
        let owned = self.store.people.owned_ids(auth.user_id(), ids).await?;
        let mut wanted = ids.to_vec();
        wanted.sort();
        wanted.dedup();
        if owned.len() != wanted.len() {
            return Err(person_not_found("person.delete"));
        }
        self.store.people.delete(&owned).await?;
        for person in owned {
            self.storage
                .remove_person_pictures(auth.user_id(), person)
                .await;
        }
        Ok(())
    }

    /// Deletes the people left without faces (of one owner, or of all) and their kept
    /// pictures.
    pub(crate) async fn delete_empty_people(&self, owner_id: Option<Uuid>) -> DomainResult<()> {
        for (owner, person) in self.store.people.delete_empty(owner_id).await? {
            self.storage.remove_person_pictures(owner, person).await;
        }
        Ok(())
    }

    /// Moves the faces of `ids` to `target` and deletes them; per-id results as Immich
    /// gives them (merging a person into itself is a duplicate).
    pub async fn merge_people(
        &self,
        auth: &AuthContext,
        target: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<BulkResult> {
        let target_person = self.get_person(auth, target, "person.merge").await?;
        let owned = self.store.people.owned_ids(auth.user_id(), ids).await?;
        let mut results = Vec::new();
        let mut merged = Vec::new();
        for &id in ids {
            let result = if id == target || merged.contains(&id) {
                Err(BulkFailure::Duplicate)
            } else if !owned.contains(&id) {
                Err(BulkFailure::NoPermission)
            } else {
                merged.push(id);
                Ok(())
            };
            results.push((id, result));
        }
        if !merged.is_empty() {
            self.store.people.merge(target, &merged, Utc::now()).await?;
            for person in &merged {
                self.storage
                    .remove_person_pictures(target_person.owner_id, *person)
                    .await;
            }
            self.ensure_feature_face(&target_person).await?;
        }
        Ok(results)
    }

    /// Gives a person without a picture their first face as one.
    async fn ensure_feature_face(&self, person: &PersonRecord) -> DomainResult<()> {
        let current = self.store.people.get(person.id).await?;
        let Some(current) = current else {
            return Ok(());
        };
        let valid = match current.feature_face_id {
            Some(face) => self
                .store
                .faces
                .get(face)
                .await?
                .is_some_and(|f| f.person_id == Some(person.id)),
            None => false,
        };
        if !valid && let Some(face) = self.store.faces.of_person(person.id).await?.first() {
            let patch = PersonPatch {
                feature_face_id: Some(Some(face.id)),
                ..PersonPatch::default()
            };
            self.store
                .people
                .update(person.id, &patch, Utc::now())
                .await?;
            self.emit(Event::PersonThumbnail {
                owner_id: current.owner_id,
                person_id: person.id,
            })
            .await;
        }
        Ok(())
    }

    /// Moves the faces of `(asset, from person)` pairs to `target`; answers the target once
    /// per moved face, as Immich does.
    pub async fn reassign_faces(
        &self,
        auth: &AuthContext,
        target: Uuid,
        items: &[(Uuid, Uuid)],
    ) -> DomainResult<Vec<PersonRecord>> {
        let person = self.get_person(auth, target, "person.reassign").await?;
        let mut moved = Vec::new();
        for &(asset_id, from) in items {
            self.require_owned(auth, &[asset_id], "person.reassign")
                .await?;
            self.get_person(auth, from, "person.reassign").await?;
            let faces: Vec<Uuid> = self
                .store
                .faces
                .of_asset(asset_id)
                .await?
                .into_iter()
                .filter(|f| f.person_id == Some(from))
                .map(|f| f.id)
                .collect();
            self.store.faces.assign(&faces, Some(target)).await?;
            moved.extend(faces);
        }
        self.ensure_feature_face(&person).await?;
        self.delete_empty_people(Some(auth.user_id())).await?;
        let person = self.get_person(auth, target, "person.reassign").await?;
        Ok(moved.iter().map(|_| person.clone()).collect())
    }

    /// A person's picture: their feature face cropped from its asset's preview (JPEG).
    pub async fn person_thumbnail(&self, auth: &AuthContext, id: Uuid) -> DomainResult<Vec<u8>> {
        let person = self.get_person(auth, id, "person.read").await?;
        let face = match person.feature_face_id {
            Some(face) => self.store.faces.get(face).await?,
            None => None,
        };
        let face = match face {
            Some(face) => face,
            None => self
                .store
                .faces
                .of_person(id)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| DomainError::NotFound("Person has no picture".into()))?,
        };
        let cached = Storage::person_thumbnail_rel_path(person.owner_id, id, face.id);
        if let Ok(path) = self.storage.generated_abs(&cached)
            && let Ok(bytes) = tokio::fs::read(path).await
        {
            return Ok(bytes);
        }
        let preview = self
            .preview_path(face.asset_id)
            .await?
            .ok_or_else(|| DomainError::NotFound("Person has no picture".into()))?;
        let bytes = tokio::fs::read(preview?).await?;
        let space = (
            face.image_width.max(1) as u32,
            face.image_height.max(1) as u32,
        );
        let bbox = [face.x1, face.y1, face.x2, face.y2];
        let jpeg = shoebox_jobs::run_cpu(move || {
            face_crop_jpeg(
                &bytes,
                bbox,
                space,
                PERSON_THUMBNAIL_SIZE,
                PERSON_THUMBNAIL_QUALITY,
                &ThumbnailSettings::default(),
            )
        })
        .await
        .map_err(|e| DomainError::Internal(format!("person picture crashed: {e}")))?
        .map_err(|e| DomainError::Internal(format!("cannot make the person's picture: {e}")))?;
        // A cache: when it cannot be written the picture is still served.
        match self.storage.write_generated(&cached, jpeg.clone()).await {
            Ok(()) => {
                self.storage
                    .remove_generated_variants(&cached, "-face-")
                    .await
            }
            Err(e) => tracing::warn!(person = %id, error = %e, "could not keep a person's picture"),
        }
        Ok(jpeg)
    }

    /// The faces of an asset the caller may see, each with its person.
    pub async fn faces_of_asset(
        &self,
        auth: &AuthContext,
        asset_id: Uuid,
    ) -> DomainResult<Vec<(FaceRecord, Option<PersonRecord>)>> {
        self.get_asset(auth, asset_id, "face.read").await?;
        let mut out = Vec::new();
        for face in self.store.faces.of_asset(asset_id).await? {
            let person = match face.person_id {
                Some(p) => self.store.people.get(p).await?,
                None => None,
            };
            out.push((face, person));
        }
        Ok(out)
    }

    /// The people in an asset, once each.
    pub async fn people_of_asset(&self, asset_id: Uuid) -> DomainResult<Vec<PersonRecord>> {
        let mut people: Vec<PersonRecord> = Vec::new();
        for face in self.store.faces.of_asset(asset_id).await? {
            if let Some(id) = face.person_id
                && !people.iter().any(|p| p.id == id)
                && let Some(person) = self.store.people.get(id).await?
            {
                people.push(person);
            }
        }
        Ok(people)
    }

    pub async fn create_face(&self, auth: &AuthContext, new: NewFace) -> DomainResult<()> {
        self.require_owned(auth, &[new.asset_id], "face.create")
            .await?;
        self.get_person(auth, new.person_id, "face.create").await?;
        if new.image_width <= 0 || new.image_height <= 0 || new.width <= 0 || new.height <= 0 {
            return Err(DomainError::BadRequest(
                "image and box sizes must be positive".into(),
            ));
        }
        let face = FaceRecord {
            id: Uuid::new_v4(),
            asset_id: new.asset_id,
            person_id: Some(new.person_id),
            image_width: new.image_width,
            image_height: new.image_height,
            x1: new.x,
            y1: new.y,
            x2: new.x.saturating_add(new.width),
            y2: new.y.saturating_add(new.height),
            source_type: SOURCE_MANUAL.into(),
            embedding: None,
            created_at: Utc::now(),
        };
        self.store.faces.create(&face).await?;
        let person = self.get_person(auth, new.person_id, "face.create").await?;
        self.ensure_feature_face(&person).await
    }

    /// Puts one face on another person of the caller's; answers that person.
    pub async fn reassign_face(
        &self,
        auth: &AuthContext,
        face_id: Uuid,
        person_id: Uuid,
    ) -> DomainResult<PersonRecord> {
        self.owned_face(auth, face_id, "face.update").await?;
        let person = self.get_person(auth, person_id, "face.update").await?;
        self.store.faces.assign(&[face_id], Some(person_id)).await?;
        self.ensure_feature_face(&person).await?;
        self.delete_empty_people(Some(auth.user_id())).await?;
        self.get_person(auth, person_id, "face.update").await
    }

    /// Deletes a face. Immich's `force` decides between deleting and hiding; this store
    /// keeps no deleted faces, so both delete.
    pub async fn delete_face(&self, auth: &AuthContext, face_id: Uuid) -> DomainResult<()> {
        self.owned_face(auth, face_id, "face.delete").await?;
        self.store.faces.delete(face_id).await?;
        self.delete_empty_people(Some(auth.user_id())).await?;
        Ok(())
    }

    async fn owned_face(
        &self,
        auth: &AuthContext,
        face_id: Uuid,
        permission: &str,
    ) -> DomainResult<FaceRecord> {
        match self.store.faces.owner_of(face_id).await? {
            Some(owner) if owner == auth.user_id() => self
                .store
                .faces
                .get(face_id)
                .await?
                .ok_or_else(|| person_not_found(permission)),
            _ => Err(person_not_found(permission)),
        }
    }

    /// Assets (of any owner) showing every one of the caller's `person_ids`; `None` when the
    /// list is empty. A person of someone else's counts as unknown.
    pub async fn assets_with_people(
        &self,
        auth: &AuthContext,
        person_ids: &[Uuid],
    ) -> DomainResult<Option<Vec<Uuid>>> {
        if person_ids.is_empty() {
            return Ok(None);
        }
        let owned = self
            .store
            .people
            .owned_ids(auth.user_id(), person_ids)
            .await?;
        let mut result: Option<Vec<Uuid>> = None;
        for id in person_ids {
            let ids = if owned.contains(id) {
                self.store.people.asset_ids(&[*id]).await?
            } else {
                Vec::new()
            };
            result = Some(match result {
                None => ids,
                Some(prev) => prev.into_iter().filter(|a| ids.contains(a)).collect(),
            });
        }
        Ok(result)
    }
}
