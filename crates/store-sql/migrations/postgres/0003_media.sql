-- What processing learns about an asset, and the files it generates.

ALTER TABLE assets ADD COLUMN width BIGINT;
ALTER TABLE assets ADD COLUMN height BIGINT;
ALTER TABLE assets ADD COLUMN thumbhash BYTEA;
ALTER TABLE assets ADD COLUMN metadata_extracted_at TEXT;
ALTER TABLE assets ADD COLUMN live_photo_video_id TEXT;

ALTER TABLE asset_exif ADD COLUMN make TEXT;
ALTER TABLE asset_exif ADD COLUMN model TEXT;
ALTER TABLE asset_exif ADD COLUMN lens_model TEXT;
ALTER TABLE asset_exif ADD COLUMN exif_image_width BIGINT;
ALTER TABLE asset_exif ADD COLUMN exif_image_height BIGINT;
ALTER TABLE asset_exif ADD COLUMN orientation TEXT;
ALTER TABLE asset_exif ADD COLUMN f_number DOUBLE PRECISION;
ALTER TABLE asset_exif ADD COLUMN focal_length DOUBLE PRECISION;
ALTER TABLE asset_exif ADD COLUMN iso BIGINT;
ALTER TABLE asset_exif ADD COLUMN exposure_time TEXT;
ALTER TABLE asset_exif ADD COLUMN modify_date TEXT;
ALTER TABLE asset_exif ADD COLUMN city TEXT;
ALTER TABLE asset_exif ADD COLUMN state TEXT;
ALTER TABLE asset_exif ADD COLUMN country TEXT;
ALTER TABLE asset_exif ADD COLUMN projection_type TEXT;

-- Generated renditions, by kind: thumbnail, preview, fullsize, encoded_video.
-- Paths are relative to the generated-files root.
CREATE TABLE asset_files (
    asset_id    TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    path        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (asset_id, kind)
);

-- Timeline buckets group by month of the local date taken; with deleted_at in
-- it, the buckets query reads this index alone.
CREATE INDEX assets_timeline ON assets(owner_id, deleted_at, visibility, local_date_time);
