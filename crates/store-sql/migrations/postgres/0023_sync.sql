-- Change tracking for the mobile app's sync stream (/sync/stream).
--
-- Every row the stream sends carries a position (update_xid, update_id): the id of the
-- transaction that last wrote it and a number from one sequence. Every delete leaves a
-- tombstone with a position of its own. A client's checkpoint is the position of the last
-- line it acknowledged, per line type.
--
-- Why the transaction id: with several writers, a sequence number taken by a transaction
-- that commits late can be smaller than numbers a client has already acknowledged, and
-- would be skipped. The stream therefore sends only rows whose transaction id is below the
-- oldest transaction still running when it starts (pg_snapshot_xmin): all of those have
-- finished, and every later write gets a transaction id at least that large, so it sorts
-- after anything a client can have acknowledged. Positions compare as (update_xid, update_id).
--
-- Triggers, not application code, stamp the rows: writes happen in many places (API,
-- workers, nightly jobs) and none of them can forget.

CREATE SEQUENCE sync_change_seq;

CREATE FUNCTION sync_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.update_xid := pg_current_xact_id()::text::bigint;
    NEW.update_id := nextval('sync_change_seq');
    RETURN NEW;
END $$;

-- Rows that parent a backfill (albums, memberships, partners) also keep where they began.
CREATE FUNCTION sync_stamp_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.update_xid := pg_current_xact_id()::text::bigint;
    NEW.update_id := nextval('sync_change_seq');
    IF TG_OP = 'INSERT' THEN
        NEW.create_xid := NEW.update_xid;
        NEW.create_id := NEW.update_id;
    END IF;
    RETURN NEW;
END $$;

-- What was deleted, or what a user lost access to. `user_id` is the user the line is for,
-- when the row itself says it (NULL when the stream finds its audience from id1/id2).
CREATE TABLE sync_tombstones (
    update_xid  BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    update_id   BIGINT NOT NULL DEFAULT nextval('sync_change_seq'),
    kind        TEXT NOT NULL,
    user_id     TEXT,
    id1         TEXT NOT NULL,
    id2         TEXT,
    deleted_at  TEXT NOT NULL
);
CREATE INDEX sync_tombstones_position ON sync_tombstones (kind, update_xid, update_id);
CREATE INDEX sync_tombstones_age ON sync_tombstones (deleted_at);

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
ALTER TABLE sessions ADD COLUMN is_pending_sync_reset BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE users ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER users_sync_stamp BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE users SET update_xid = 0;
CREATE INDEX users_sync_position ON users (update_xid, update_id);
CREATE FUNCTION users_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('user', NULL, OLD.id, NULL, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER users_sync_delete AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_sync_delete();

ALTER TABLE assets ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER assets_sync_stamp BEFORE INSERT OR UPDATE ON assets FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE assets SET update_xid = 0;
CREATE INDEX assets_sync_position ON assets (update_xid, update_id);
CREATE FUNCTION assets_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('asset', OLD.owner_id, OLD.id, NULL, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER assets_sync_delete AFTER DELETE ON assets FOR EACH ROW EXECUTE FUNCTION assets_sync_delete();

ALTER TABLE asset_exif ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER asset_exif_sync_stamp BEFORE INSERT OR UPDATE ON asset_exif FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE asset_exif SET update_xid = 0;
CREATE INDEX asset_exif_sync_position ON asset_exif (update_xid, update_id);

ALTER TABLE albums ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0, ADD COLUMN create_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN create_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER albums_sync_stamp BEFORE INSERT OR UPDATE ON albums FOR EACH ROW EXECUTE FUNCTION sync_stamp_created();
UPDATE albums SET update_xid = 0;
UPDATE albums SET create_xid = update_xid, create_id = update_id;
CREATE INDEX albums_sync_position ON albums (update_xid, update_id);
CREATE FUNCTION albums_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('album', OLD.owner_id, OLD.id, NULL, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER albums_sync_delete AFTER DELETE ON albums FOR EACH ROW EXECUTE FUNCTION albums_sync_delete();

ALTER TABLE album_users ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0, ADD COLUMN create_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN create_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER album_users_sync_stamp BEFORE INSERT OR UPDATE ON album_users FOR EACH ROW EXECUTE FUNCTION sync_stamp_created();
UPDATE album_users SET update_xid = 0;
UPDATE album_users SET create_xid = update_xid, create_id = update_id;
CREATE INDEX album_users_sync_position ON album_users (update_xid, update_id);
CREATE FUNCTION album_users_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('album_user', OLD.user_id, OLD.album_id, OLD.user_id, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('album', OLD.user_id, OLD.album_id, NULL, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER album_users_sync_delete AFTER DELETE ON album_users FOR EACH ROW EXECUTE FUNCTION album_users_sync_delete();

ALTER TABLE album_assets ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER album_assets_sync_stamp BEFORE INSERT OR UPDATE ON album_assets FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE album_assets SET update_xid = 0;
CREATE INDEX album_assets_sync_position ON album_assets (update_xid, update_id);
CREATE FUNCTION album_assets_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('album_asset', NULL, OLD.album_id, OLD.asset_id, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER album_assets_sync_delete AFTER DELETE ON album_assets FOR EACH ROW EXECUTE FUNCTION album_assets_sync_delete();

ALTER TABLE partners ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0, ADD COLUMN create_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN create_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER partners_sync_stamp BEFORE INSERT OR UPDATE ON partners FOR EACH ROW EXECUTE FUNCTION sync_stamp_created();
UPDATE partners SET update_xid = 0;
UPDATE partners SET create_xid = update_xid, create_id = update_id;
CREATE INDEX partners_sync_position ON partners (update_xid, update_id);
CREATE FUNCTION partners_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('partner', NULL, OLD.shared_by_id, OLD.shared_with_id, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER partners_sync_delete AFTER DELETE ON partners FOR EACH ROW EXECUTE FUNCTION partners_sync_delete();

ALTER TABLE stacks ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER stacks_sync_stamp BEFORE INSERT OR UPDATE ON stacks FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE stacks SET update_xid = 0;
CREATE INDEX stacks_sync_position ON stacks (update_xid, update_id);
CREATE FUNCTION stacks_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('stack', OLD.owner_id, OLD.id, NULL, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER stacks_sync_delete AFTER DELETE ON stacks FOR EACH ROW EXECUTE FUNCTION stacks_sync_delete();

ALTER TABLE memories ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER memories_sync_stamp BEFORE INSERT OR UPDATE ON memories FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE memories SET update_xid = 0;
CREATE INDEX memories_sync_position ON memories (update_xid, update_id);
CREATE FUNCTION memories_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('memory', OLD.owner_id, OLD.id, NULL, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER memories_sync_delete AFTER DELETE ON memories FOR EACH ROW EXECUTE FUNCTION memories_sync_delete();

ALTER TABLE memory_assets ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER memory_assets_sync_stamp BEFORE INSERT OR UPDATE ON memory_assets FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE memory_assets SET update_xid = 0;
CREATE INDEX memory_assets_sync_position ON memory_assets (update_xid, update_id);
CREATE FUNCTION memory_assets_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('memory_asset', (SELECT owner_id FROM memories WHERE id = OLD.memory_id), OLD.memory_id, OLD.asset_id, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER memory_assets_sync_delete AFTER DELETE ON memory_assets FOR EACH ROW EXECUTE FUNCTION memory_assets_sync_delete();

ALTER TABLE people ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER people_sync_stamp BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE people SET update_xid = 0;
CREATE INDEX people_sync_position ON people (update_xid, update_id);
CREATE FUNCTION people_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('person', OLD.owner_id, OLD.id, NULL, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER people_sync_delete AFTER DELETE ON people FOR EACH ROW EXECUTE FUNCTION people_sync_delete();

ALTER TABLE asset_faces ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER asset_faces_sync_stamp BEFORE INSERT OR UPDATE ON asset_faces FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE asset_faces SET update_xid = 0;
CREATE INDEX asset_faces_sync_position ON asset_faces (update_xid, update_id);
CREATE FUNCTION asset_faces_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('face', (SELECT owner_id FROM assets WHERE id = OLD.asset_id), OLD.id, OLD.asset_id, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER asset_faces_sync_delete AFTER DELETE ON asset_faces FOR EACH ROW EXECUTE FUNCTION asset_faces_sync_delete();

ALTER TABLE asset_ocr ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER asset_ocr_sync_stamp BEFORE INSERT OR UPDATE ON asset_ocr FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE asset_ocr SET update_xid = 0;
CREATE INDEX asset_ocr_sync_position ON asset_ocr (update_xid, update_id);
CREATE FUNCTION asset_ocr_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('ocr', (SELECT owner_id FROM assets WHERE id = OLD.asset_id), OLD.id, OLD.asset_id, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER asset_ocr_sync_delete AFTER DELETE ON asset_ocr FOR EACH ROW EXECUTE FUNCTION asset_ocr_sync_delete();

ALTER TABLE asset_metadata ADD COLUMN update_xid BIGINT NOT NULL DEFAULT 0, ADD COLUMN update_id BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER asset_metadata_sync_stamp BEFORE INSERT OR UPDATE ON asset_metadata FOR EACH ROW EXECUTE FUNCTION sync_stamp();
UPDATE asset_metadata SET update_xid = 0;
CREATE INDEX asset_metadata_sync_position ON asset_metadata (update_xid, update_id);
CREATE FUNCTION asset_metadata_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (kind, user_id, id1, id2, deleted_at) VALUES ('asset_metadata', (SELECT owner_id FROM assets WHERE id = OLD.asset_id), OLD.asset_id, OLD.key, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NULL;
END $$;
CREATE TRIGGER asset_metadata_sync_delete AFTER DELETE ON asset_metadata FOR EACH ROW EXECUTE FUNCTION asset_metadata_sync_delete();


-- A new member of an album must receive the album itself: move the album forward.
CREATE FUNCTION album_users_sync_album() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE albums SET updated_at = updated_at WHERE id = NEW.album_id;
    RETURN NULL;
END $$;
CREATE TRIGGER album_users_sync_album AFTER INSERT ON album_users
    FOR EACH ROW EXECUTE FUNCTION album_users_sync_album();

CREATE INDEX assets_owner_sync_position ON assets (owner_id, update_xid, update_id);
