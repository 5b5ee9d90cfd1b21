-- Every process's start-up repair looks for assets whose metadata was never read: only
-- those few (an import still queued, or what a crash stranded) are in this index, so the
-- search no longer reads the whole assets table (a second at a million assets).
CREATE INDEX assets_metadata_pending ON assets(id) WHERE metadata_extracted_at IS NULL AND deleted_at IS NULL;
