-- Partner sharing: shared_by lets shared_with see all of their library; shared_with chooses
-- whether those assets also appear in their own timeline.
CREATE TABLE partners (
    shared_by_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    shared_with_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    in_timeline     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (shared_by_id, shared_with_id)
);
CREATE INDEX partners_shared_with ON partners (shared_with_id);
