-- Memories and notifications.
-- Memories: collections of a user's assets shown at a time, such as "on this day" ones made
-- by the nightly memory job. `data` is the type's JSON (`{"year": 2020}` for on_this_day).
CREATE TABLE memories (
    id           TEXT PRIMARY KEY NOT NULL,
    owner_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    memory_type  TEXT NOT NULL,
    data         TEXT NOT NULL,
    is_saved     BOOLEAN NOT NULL DEFAULT FALSE,
    memory_at    TEXT NOT NULL,
    seen_at      TEXT,
    show_at      TEXT,
    hide_at      TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT
);
CREATE INDEX memories_owner_memory_at ON memories (owner_id, memory_at);

CREATE TABLE memory_assets (
    memory_id  TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
    asset_id   TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (memory_id, asset_id)
);
CREATE INDEX memory_assets_asset ON memory_assets (asset_id);

-- Notifications for one user (an admin's message, later job failures and album invites).
-- `data` is optional JSON.
CREATE TABLE notifications (
    id                 TEXT PRIMARY KEY NOT NULL,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level              TEXT NOT NULL,
    notification_type  TEXT NOT NULL,
    title              TEXT NOT NULL,
    description        TEXT,
    data               TEXT,
    read_at            TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX notifications_user_created ON notifications (user_id, created_at);
