//! Text read in assets (migration 0016): the lines with their boxes, the words search looks
//! in, and when each asset was read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shoebox_store::ocr::{OcrRecord, OcrRepo};
use shoebox_store::{StoreError, StoreResult};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::SqlStore;
use crate::codec::*;

pub(crate) const COLUMNS: &str = "id, asset_id, line, x1, y1, x2, y2, x3, y3, x4, y4, box_score, \
     text_score, text";

fn number(row: &AnyRow, col: &str) -> StoreResult<f64> {
    get_opt_f64(row, col)?.ok_or_else(|| StoreError::Backend(format!("{col} is NULL")))
}

pub(crate) fn record_from_row(row: &AnyRow) -> StoreResult<OcrRecord> {
    Ok(OcrRecord {
        id: get_uuid(row, "id")?,
        asset_id: get_uuid(row, "asset_id")?,
        line: get_i64(row, "line")?,
        x1: number(row, "x1")?,
        y1: number(row, "y1")?,
        x2: number(row, "x2")?,
        y2: number(row, "y2")?,
        x3: number(row, "x3")?,
        y3: number(row, "y3")?,
        x4: number(row, "x4")?,
        y4: number(row, "y4")?,
        box_score: number(row, "box_score")?,
        text_score: number(row, "text_score")?,
        text: get_str(row, "text")?,
    })
}

#[async_trait]
impl OcrRepo for SqlStore {
    async fn replace(
        &self,
        asset_id: Uuid,
        lines: &[OcrRecord],
        search_text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let asset = asset_id.to_string();
        let mut tx = self.begin_write().await?;
        for table in ["asset_ocr", "ocr_search"] {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE asset_id = $1"
            )))
            .bind(asset.clone())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        for l in lines {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO asset_ocr ({COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            )))
            .bind(l.id.to_string())
            .bind(asset.clone())
            .bind(l.line)
            .bind(l.x1)
            .bind(l.y1)
            .bind(l.x2)
            .bind(l.y2)
            .bind(l.x3)
            .bind(l.y3)
            .bind(l.x4)
            .bind(l.y4)
            .bind(l.box_score)
            .bind(l.text_score)
            .bind(l.text.clone())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        if !search_text.is_empty() {
            sqlx::query("INSERT INTO ocr_search (asset_id, text) VALUES ($1, $2)")
                .bind(asset.clone())
                .bind(search_text.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        sqlx::query(
            "INSERT INTO asset_job_status (asset_id, ocr_at) VALUES ($1, $2) \
             ON CONFLICT (asset_id) DO UPDATE SET ocr_at = excluded.ocr_at",
        )
        .bind(asset)
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn of_asset(&self, asset_id: Uuid) -> StoreResult<Vec<OcrRecord>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM asset_ocr WHERE asset_id = $1 ORDER BY line"
        )))
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(record_from_row)
        .collect()
    }

    async fn assets_to_read(
        &self,
        after: Option<Uuid>,
        limit: i64,
        missing: bool,
    ) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id FROM assets a \
             JOIN asset_files pf ON pf.asset_id = a.id AND pf.kind = 'preview' \
             LEFT JOIN asset_job_status s ON s.asset_id = a.id \
             WHERE a.deleted_at IS NULL AND a.visibility <> 'hidden' AND a.id > $1{} \
             ORDER BY a.id LIMIT $2",
            if missing { " AND s.ocr_at IS NULL" } else { "" }
        )))
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| get_uuid(r, "id")).collect()
    }

    async fn delete_all(&self) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for sql in [
            "DELETE FROM asset_ocr",
            "DELETE FROM ocr_search",
            "UPDATE asset_job_status SET ocr_at = NULL",
        ] {
            sqlx::query(sql).execute(&mut *tx).await.map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }
}
