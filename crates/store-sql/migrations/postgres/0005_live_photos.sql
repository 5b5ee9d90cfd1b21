-- Apple's content identifier, shared by a live photo's still and its video: the key that
-- pairs them, whichever arrives first.
ALTER TABLE asset_exif ADD COLUMN live_photo_cid TEXT;
CREATE INDEX asset_exif_live_photo_cid ON asset_exif (live_photo_cid) WHERE live_photo_cid IS NOT NULL;
