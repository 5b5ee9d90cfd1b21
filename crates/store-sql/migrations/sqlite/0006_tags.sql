-- Each user's tags. `value` is the whole path ("Places/France/Paris") and is unique per
-- user; `parent_id` points one level up. "This tag and everything below it" follows
-- `parent_id` with a recursive query (store-sql `tags.rs`) instead of a closure table:
-- tag trees are small, and the parent link is then the only thing to keep right.
-- Deleting a tag deletes the tags below it and, with them, their links to assets.
CREATE TABLE tags (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    value       TEXT NOT NULL,
    parent_id   TEXT REFERENCES tags(id) ON DELETE CASCADE,
    color       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (user_id, value)
);
CREATE INDEX tags_parent_id ON tags(parent_id);

CREATE TABLE tag_assets (
    tag_id    TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    asset_id  TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, asset_id)
);
CREATE INDEX tag_assets_asset_id ON tag_assets(asset_id);
