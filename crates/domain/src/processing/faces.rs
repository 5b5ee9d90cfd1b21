//! The faceDetection queue (faces and their embeddings from each asset's preview) and the
//! facialRecognition queue (faces grouped into people), with Immich's semantics.
//!
//! Clustering, per face, as Immich does it: the faces within `maxDistance` of it are its
//! matches (itself included). With fewer than `minFaces` matches the face is not "core": its
//! job is put back once (deferred), so that faces still being detected can join, and after
//! that it only joins a person a match already has. A core face joins the person of a match,
//! or of the nearest face that has one, or else starts a new person. `start` with `force`
//! undoes every machine-learning assignment and clusters the whole library again.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use shoebox_jobs::{JobError, JobHandler, Queue, enqueue};
use shoebox_ml::FaceRequest;
use shoebox_store::faces::{FaceRecord, PersonRecord, SOURCE_MACHINE_LEARNING};
use shoebox_store::records::JobRecord;
use uuid::Uuid;

use super::{START_PAGE, asset_id_of, ml_job_error, read_preview, store_err};
use crate::events::Event;
use crate::{Domain, DomainResult};

pub const DETECT_JOB: &str = "AssetDetectFaces";
pub const RECOGNIZE_JOB: &str = "FacialRecognition";

/// The face settings in force, or `None` when facial recognition is off (disabled in the
/// system configuration, or no runtime or model here).
pub struct FaceSettings {
    pub request: FaceRequest,
    pub max_distance: f32,
    pub min_faces: usize,
}

impl Domain {
    pub async fn face_settings(&self) -> DomainResult<Option<FaceSettings>> {
        let config = self.system_config().await?.machine_learning;
        let faces = &config.facial_recognition;
        let on = config.enabled
            && faces.enabled
            && self
                .ml
                .as_ref()
                .is_some_and(|ml| ml.faces_ready(&faces.model_name));
        Ok(on.then(|| FaceSettings {
            request: FaceRequest::for_model(&faces.model_name, faces.min_score as f32),
            max_distance: faces.max_distance as f32,
            min_faces: faces.min_faces.max(1) as usize,
        }))
    }

    /// Queues face detection for these assets (once each while pending).
    pub async fn queue_face_detection(&self, ids: &[Uuid]) -> DomainResult<()> {
        self.queue_asset_jobs(Queue::FaceDetection, DETECT_JOB, "faces", ids)
            .await
    }

    async fn queue_recognition(&self, face_id: Uuid, deferred: bool) -> DomainResult<()> {
        let key = if deferred { "face-deferred" } else { "face" };
        enqueue(
            &self.store,
            Queue::FacialRecognition,
            RECOGNIZE_JOB,
            serde_json::json!({ "id": face_id, "deferred": deferred }),
            Some(format!("{key}:{face_id}")),
        )
        .await?;
        Ok(())
    }

    /// `start` on faceDetection: every asset with a preview (`force`), or those never
    /// analysed. Nothing is queued while facial recognition is off.
    pub async fn start_face_detection(&self, force: bool) -> DomainResult<()> {
        if self.face_settings().await?.is_none() {
            tracing::info!("facial recognition is off: nothing to detect");
            return Ok(());
        }
        let mut after = None;
        loop {
            let ids = self
                .store
                .faces
                .assets_to_detect(after, START_PAGE, !force)
                .await?;
            let Some(last) = ids.last().copied() else {
                return Ok(());
            };
            self.queue_face_detection(&ids).await?;
            after = Some(last);
        }
    }

    /// `start` on facialRecognition: clusters the faces without a person; with `force`,
    /// first takes every detected face off its person and drops the people left empty.
    pub async fn start_facial_recognition(&self, force: bool) -> DomainResult<()> {
        if self.face_settings().await?.is_none() {
            tracing::info!("facial recognition is off: nothing to cluster");
            return Ok(());
        }
        if force {
            self.store.faces.unassign_detected(None).await?;
            self.delete_empty_people(None).await?;
        }
        for id in self.store.faces.unassigned_ids().await? {
            self.queue_recognition(id, false).await?;
        }
        self.job_wake.queue(Queue::FacialRecognition);
        Ok(())
    }
}

pub struct DetectFaces {
    pub domain: Domain,
}

#[async_trait]
impl JobHandler for DetectFaces {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        let id = asset_id_of(job)?;
        let domain = &self.domain;
        let (Some(settings), Some(ml)) = (
            domain.face_settings().await.map_err(store_err)?,
            domain.ml.clone(),
        ) else {
            return Ok(());
        };
        let Some(asset) = domain.store.assets.get(id).await.map_err(store_err)? else {
            return Ok(());
        };
        let bytes = read_preview(domain, id, "detect faces in").await?;
        let analysis = ml
            .detect_faces(bytes, &settings.request)
            .await
            .map_err(|e| ml_job_error("face detection", e))?;
        let now = Utc::now();
        let (w, h) = (analysis.image_width as i32, analysis.image_height as i32);
        let clamp = |v: f32, max: i32| (v.round() as i32).clamp(0, max);
        let faces: Vec<FaceRecord> = analysis
            .faces
            .iter()
            .map(|face| FaceRecord {
                id: Uuid::new_v4(),
                asset_id: id,
                person_id: None,
                image_width: w,
                image_height: h,
                x1: clamp(face.bbox.x1, w),
                y1: clamp(face.bbox.y1, h),
                x2: clamp(face.bbox.x2, w),
                y2: clamp(face.bbox.y2, h),
                source_type: SOURCE_MACHINE_LEARNING.into(),
                embedding: Some(face.embedding.clone()),
                created_at: now,
            })
            .collect();
        domain
            .store
            .faces
            .replace_detected(id, &faces, now)
            .await
            .map_err(store_err)?;
        // People whose faces were all in the previous detection of this asset are gone.
        domain
            .delete_empty_people(Some(asset.owner_id))
            .await
            .map_err(store_err)?;
        for face in &faces {
            domain
                .queue_recognition(face.id, false)
                .await
                .map_err(store_err)?;
        }
        domain.job_wake.queue(Queue::FacialRecognition);
        Ok(())
    }
}

pub struct RecognizeFace {
    pub domain: Domain,
}

#[async_trait]
impl JobHandler for RecognizeFace {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        let id = job.payload["id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| JobError::permanent(format!("job {} has no face id", job.id)))?;
        let deferred = job.payload["deferred"].as_bool().unwrap_or(false);
        let domain = &self.domain;
        let Some(settings) = domain.face_settings().await.map_err(store_err)? else {
            return Ok(());
        };
        let store = &domain.store;
        let Some(face) = store.faces.get(id).await.map_err(store_err)? else {
            return Ok(());
        };
        let (Some(embedding), None) = (&face.embedding, face.person_id) else {
            return Ok(());
        };
        let Some(owner) = store.faces.owner_of(id).await.map_err(store_err)? else {
            return Ok(());
        };
        let matches = store
            .face_search
            .nearest(
                owner,
                embedding,
                settings.max_distance,
                settings.min_faces,
                false,
            )
            .await
            .map_err(store_err)?;
        if settings.min_faces > 1 && matches.len() <= 1 {
            return Ok(());
        }
        let mut person = matches.iter().find_map(|m| m.person_id);
        if person.is_none() {
            person = store
                .face_search
                .nearest(owner, embedding, settings.max_distance, 1, true)
                .await
                .map_err(store_err)?
                .first()
                .and_then(|m| m.person_id);
        }
        let core = matches.len() >= settings.min_faces;
        if !core && !deferred {
            domain
                .queue_recognition(id, true)
                .await
                .map_err(store_err)?;
            return Ok(());
        }
        let mut created = None;
        if core && person.is_none() {
            let now = Utc::now();
            let new = PersonRecord {
                id: Uuid::new_v4(),
                owner_id: owner,
                name: String::new(),
                birth_date: None,
                is_hidden: false,
                is_favorite: false,
                color: None,
                feature_face_id: Some(id),
                created_at: now,
                updated_at: now,
            };
            store.people.create(&new).await.map_err(store_err)?;
            created = Some(new.id);
            person = Some(new.id);
        }
        if let Some(person) = person {
            store
                .faces
                .assign(&[id], Some(person))
                .await
                .map_err(store_err)?;
        }
        // A new person's picture is their first face: clients can show it now.
        if let Some(person_id) = created {
            domain
                .emit(Event::PersonThumbnail {
                    owner_id: owner,
                    person_id,
                })
                .await;
        }
        Ok(())
    }
}

pub fn detect_handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(DetectFaces {
        domain: domain.clone(),
    })
}

pub fn recognize_handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(RecognizeFace {
        domain: domain.clone(),
    })
}
