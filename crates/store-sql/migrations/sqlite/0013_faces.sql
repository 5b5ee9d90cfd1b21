-- People (each user's own) and the faces found in assets. A face's box is in pixels of the
-- image it was found in (the preview), whose size is kept beside it, as Immich stores it.
-- The embedding is the recogniser's unit vector as little-endian f32 bytes; nearest-face
-- search compares them in Rust (store-sql people.rs) until a vector index takes over.
-- `feature_face_id` is the face whose crop pictures the person; it is not a foreign key
-- because faces also point at people, and clearing it is done by the code that deletes.
CREATE TABLE people (
    id               TEXT PRIMARY KEY NOT NULL,
    owner_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name             TEXT NOT NULL DEFAULT '',
    birth_date       TEXT,
    is_hidden        INTEGER NOT NULL DEFAULT 0,
    is_favorite      INTEGER NOT NULL DEFAULT 0,
    color            TEXT,
    feature_face_id  TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX people_owner_id ON people(owner_id);

CREATE TABLE asset_faces (
    id            TEXT PRIMARY KEY NOT NULL,
    asset_id      TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    person_id     TEXT REFERENCES people(id) ON DELETE SET NULL,
    image_width   INTEGER NOT NULL,
    image_height  INTEGER NOT NULL,
    x1            INTEGER NOT NULL,
    y1            INTEGER NOT NULL,
    x2            INTEGER NOT NULL,
    y2            INTEGER NOT NULL,
    source_type   TEXT NOT NULL,
    embedding     BLOB,
    created_at    TEXT NOT NULL
);
CREATE INDEX asset_faces_asset_id ON asset_faces(asset_id);
CREATE INDEX asset_faces_person_id ON asset_faces(person_id);

-- When each asset's analyses last ran (Immich's asset_job_status): "start missing" queues
-- the assets without a time. Later analyses (CLIP, OCR) add their own columns.
CREATE TABLE asset_job_status (
    asset_id           TEXT PRIMARY KEY NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    faces_detected_at  TEXT
);
