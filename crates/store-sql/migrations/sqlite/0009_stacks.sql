-- Stacks: several assets (a burst, RAW + JPEG, edits) shown as one, the primary in front.
CREATE TABLE stacks (
    id                TEXT PRIMARY KEY NOT NULL,
    owner_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    primary_asset_id  TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX stacks_owner ON stacks (owner_id);
ALTER TABLE assets ADD COLUMN stack_id TEXT REFERENCES stacks(id) ON DELETE SET NULL;
CREATE INDEX assets_stack ON assets (stack_id) WHERE stack_id IS NOT NULL;
