-- Ids are UUID text; times are UTC text "YYYY-MM-DDTHH:MM:SS.mmmZ" so that they
-- sort as strings and read the same on both backends.

CREATE TABLE users (
    id                      TEXT PRIMARY KEY NOT NULL,
    email                   TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    password_hash           TEXT NOT NULL,
    is_admin                BOOLEAN NOT NULL DEFAULT FALSE,
    avatar_color            TEXT,
    storage_label           TEXT UNIQUE,
    quota_size_bytes        BIGINT,
    should_change_password  BOOLEAN NOT NULL DEFAULT FALSE,
    status                  TEXT NOT NULL DEFAULT 'active',
    profile_image_path      TEXT NOT NULL DEFAULT '',
    profile_changed_at      TEXT NOT NULL,
    preferences             TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    deleted_at              TEXT
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    device_type  TEXT NOT NULL DEFAULT '',
    device_os    TEXT NOT NULL DEFAULT '',
    app_version  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    expires_at   TEXT
);
CREATE INDEX sessions_user_id ON sessions(user_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    permissions  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX api_keys_user_id ON api_keys(user_id);

CREATE TABLE assets (
    id                  TEXT PRIMARY KEY NOT NULL,
    owner_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_asset_id     TEXT NOT NULL,
    device_id           TEXT NOT NULL,
    type                TEXT NOT NULL,
    original_path       TEXT NOT NULL UNIQUE,
    original_file_name  TEXT NOT NULL,
    checksum            BYTEA NOT NULL,
    file_size           BIGINT NOT NULL,
    file_created_at     TEXT NOT NULL,
    file_modified_at    TEXT NOT NULL,
    local_date_time     TEXT NOT NULL,
    is_favorite         BOOLEAN NOT NULL DEFAULT FALSE,
    visibility          TEXT NOT NULL DEFAULT 'timeline',
    duration            TEXT,
    sidecar_path        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    deleted_at          TEXT
);
CREATE UNIQUE INDEX assets_owner_checksum ON assets(owner_id, checksum);
CREATE INDEX assets_owner_local_date ON assets(owner_id, local_date_time);

CREATE TABLE asset_exif (
    asset_id            TEXT PRIMARY KEY NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    description         TEXT NOT NULL DEFAULT '',
    latitude            DOUBLE PRECISION,
    longitude           DOUBLE PRECISION,
    date_time_original  TEXT,
    time_zone           TEXT,
    rating              BIGINT
);

CREATE TABLE albums (
    id                   TEXT PRIMARY KEY NOT NULL,
    owner_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    album_name           TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    thumbnail_asset_id   TEXT REFERENCES assets(id) ON DELETE SET NULL,
    is_activity_enabled  BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order           TEXT NOT NULL DEFAULT 'desc',
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX albums_owner_id ON albums(owner_id);

CREATE TABLE album_assets (
    album_id    TEXT NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    asset_id    TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (album_id, asset_id)
);
CREATE INDEX album_assets_asset_id ON album_assets(asset_id);

CREATE TABLE album_users (
    album_id    TEXT NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL DEFAULT 'editor',
    created_at  TEXT NOT NULL,
    PRIMARY KEY (album_id, user_id)
);
CREATE INDEX album_users_user_id ON album_users(user_id);

CREATE TABLE system_metadata (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
);
