-- Asset counts per owner and month of local date taken, split by everything
-- /timeline/buckets filters on, so that query reads a few hundred rows instead
-- of every asset. Triggers keep it in step with `assets`; a key whose count
-- falls to zero is removed, so an owner's rows vanish with their last asset.
-- `month` is the 'YYYY-MM' prefix of local_date_time, the same text the
-- fallback scan in timeline.rs groups by.
CREATE TABLE timeline_months (
    owner_id     TEXT NOT NULL,
    month        TEXT NOT NULL,
    visibility   TEXT NOT NULL,
    is_favorite  INTEGER NOT NULL,
    is_trashed   INTEGER NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (owner_id, month, visibility, is_favorite, is_trashed)
);

INSERT INTO timeline_months (owner_id, month, visibility, is_favorite, is_trashed, n)
SELECT owner_id, SUBSTR(local_date_time, 1, 7), visibility, is_favorite, deleted_at IS NOT NULL, COUNT(*)
FROM assets
GROUP BY owner_id, SUBSTR(local_date_time, 1, 7), visibility, is_favorite, deleted_at IS NOT NULL;

CREATE TRIGGER timeline_months_insert AFTER INSERT ON assets
BEGIN
    INSERT INTO timeline_months (owner_id, month, visibility, is_favorite, is_trashed, n)
    VALUES (NEW.owner_id, SUBSTR(NEW.local_date_time, 1, 7), NEW.visibility, NEW.is_favorite,
            NEW.deleted_at IS NOT NULL, 1)
    ON CONFLICT (owner_id, month, visibility, is_favorite, is_trashed) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER timeline_months_delete AFTER DELETE ON assets
BEGIN
    UPDATE timeline_months SET n = n - 1
    WHERE owner_id = OLD.owner_id AND month = SUBSTR(OLD.local_date_time, 1, 7)
      AND visibility = OLD.visibility AND is_favorite = OLD.is_favorite
      AND is_trashed = (OLD.deleted_at IS NOT NULL);
    DELETE FROM timeline_months
    WHERE owner_id = OLD.owner_id AND month = SUBSTR(OLD.local_date_time, 1, 7)
      AND visibility = OLD.visibility AND is_favorite = OLD.is_favorite
      AND is_trashed = (OLD.deleted_at IS NOT NULL) AND n <= 0;
END;

-- Only updates that move an asset to another key touch the counts, so
-- thumbnail and metadata writes cost nothing here.
CREATE TRIGGER timeline_months_update
AFTER UPDATE OF owner_id, local_date_time, visibility, is_favorite, deleted_at ON assets
WHEN OLD.owner_id <> NEW.owner_id
  OR SUBSTR(OLD.local_date_time, 1, 7) <> SUBSTR(NEW.local_date_time, 1, 7)
  OR OLD.visibility <> NEW.visibility
  OR OLD.is_favorite <> NEW.is_favorite
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    UPDATE timeline_months SET n = n - 1
    WHERE owner_id = OLD.owner_id AND month = SUBSTR(OLD.local_date_time, 1, 7)
      AND visibility = OLD.visibility AND is_favorite = OLD.is_favorite
      AND is_trashed = (OLD.deleted_at IS NOT NULL);
    DELETE FROM timeline_months
    WHERE owner_id = OLD.owner_id AND month = SUBSTR(OLD.local_date_time, 1, 7)
      AND visibility = OLD.visibility AND is_favorite = OLD.is_favorite
      AND is_trashed = (OLD.deleted_at IS NOT NULL) AND n <= 0;
    INSERT INTO timeline_months (owner_id, month, visibility, is_favorite, is_trashed, n)
    VALUES (NEW.owner_id, SUBSTR(NEW.local_date_time, 1, 7), NEW.visibility, NEW.is_favorite,
            NEW.deleted_at IS NOT NULL, 1)
    ON CONFLICT (owner_id, month, visibility, is_favorite, is_trashed) DO UPDATE SET n = n + 1;
END;

-- The EXIF fields a timeline bucket lists, copied onto the asset so the
-- bucket reads one table: joining asset_exif cost two index look-ups per
-- asset, more than the rest of the query. Triggers keep the copy; only
-- timeline.rs reads it.
ALTER TABLE assets ADD COLUMN exif_projection_type TEXT;
ALTER TABLE assets ADD COLUMN exif_city TEXT;
ALTER TABLE assets ADD COLUMN exif_country TEXT;
ALTER TABLE assets ADD COLUMN exif_latitude DOUBLE PRECISION;
ALTER TABLE assets ADD COLUMN exif_longitude DOUBLE PRECISION;

UPDATE assets SET (exif_projection_type, exif_city, exif_country, exif_latitude, exif_longitude) = (
    SELECT projection_type, city, country, latitude, longitude FROM asset_exif WHERE asset_id = assets.id
)
WHERE id IN (
    SELECT asset_id FROM asset_exif
    WHERE projection_type IS NOT NULL OR city IS NOT NULL OR country IS NOT NULL
       OR latitude IS NOT NULL OR longitude IS NOT NULL
);

CREATE TRIGGER asset_exif_timeline_insert AFTER INSERT ON asset_exif
BEGIN
    UPDATE assets SET exif_projection_type = NEW.projection_type, exif_city = NEW.city,
        exif_country = NEW.country, exif_latitude = NEW.latitude, exif_longitude = NEW.longitude
    WHERE id = NEW.asset_id
      AND (exif_projection_type IS NOT NEW.projection_type OR exif_city IS NOT NEW.city
           OR exif_country IS NOT NEW.country OR exif_latitude IS NOT NEW.latitude
           OR exif_longitude IS NOT NEW.longitude);
END;

CREATE TRIGGER asset_exif_timeline_update
AFTER UPDATE OF asset_id, projection_type, city, country, latitude, longitude ON asset_exif
BEGIN
    UPDATE assets SET exif_projection_type = NULL, exif_city = NULL, exif_country = NULL,
        exif_latitude = NULL, exif_longitude = NULL
    WHERE id = OLD.asset_id AND OLD.asset_id <> NEW.asset_id;
    UPDATE assets SET exif_projection_type = NEW.projection_type, exif_city = NEW.city,
        exif_country = NEW.country, exif_latitude = NEW.latitude, exif_longitude = NEW.longitude
    WHERE id = NEW.asset_id
      AND (exif_projection_type IS NOT NEW.projection_type OR exif_city IS NOT NEW.city
           OR exif_country IS NOT NEW.country OR exif_latitude IS NOT NEW.latitude
           OR exif_longitude IS NOT NEW.longitude);
END;

CREATE TRIGGER asset_exif_timeline_delete AFTER DELETE ON asset_exif
BEGIN
    UPDATE assets SET exif_projection_type = NULL, exif_city = NULL, exif_country = NULL,
        exif_latitude = NULL, exif_longitude = NULL
    WHERE id = OLD.asset_id
      AND (exif_projection_type IS NOT NULL OR exif_city IS NOT NULL OR exif_country IS NOT NULL
           OR exif_latitude IS NOT NULL OR exif_longitude IS NOT NULL);
END;
