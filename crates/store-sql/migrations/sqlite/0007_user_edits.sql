-- Which metadata fields the user edited, so that metadata extraction leaves them alone.
-- A bit set (see `LockedProperties` in the store crate): 1 description, 2 dateTimeOriginal,
-- 4 latitude, 8 longitude, 16 rating, 32 timeZone. Bits only ever get added, by an update of
-- that field; one integer column lets the update add them and extraction test them inside the
-- same row update, so neither can miss the other's change.
ALTER TABLE asset_exif ADD COLUMN locked_properties BIGINT NOT NULL DEFAULT 0;
