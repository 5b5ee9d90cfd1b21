//! People, the faces in assets, and nearest-face search (migration 0013).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use shoebox_store::StoreResult;
use shoebox_store::faces::{
    FaceMatch, FaceRecord, FaceRepo, FaceSearchRepo, PersonPatch, PersonRecord, PersonRepo,
    PersonSummary, SOURCE_MACHINE_LEARNING, cosine_distance, embedding_from_bytes,
    embedding_to_bytes,
};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;
use crate::id_lists::{execute_for_ids, fetch_for_ids};

pub(crate) const PERSON_COLUMNS: &str = "p.id, p.owner_id, p.name, p.birth_date, p.is_hidden, \
     p.is_favorite, p.color, p.feature_face_id, p.created_at, p.updated_at";

const FACE_COLUMNS: &str = "f.id, f.asset_id, f.person_id, f.image_width, f.image_height, \
     f.x1, f.y1, f.x2, f.y2, f.source_type, f.embedding, f.created_at";

/// Faces and distinct assets of a person, among assets not trashed.
const COUNTS: &str = "(SELECT COUNT(*) FROM asset_faces f JOIN assets a ON a.id = f.asset_id \
       WHERE f.person_id = p.id AND a.deleted_at IS NULL) AS face_count, \
     (SELECT COUNT(DISTINCT f.asset_id) FROM asset_faces f JOIN assets a ON a.id = f.asset_id \
       WHERE f.person_id = p.id AND a.deleted_at IS NULL) AS asset_count";

const DATE_FORMAT: &str = "%Y-%m-%d";

pub(crate) fn person_from_row(row: &AnyRow) -> StoreResult<PersonRecord> {
    let birth_date = get_opt_str(row, "birth_date")?
        .map(|s| {
            NaiveDate::parse_from_str(&s, DATE_FORMAT).map_err(|_| {
                shoebox_store::StoreError::Backend(format!("unreadable birth_date {s:?}"))
            })
        })
        .transpose()?;
    Ok(PersonRecord {
        id: get_uuid(row, "id")?,
        owner_id: get_uuid(row, "owner_id")?,
        name: get_str(row, "name")?,
        birth_date,
        is_hidden: get_bool(row, "is_hidden")?,
        is_favorite: get_bool(row, "is_favorite")?,
        color: get_opt_str(row, "color")?,
        feature_face_id: get_opt_uuid(row, "feature_face_id")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

fn summary_from_row(row: &AnyRow) -> StoreResult<PersonSummary> {
    Ok(PersonSummary {
        person: person_from_row(row)?,
        face_count: get_i64(row, "face_count")?,
        asset_count: get_i64(row, "asset_count")?,
    })
}

pub(crate) fn face_from_row(row: &AnyRow) -> StoreResult<FaceRecord> {
    let embedding: Option<Vec<u8>> = row.try_get("embedding").map_err(db_err)?;
    let int = |col: &str| get_i64(row, col).map(|v| v as i32);
    Ok(FaceRecord {
        id: get_uuid(row, "id")?,
        asset_id: get_uuid(row, "asset_id")?,
        person_id: get_opt_uuid(row, "person_id")?,
        image_width: int("image_width")?,
        image_height: int("image_height")?,
        x1: int("x1")?,
        y1: int("y1")?,
        x2: int("x2")?,
        y2: int("y2")?,
        source_type: get_str(row, "source_type")?,
        embedding: embedding.map(|b| embedding_from_bytes(&b)),
        created_at: get_ts(row, "created_at")?,
    })
}

impl SqlStore {
    async fn insert_face(&self, conn: &mut sqlx::AnyConnection, f: &FaceRecord) -> StoreResult<()> {
        // NULL bytes are typed unreliably by the Any driver: a face without an embedding
        // leaves the column out instead of binding one.
        let with_embedding = f.embedding.is_some();
        let sql = format!(
            "INSERT INTO asset_faces (id, asset_id, person_id, image_width, image_height, \
             x1, y1, x2, y2, source_type, created_at{}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11{})",
            if with_embedding { ", embedding" } else { "" },
            if with_embedding { ", $12" } else { "" },
        );
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(f.id.to_string())
            .bind(f.asset_id.to_string())
            .bind(f.person_id.map(|p| p.to_string()))
            .bind(i64::from(f.image_width))
            .bind(i64::from(f.image_height))
            .bind(i64::from(f.x1))
            .bind(i64::from(f.y1))
            .bind(i64::from(f.x2))
            .bind(i64::from(f.y2))
            .bind(f.source_type.clone())
            .bind(ts(f.created_at));
        if let Some(embedding) = &f.embedding {
            q = q.bind(embedding_to_bytes(embedding));
        }
        q.execute(conn).await.map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl PersonRepo for SqlStore {
    async fn create(&self, p: &PersonRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO people (id, owner_id, name, birth_date, is_hidden, is_favorite, color, \
             feature_face_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(p.id.to_string())
        .bind(p.owner_id.to_string())
        .bind(p.name.clone())
        .bind(p.birth_date.map(|d| d.format(DATE_FORMAT).to_string()))
        .bind(p.is_hidden)
        .bind(p.is_favorite)
        .bind(p.color.clone())
        .bind(p.feature_face_id.map(|f| f.to_string()))
        .bind(ts(p.created_at))
        .bind(ts(p.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get(&self, id: Uuid) -> StoreResult<Option<PersonRecord>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM people p WHERE p.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(person_from_row)
        .transpose()
    }

    async fn list(&self, owner_id: Uuid, with_hidden: bool) -> StoreResult<Vec<PersonSummary>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS}, {COUNTS} FROM people p WHERE p.owner_id = $1"
        )))
        .bind(owner_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut people = rows
            .iter()
            .map(summary_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        people.retain(|p| with_hidden || !p.person.is_hidden);
        // Immich's order: visible first, favourites, named, most faces, then by name.
        people.sort_by(|a, b| {
            (
                a.person.is_hidden,
                !a.person.is_favorite,
                a.person.name.is_empty(),
            )
                .cmp(&(
                    b.person.is_hidden,
                    !b.person.is_favorite,
                    b.person.name.is_empty(),
                ))
                .then(b.face_count.cmp(&a.face_count))
                .then(a.person.name.cmp(&b.person.name))
                .then(a.person.created_at.cmp(&b.person.created_at))
        });
        Ok(people)
    }

    async fn summary(&self, id: Uuid) -> StoreResult<Option<PersonSummary>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS}, {COUNTS} FROM people p WHERE p.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(summary_from_row)
        .transpose()
    }

    async fn update(&self, id: Uuid, patch: &PersonPatch, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = id.to_string();
        // One statement per changed field keeps every parameter's type fixed.
        macro_rules! set {
            ($column:literal, $value:expr) => {
                sqlx::query(concat!(
                    "UPDATE people SET ",
                    $column,
                    " = $2 WHERE id = $1"
                ))
                .bind(id.clone())
                .bind($value)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            };
        }
        if let Some(name) = &patch.name {
            set!("name", name.clone());
        }
        if let Some(birth_date) = patch.birth_date {
            set!(
                "birth_date",
                birth_date.map(|d| d.format(DATE_FORMAT).to_string())
            );
        }
        if let Some(hidden) = patch.is_hidden {
            set!("is_hidden", hidden);
        }
        if let Some(favorite) = patch.is_favorite {
            set!("is_favorite", favorite);
        }
        if let Some(color) = &patch.color {
            set!("color", color.clone());
        }
        if let Some(face) = patch.feature_face_id {
            set!("feature_face_id", face.map(|f| f.to_string()));
        }
        set!("updated_at", ts(now));
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn delete(&self, ids: &[Uuid]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        execute_for_ids(&mut tx, &[], ids, |list| {
            format!("DELETE FROM people WHERE id IN ({list})")
        })
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn merge(&self, target: Uuid, sources: &[Uuid], now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let target = target.to_string();
        execute_for_ids(&mut tx, std::slice::from_ref(&target), sources, |list| {
            format!("UPDATE asset_faces SET person_id = $1 WHERE person_id IN ({list})")
        })
        .await?;
        execute_for_ids(&mut tx, &[], sources, |list| {
            format!("DELETE FROM people WHERE id IN ({list})")
        })
        .await?;
        sqlx::query("UPDATE people SET updated_at = $2 WHERE id = $1")
            .bind(target)
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn delete_empty(&self, owner_id: Option<Uuid>) -> StoreResult<Vec<(Uuid, Uuid)>> {
        let orphan = "NOT EXISTS (SELECT 1 FROM asset_faces f WHERE f.person_id = people.id)";
        let returning = "RETURNING owner_id, id";
        let rows = match owner_id {
            Some(owner) => {
                sqlx::query(AssertSqlSafe(format!(
                    "DELETE FROM people WHERE owner_id = $1 AND {orphan} {returning}"
                )))
                .bind(owner.to_string())
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "DELETE FROM people WHERE {orphan} {returning}"
                )))
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok((get_uuid(r, "owner_id")?, get_uuid(r, "id")?)))
            .collect()
    }

    async fn asset_ids(&self, person_ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[], person_ids, |list| {
            format!(
                "SELECT DISTINCT f.asset_id FROM asset_faces f JOIN assets a ON a.id = f.asset_id \
                 WHERE f.person_id IN ({list}) AND a.deleted_at IS NULL"
            )
        })
        .await?;
        rows.iter().map(|r| get_uuid(r, "asset_id")).collect()
    }

    async fn owned_ids(&self, owner_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = fetch_for_ids(&self.pool, &[owner_id.to_string()], ids, |list| {
            format!("SELECT id FROM people WHERE owner_id = $1 AND id IN ({list})")
        })
        .await?;
        rows.iter().map(|r| get_uuid(r, "id")).collect()
    }
}

#[async_trait]
impl FaceRepo for SqlStore {
    async fn replace_detected(
        &self,
        asset_id: Uuid,
        faces: &[FaceRecord],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let asset = asset_id.to_string();
        // People pictured by a face about to go lose their picture, not their faces.
        sqlx::query(
            "UPDATE people SET feature_face_id = NULL WHERE feature_face_id IN \
             (SELECT id FROM asset_faces WHERE asset_id = $1 AND source_type = $2)",
        )
        .bind(asset.clone())
        .bind(SOURCE_MACHINE_LEARNING)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query("DELETE FROM asset_faces WHERE asset_id = $1 AND source_type = $2")
            .bind(asset)
            .bind(SOURCE_MACHINE_LEARNING)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for face in faces {
            self.insert_face(&mut tx, face).await?;
        }
        sqlx::query(
            "INSERT INTO asset_job_status (asset_id, faces_detected_at) VALUES ($1, $2) \
             ON CONFLICT (asset_id) DO UPDATE SET faces_detected_at = excluded.faces_detected_at",
        )
        .bind(asset_id.to_string())
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn assets_to_detect(
        &self,
        after: Option<Uuid>,
        limit: i64,
        missing: bool,
    ) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id FROM assets a \
             JOIN asset_files pf ON pf.asset_id = a.id AND pf.kind = 'preview' \
             LEFT JOIN asset_job_status s ON s.asset_id = a.id \
             WHERE a.deleted_at IS NULL AND a.id > $1{} ORDER BY a.id LIMIT $2",
            if missing {
                " AND s.faces_detected_at IS NULL"
            } else {
                ""
            }
        )))
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| get_uuid(r, "id")).collect()
    }

    async fn create(&self, face: &FaceRecord) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        self.insert_face(&mut conn, face).await
    }

    async fn get(&self, id: Uuid) -> StoreResult<Option<FaceRecord>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {FACE_COLUMNS} FROM asset_faces f WHERE f.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(face_from_row)
        .transpose()
    }

    async fn get_many(&self, ids: &[Uuid]) -> StoreResult<Vec<FaceRecord>> {
        let rows = fetch_for_ids(&self.pool, &[], ids, |list| {
            format!("SELECT {FACE_COLUMNS} FROM asset_faces f WHERE f.id IN ({list})")
        })
        .await?;
        rows.iter().map(face_from_row).collect()
    }

    async fn of_asset(&self, asset_id: Uuid) -> StoreResult<Vec<FaceRecord>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {FACE_COLUMNS} FROM asset_faces f WHERE f.asset_id = $1 \
             ORDER BY f.x1, f.y1, f.id"
        )))
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(face_from_row).collect()
    }

    async fn of_person(&self, person_id: Uuid) -> StoreResult<Vec<FaceRecord>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {FACE_COLUMNS} FROM asset_faces f JOIN assets a ON a.id = f.asset_id \
             WHERE f.person_id = $1 AND a.deleted_at IS NULL ORDER BY f.created_at, f.id"
        )))
        .bind(person_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(face_from_row).collect()
    }

    async fn delete(&self, id: Uuid) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE people SET feature_face_id = NULL WHERE feature_face_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("DELETE FROM asset_faces WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn assign(&self, face_ids: &[Uuid], person_id: Option<Uuid>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        match person_id {
            Some(person) => {
                execute_for_ids(&mut tx, &[person.to_string()], face_ids, |list| {
                    format!("UPDATE asset_faces SET person_id = $1 WHERE id IN ({list})")
                })
                .await?
            }
            None => {
                execute_for_ids(&mut tx, &[], face_ids, |list| {
                    format!("UPDATE asset_faces SET person_id = NULL WHERE id IN ({list})")
                })
                .await?
            }
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn unassign_detected(&self, owner_id: Option<Uuid>) -> StoreResult<()> {
        match owner_id {
            Some(owner) => {
                sqlx::query(
                    "UPDATE asset_faces SET person_id = NULL WHERE source_type = $1 \
                 AND asset_id IN (SELECT id FROM assets WHERE owner_id = $2)",
                )
                .bind(SOURCE_MACHINE_LEARNING)
                .bind(owner.to_string())
                .execute(&self.pool)
                .await
            }
            None => {
                sqlx::query("UPDATE asset_faces SET person_id = NULL WHERE source_type = $1")
                    .bind(SOURCE_MACHINE_LEARNING)
                    .execute(&self.pool)
                    .await
            }
        }
        .map_err(db_err)?;
        Ok(())
    }

    async fn unassigned_ids(&self) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query(
            "SELECT f.id FROM asset_faces f JOIN assets a ON a.id = f.asset_id \
             WHERE f.person_id IS NULL AND f.source_type = $1 AND f.embedding IS NOT NULL \
             AND a.deleted_at IS NULL ORDER BY f.created_at, f.id",
        )
        .bind(SOURCE_MACHINE_LEARNING)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| get_uuid(r, "id")).collect()
    }

    async fn owner_of(&self, id: Uuid) -> StoreResult<Option<Uuid>> {
        sqlx::query(
            "SELECT a.owner_id FROM asset_faces f JOIN assets a ON a.id = f.asset_id WHERE f.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .map(|r| get_uuid(&r, "owner_id"))
        .transpose()
    }
}

#[async_trait]
impl FaceSearchRepo for SqlStore {
    async fn nearest(
        &self,
        owner_id: Uuid,
        embedding: &[f32],
        max_distance: f32,
        limit: usize,
        with_person: bool,
    ) -> StoreResult<Vec<FaceMatch>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT f.id, f.person_id, f.embedding FROM asset_faces f \
             JOIN assets a ON a.id = f.asset_id \
             WHERE a.owner_id = $1 AND a.deleted_at IS NULL AND f.embedding IS NOT NULL{}",
            if with_person {
                " AND f.person_id IS NOT NULL"
            } else {
                ""
            }
        )))
        .bind(owner_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut matches = Vec::new();
        for row in &rows {
            let bytes: Vec<u8> = row.try_get("embedding").map_err(db_err)?;
            let distance = cosine_distance(embedding, &embedding_from_bytes(&bytes));
            if distance <= max_distance {
                matches.push(FaceMatch {
                    face_id: get_uuid(row, "id")?,
                    person_id: get_opt_uuid(row, "person_id")?,
                    distance,
                });
            }
        }
        matches.sort_by(|a, b| a.distance.total_cmp(&b.distance));
        matches.truncate(limit);
        Ok(matches)
    }
}
