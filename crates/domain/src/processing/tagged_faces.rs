//! Faces other software has already named (XMP `mwg-rs:Regions`), imported as people when
//! the admin turns on `metadata.faces.import`, as Immich does: a region's name finds the
//! owner's person of that name (any case) or makes one; the asset's earlier imported faces
//! are replaced.

use std::collections::HashMap;

use chrono::Utc;
use shoebox_media::metadata::regions::TaggedFace;
use shoebox_store::faces::{FaceRecord, PersonPatch, PersonRecord};
use shoebox_store::records::AssetRecord;
use uuid::Uuid;

use crate::{Domain, DomainResult};

/// Faces read from the file's metadata.
pub const SOURCE_EXIF: &str = "exif";

impl Domain {
    pub(crate) async fn import_tagged_faces(
        &self,
        asset: &AssetRecord,
        tagged: &[TaggedFace],
    ) -> DomainResult<()> {
        if !self.system_config().await?.metadata.faces.import {
            return Ok(());
        }
        let faces = &self.store.faces;
        let earlier: Vec<FaceRecord> = faces
            .of_asset(asset.id)
            .await?
            .into_iter()
            .filter(|f| f.source_type == SOURCE_EXIF)
            .collect();
        if earlier.is_empty() && tagged.is_empty() {
            return Ok(());
        }
        for face in &earlier {
            faces.delete(face.id).await?;
        }
        let mut by_name: HashMap<String, Uuid> = self
            .store
            .people
            .list(asset.owner_id, true)
            .await?
            .into_iter()
            .filter(|p| !p.person.name.is_empty())
            .map(|p| (p.person.name.to_lowercase(), p.person.id))
            .collect();
        let now = Utc::now();
        for tag in tagged {
            let face_id = Uuid::new_v4();
            let known = by_name.get(&tag.name.to_lowercase()).copied();
            let person_id = match known {
                Some(id) => id,
                None => {
                    let person = PersonRecord {
                        id: Uuid::new_v4(),
                        owner_id: asset.owner_id,
                        name: tag.name.clone(),
                        birth_date: None,
                        is_hidden: false,
                        is_favorite: false,
                        color: None,
                        feature_face_id: None,
                        created_at: now,
                        updated_at: now,
                    };
                    self.store.people.create(&person).await?;
                    by_name.insert(tag.name.to_lowercase(), person.id);
                    person.id
                }
            };
            faces
                .create(&FaceRecord {
                    id: face_id,
                    asset_id: asset.id,
                    person_id: Some(person_id),
                    image_width: tag.image_width,
                    image_height: tag.image_height,
                    x1: tag.x1,
                    y1: tag.y1,
                    x2: tag.x2,
                    y2: tag.y2,
                    source_type: SOURCE_EXIF.into(),
                    embedding: None,
                    created_at: now,
                })
                .await?;
            if known.is_none() {
                let patch = PersonPatch {
                    feature_face_id: Some(Some(face_id)),
                    ..PersonPatch::default()
                };
                self.store.people.update(person_id, &patch, now).await?;
            }
        }
        // People whose only faces were the replaced ones go, as after any face removal.
        self.delete_empty_people(Some(asset.owner_id)).await?;
        Ok(())
    }
}
