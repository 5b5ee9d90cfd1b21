-- Shared links: a secret key (or a chosen slug) that lets anyone without an account read one
-- album, or a chosen set of assets, of the link's owner. The key and the password are kept as
-- given because the owner sees them again (Immich shows both in its link editor).
CREATE TABLE shared_links (
    id              TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    link_key        TEXT NOT NULL UNIQUE,
    link_type       TEXT NOT NULL,
    album_id        TEXT REFERENCES albums(id) ON DELETE CASCADE,
    description     TEXT,
    password        TEXT,
    expires_at      TEXT,
    allow_upload    INTEGER NOT NULL DEFAULT 0,
    allow_download  INTEGER NOT NULL DEFAULT 1,
    show_metadata   INTEGER NOT NULL DEFAULT 1,
    slug            TEXT UNIQUE,
    created_at      TEXT NOT NULL
);
CREATE INDEX shared_links_user ON shared_links (user_id);
CREATE INDEX shared_links_album ON shared_links (album_id);

CREATE TABLE shared_link_assets (
    shared_link_id  TEXT NOT NULL REFERENCES shared_links(id) ON DELETE CASCADE,
    asset_id        TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (shared_link_id, asset_id)
);
CREATE INDEX shared_link_assets_asset ON shared_link_assets (asset_id);
