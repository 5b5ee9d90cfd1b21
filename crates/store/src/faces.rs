//! Faces found in assets, the people they are grouped into, and the nearest-face search
//! clustering runs on.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::StoreResult;

/// Detected by machine learning, drawn by a user, or imported from a file's metadata.
pub const SOURCE_MACHINE_LEARNING: &str = "machine-learning";
pub const SOURCE_MANUAL: &str = "manual";

#[derive(Debug, Clone, PartialEq)]
pub struct FaceRecord {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub person_id: Option<Uuid>,
    /// The size of the image the box was found in (the preview), in pixels.
    pub image_width: i32,
    pub image_height: i32,
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
    pub source_type: String,
    /// Unit-length identity vector; none for a face drawn by hand.
    pub embedding: Option<Vec<f32>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub is_hidden: bool,
    pub is_favorite: bool,
    pub color: Option<String>,
    /// The face whose crop is the person's picture.
    pub feature_face_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PersonPatch {
    pub name: Option<String>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub is_hidden: Option<bool>,
    pub is_favorite: Option<bool>,
    pub color: Option<Option<String>>,
    pub feature_face_id: Option<Option<Uuid>>,
}

/// A person as lists show them: with how many faces and visible assets they have.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonSummary {
    pub person: PersonRecord,
    pub face_count: i64,
    pub asset_count: i64,
}

/// A face close to a searched embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceMatch {
    pub face_id: Uuid,
    pub person_id: Option<Uuid>,
    /// Cosine distance, 0 (same direction) to 2.
    pub distance: f32,
}

#[async_trait]
pub trait PersonRepo: Send + Sync {
    async fn create(&self, person: &PersonRecord) -> StoreResult<()>;
    async fn get(&self, id: Uuid) -> StoreResult<Option<PersonRecord>>;
    /// The owner's people with at least one face (or a name), favourites first, then by
    /// face count; hidden ones only when asked.
    async fn list(&self, owner_id: Uuid, with_hidden: bool) -> StoreResult<Vec<PersonSummary>>;
    async fn summary(&self, id: Uuid) -> StoreResult<Option<PersonSummary>>;
    async fn update(&self, id: Uuid, patch: &PersonPatch, now: DateTime<Utc>) -> StoreResult<()>;
    async fn delete(&self, ids: &[Uuid]) -> StoreResult<()>;
    /// Moves every face of `sources` to `target` and deletes the sources.
    async fn merge(&self, target: Uuid, sources: &[Uuid], now: DateTime<Utc>) -> StoreResult<()>;
    /// Deletes the owner's people left without faces (after re-clustering or reassigning):
    /// (owner, person) of each one deleted.
    async fn delete_empty(&self, owner_id: Option<Uuid>) -> StoreResult<Vec<(Uuid, Uuid)>>;
    /// Assets (not trashed) showing any of the people.
    async fn asset_ids(&self, person_ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
    /// Of `ids`, those owned by `owner_id`.
    async fn owned_ids(&self, owner_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
}

#[async_trait]
pub trait FaceRepo: Send + Sync {
    /// Replaces the machine-learning faces of an asset with `faces` (a new detection run)
    /// and records when detection ran; faces drawn by hand stay.
    async fn replace_detected(
        &self,
        asset_id: Uuid,
        faces: &[FaceRecord],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// A page of assets (not trashed) that have a preview to detect faces in, after `after`
    /// in id order; only those never analysed when `missing`.
    async fn assets_to_detect(
        &self,
        after: Option<Uuid>,
        limit: i64,
        missing: bool,
    ) -> StoreResult<Vec<Uuid>>;
    async fn create(&self, face: &FaceRecord) -> StoreResult<()>;
    async fn get(&self, id: Uuid) -> StoreResult<Option<FaceRecord>>;
    /// The faces of these ids that exist, in no particular order.
    async fn get_many(&self, ids: &[Uuid]) -> StoreResult<Vec<FaceRecord>>;
    async fn of_asset(&self, asset_id: Uuid) -> StoreResult<Vec<FaceRecord>>;
    async fn of_person(&self, person_id: Uuid) -> StoreResult<Vec<FaceRecord>>;
    async fn delete(&self, id: Uuid) -> StoreResult<()>;
    /// Puts faces on a person (or none).
    async fn assign(&self, face_ids: &[Uuid], person_id: Option<Uuid>) -> StoreResult<()>;
    /// Takes every machine-learning face of the owner (all owners: `None`) off its person,
    /// for a full re-clustering.
    async fn unassign_detected(&self, owner_id: Option<Uuid>) -> StoreResult<()>;
    /// Machine-learning faces without a person, with an embedding, of assets not trashed.
    async fn unassigned_ids(&self) -> StoreResult<Vec<Uuid>>;
    /// The owner of the asset a face is in.
    async fn owner_of(&self, id: Uuid) -> StoreResult<Option<Uuid>>;
}

/// Nearest faces by embedding. The SQL backends scan the owner's embeddings and compare in
/// Rust, which is quick enough for a family library; a vector index (pgvector) implements
/// this same trait when libraries outgrow that.
#[async_trait]
pub trait FaceSearchRepo: Send + Sync {
    /// Up to `limit` faces of the owner's assets (not trashed) within `max_distance`,
    /// nearest first; only faces on a person when `with_person`.
    async fn nearest(
        &self,
        owner_id: Uuid,
        embedding: &[f32],
        max_distance: f32,
        limit: usize,
        with_person: bool,
    ) -> StoreResult<Vec<FaceMatch>>;
}

/// Cosine distance of two unit vectors; vectors of different lengths are as far apart as
/// can be.
pub fn cosine_distance(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 2.0;
    }
    1.0 - a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()
}

/// Embeddings travel to the database as little-endian f32 bytes.
pub fn embedding_to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn embedding_from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_survive_the_byte_encoding() {
        let v = vec![0.25f32, -1.5, 3.0e-8];
        assert_eq!(embedding_from_bytes(&embedding_to_bytes(&v)), v);
    }

    #[test]
    fn cosine_distance_of_unit_vectors() {
        assert_eq!(cosine_distance(&[1.0, 0.0], &[1.0, 0.0]), 0.0);
        assert_eq!(cosine_distance(&[1.0, 0.0], &[0.0, 1.0]), 1.0);
        assert_eq!(cosine_distance(&[1.0], &[1.0, 0.0]), 2.0);
    }
}
