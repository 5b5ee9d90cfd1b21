-- Text read in each asset's preview (Immich's asset_ocr): one row per line, in reading order
-- (`line`), its box as four corners in fractions of the preview, clockwise from the top left,
-- with the detector's and the recogniser's scores.
CREATE TABLE asset_ocr (
    id          TEXT PRIMARY KEY NOT NULL,
    asset_id    TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    line        BIGINT NOT NULL,
    x1          DOUBLE PRECISION NOT NULL,
    y1          DOUBLE PRECISION NOT NULL,
    x2          DOUBLE PRECISION NOT NULL,
    y2          DOUBLE PRECISION NOT NULL,
    x3          DOUBLE PRECISION NOT NULL,
    y3          DOUBLE PRECISION NOT NULL,
    x4          DOUBLE PRECISION NOT NULL,
    y4          DOUBLE PRECISION NOT NULL,
    box_score   DOUBLE PRECISION NOT NULL,
    text_score  DOUBLE PRECISION NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX asset_ocr_asset_id ON asset_ocr(asset_id);

-- What the `ocr` search filter looks in (Immich's ocr_search): the asset's words, lower-cased
-- and space separated (shoebox_store::ocr::search_tokens).
CREATE TABLE ocr_search (
    asset_id  TEXT PRIMARY KEY NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    text      TEXT NOT NULL
);

-- When OCR last ran on the asset: "start missing" queues those without a time.
ALTER TABLE asset_job_status ADD COLUMN ocr_at TEXT;
