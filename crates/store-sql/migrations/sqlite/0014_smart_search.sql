-- CLIP embeddings (Immich's smart_search), one per asset, as little-endian f32 bytes. The
-- in-memory index (store-sql vector_index.rs) follows the table through `revision`: each
-- write takes a number above every other, so an index that has seen revision N only reads
-- the rows above it.
CREATE TABLE smart_search (
    asset_id   TEXT PRIMARY KEY NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    embedding  BLOB NOT NULL,
    revision   INTEGER NOT NULL
);
CREATE INDEX smart_search_revision ON smart_search(revision);

-- Near-duplicate groups (Immich's assets.duplicateId) and when duplicate detection last
-- checked each asset.
ALTER TABLE assets ADD COLUMN duplicate_id TEXT;
CREATE INDEX assets_duplicate_id ON assets(duplicate_id);
ALTER TABLE asset_job_status ADD COLUMN duplicates_detected_at TEXT;
