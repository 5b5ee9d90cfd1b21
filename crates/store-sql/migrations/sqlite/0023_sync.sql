-- Change tracking for the mobile app's sync stream (/sync/stream).
--
-- Every row the stream sends carries a position (update_xid, update_id) that every write
-- moves forward; every delete leaves a tombstone with a position of its own. A client's
-- checkpoint is the position of the last line it acknowledged, per line type.
--
-- On SQLite, writers take turns (one write transaction at a time), so a counter bumped by
-- the triggers below gives positions in commit order; update_xid stays 0. The stream reads
-- up to the counter's value when it starts, so it never sees half of a later write.
--
-- Triggers, not application code, stamp the rows: writes happen in many places (API,
-- workers, nightly jobs) and none of them can forget.

CREATE TABLE sync_clock (
    id  INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    n   BIGINT NOT NULL
);
INSERT INTO sync_clock (id, n) VALUES (1, 0);

-- What was deleted, or what a user lost access to. `user_id` is the user the line is for,
-- when the row itself says it (NULL when the stream finds its audience from id1/id2).
CREATE TABLE sync_tombstones (
    update_xid  BIGINT NOT NULL DEFAULT 0,
    update_id   BIGINT NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL,
    user_id     TEXT,
    id1         TEXT NOT NULL,
    id2         TEXT,
    deleted_at  TEXT NOT NULL
);
CREATE INDEX sync_tombstones_position ON sync_tombstones (kind, update_xid, update_id);
CREATE INDEX sync_tombstones_age ON sync_tombstones (deleted_at);
CREATE TRIGGER sync_tombstones_stamp AFTER INSERT ON sync_tombstones
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE sync_tombstones SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;

-- Key/value data clients keep on an asset (the iOS app stores its cloud ids here).
CREATE TABLE asset_metadata (
    asset_id    TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (asset_id, key)
);

-- The last acknowledged line of each type, per session.
CREATE TABLE session_sync_checkpoints (
    session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    ack         TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (session_id, type)
);
ALTER TABLE sessions ADD COLUMN is_pending_sync_reset INTEGER NOT NULL DEFAULT 0;

ALTER TABLE users ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER users_sync_insert AFTER INSERT ON users
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE users SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER users_sync_update AFTER UPDATE ON users WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE users SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE users SET update_xid = 0;
CREATE INDEX users_sync_position ON users (update_xid, update_id);
CREATE TRIGGER users_sync_delete AFTER DELETE ON users
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('user', NULL, OLD.id, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE assets ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE assets ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER assets_sync_insert AFTER INSERT ON assets
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE assets SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER assets_sync_update AFTER UPDATE ON assets WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE assets SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE assets SET update_xid = 0;
CREATE INDEX assets_sync_position ON assets (update_xid, update_id);
CREATE TRIGGER assets_sync_delete AFTER DELETE ON assets
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('asset', OLD.owner_id, OLD.id, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE asset_exif ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE asset_exif ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER asset_exif_sync_insert AFTER INSERT ON asset_exif
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE asset_exif SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER asset_exif_sync_update AFTER UPDATE ON asset_exif WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE asset_exif SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE asset_exif SET update_xid = 0;
CREATE INDEX asset_exif_sync_position ON asset_exif (update_xid, update_id);

ALTER TABLE albums ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE albums ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE albums ADD COLUMN create_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE albums ADD COLUMN create_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER albums_sync_insert AFTER INSERT ON albums
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE albums SET update_id = (SELECT n FROM sync_clock), create_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER albums_sync_update AFTER UPDATE ON albums WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE albums SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE albums SET update_xid = 0;
UPDATE albums SET create_id = update_id;
CREATE INDEX albums_sync_position ON albums (update_xid, update_id);
CREATE TRIGGER albums_sync_delete AFTER DELETE ON albums
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('album', OLD.owner_id, OLD.id, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE album_users ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE album_users ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE album_users ADD COLUMN create_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE album_users ADD COLUMN create_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER album_users_sync_insert AFTER INSERT ON album_users
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE album_users SET update_id = (SELECT n FROM sync_clock), create_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER album_users_sync_update AFTER UPDATE ON album_users WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE album_users SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE album_users SET update_xid = 0;
UPDATE album_users SET create_id = update_id;
CREATE INDEX album_users_sync_position ON album_users (update_xid, update_id);
CREATE TRIGGER album_users_sync_delete AFTER DELETE ON album_users
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('album_user', OLD.user_id, OLD.album_id, OLD.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('album', OLD.user_id, OLD.album_id, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE album_assets ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE album_assets ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER album_assets_sync_insert AFTER INSERT ON album_assets
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE album_assets SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER album_assets_sync_update AFTER UPDATE ON album_assets WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE album_assets SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE album_assets SET update_xid = 0;
CREATE INDEX album_assets_sync_position ON album_assets (update_xid, update_id);
CREATE TRIGGER album_assets_sync_delete AFTER DELETE ON album_assets
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('album_asset', NULL, OLD.album_id, OLD.asset_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE partners ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE partners ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE partners ADD COLUMN create_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE partners ADD COLUMN create_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER partners_sync_insert AFTER INSERT ON partners
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE partners SET update_id = (SELECT n FROM sync_clock), create_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER partners_sync_update AFTER UPDATE ON partners WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE partners SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE partners SET update_xid = 0;
UPDATE partners SET create_id = update_id;
CREATE INDEX partners_sync_position ON partners (update_xid, update_id);
CREATE TRIGGER partners_sync_delete AFTER DELETE ON partners
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('partner', NULL, OLD.shared_by_id, OLD.shared_with_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE stacks ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stacks ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER stacks_sync_insert AFTER INSERT ON stacks
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE stacks SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER stacks_sync_update AFTER UPDATE ON stacks WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE stacks SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE stacks SET update_xid = 0;
CREATE INDEX stacks_sync_position ON stacks (update_xid, update_id);
CREATE TRIGGER stacks_sync_delete AFTER DELETE ON stacks
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('stack', OLD.owner_id, OLD.id, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE memories ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE memories ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER memories_sync_insert AFTER INSERT ON memories
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE memories SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER memories_sync_update AFTER UPDATE ON memories WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE memories SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE memories SET update_xid = 0;
CREATE INDEX memories_sync_position ON memories (update_xid, update_id);
CREATE TRIGGER memories_sync_delete AFTER DELETE ON memories
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('memory', OLD.owner_id, OLD.id, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE memory_assets ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE memory_assets ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER memory_assets_sync_insert AFTER INSERT ON memory_assets
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE memory_assets SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER memory_assets_sync_update AFTER UPDATE ON memory_assets WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE memory_assets SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE memory_assets SET update_xid = 0;
CREATE INDEX memory_assets_sync_position ON memory_assets (update_xid, update_id);
CREATE TRIGGER memory_assets_sync_delete AFTER DELETE ON memory_assets
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('memory_asset', (SELECT owner_id FROM memories WHERE id = OLD.memory_id), OLD.memory_id, OLD.asset_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE people ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER people_sync_insert AFTER INSERT ON people
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE people SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER people_sync_update AFTER UPDATE ON people WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE people SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE people SET update_xid = 0;
CREATE INDEX people_sync_position ON people (update_xid, update_id);
CREATE TRIGGER people_sync_delete AFTER DELETE ON people
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('person', OLD.owner_id, OLD.id, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE asset_faces ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE asset_faces ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER asset_faces_sync_insert AFTER INSERT ON asset_faces
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE asset_faces SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER asset_faces_sync_update AFTER UPDATE ON asset_faces WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE asset_faces SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE asset_faces SET update_xid = 0;
CREATE INDEX asset_faces_sync_position ON asset_faces (update_xid, update_id);
CREATE TRIGGER asset_faces_sync_delete AFTER DELETE ON asset_faces
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('face', (SELECT owner_id FROM assets WHERE id = OLD.asset_id), OLD.id, OLD.asset_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE asset_ocr ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE asset_ocr ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER asset_ocr_sync_insert AFTER INSERT ON asset_ocr
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE asset_ocr SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER asset_ocr_sync_update AFTER UPDATE ON asset_ocr WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE asset_ocr SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE asset_ocr SET update_xid = 0;
CREATE INDEX asset_ocr_sync_position ON asset_ocr (update_xid, update_id);
CREATE TRIGGER asset_ocr_sync_delete AFTER DELETE ON asset_ocr
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('ocr', (SELECT owner_id FROM assets WHERE id = OLD.asset_id), OLD.id, OLD.asset_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE asset_metadata ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE asset_metadata ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER asset_metadata_sync_insert AFTER INSERT ON asset_metadata
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE asset_metadata SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER asset_metadata_sync_update AFTER UPDATE ON asset_metadata WHEN NEW.update_id = OLD.update_id
BEGIN
    UPDATE sync_clock SET n = n + 1;
    UPDATE asset_metadata SET update_id = (SELECT n FROM sync_clock) WHERE rowid = NEW.rowid;
END;
UPDATE asset_metadata SET update_xid = 0;
CREATE INDEX asset_metadata_sync_position ON asset_metadata (update_xid, update_id);
CREATE TRIGGER asset_metadata_sync_delete AFTER DELETE ON asset_metadata
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('asset_metadata', (SELECT owner_id FROM assets WHERE id = OLD.asset_id), OLD.asset_id, OLD.key, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;


-- A new member of an album must receive the album itself: move the album forward.
CREATE TRIGGER album_users_sync_album AFTER INSERT ON album_users
BEGIN
    UPDATE albums SET updated_at = updated_at WHERE id = NEW.album_id;
END;

CREATE INDEX assets_owner_sync_position ON assets (owner_id, update_xid, update_id);
