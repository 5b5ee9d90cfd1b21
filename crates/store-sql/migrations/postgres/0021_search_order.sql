-- Metadata search pages a user's assets newest first by capture time (Immich's order):
-- with this index the database walks them in that order and stops after the page, where
-- it sorted every one of the user's assets before (330 ms at 100,000 assets on SQLite).
CREATE INDEX assets_owner_taken ON assets (owner_id, file_created_at, id);
