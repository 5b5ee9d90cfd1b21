-- Asset counts per owner and month of local date taken, split by everything
-- /timeline/buckets filters on, so that query reads a few hundred rows instead
-- of every asset. `month` is the 'YYYY-MM' prefix of local_date_time, the
-- same text the fallback scan in timeline.rs groups by.
--
-- Unlike SQLite's, this table is a log of signed changes that readers sum:
-- one row per key kept by upserts made two transactions of one owner lock
-- the same counters in different orders (favouriting a May and a June asset,
-- each in the opposite order) and deadlock, where before they touched only
-- their own assets. Writers here only insert, and merging takes no lock
-- another writer waits for (see timeline_months_merge).
CREATE TABLE timeline_months (
    owner_id     TEXT NOT NULL,
    month        TEXT NOT NULL,
    visibility   TEXT NOT NULL,
    is_favorite  BOOLEAN NOT NULL,
    is_trashed   BOOLEAN NOT NULL,
    n            BIGINT NOT NULL
);
CREATE INDEX timeline_months_owner_month ON timeline_months (owner_id, month);

INSERT INTO timeline_months (owner_id, month, visibility, is_favorite, is_trashed, n)
SELECT owner_id, SUBSTR(local_date_time, 1, 7), visibility, is_favorite, deleted_at IS NOT NULL, COUNT(*)
FROM assets
GROUP BY owner_id, SUBSTR(local_date_time, 1, 7), visibility, is_favorite, deleted_at IS NOT NULL;

-- Folds one owner's month into a row per key, dropping keys that sum to
-- zero. Rows another transaction is merging are skipped rather than waited
-- for, and rows not yet committed are not seen, so the sums stay right and
-- no writer ever blocks on a merge.
CREATE FUNCTION timeline_months_merge(merge_owner TEXT, merge_month TEXT) RETURNS void
LANGUAGE sql AS $$
    WITH merged AS (
        DELETE FROM timeline_months
        WHERE ctid IN (
            SELECT ctid FROM timeline_months
            WHERE owner_id = merge_owner AND month = merge_month
            FOR UPDATE SKIP LOCKED
        )
        RETURNING owner_id, month, visibility, is_favorite, is_trashed, n
    )
    INSERT INTO timeline_months (owner_id, month, visibility, is_favorite, is_trashed, n)
    SELECT owner_id, month, visibility, is_favorite, is_trashed, SUM(n)::BIGINT
    FROM merged
    GROUP BY owner_id, month, visibility, is_favorite, is_trashed
    HAVING SUM(n) <> 0;
$$;

-- Statement-level, so a bulk insert, trash or delete logs one row per key
-- rather than one per asset. A month is merged once it holds more than 16
-- rows, and after deletes, so a deleted owner's rows go with their assets.
CREATE FUNCTION timeline_months_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed BIGINT;
    touched RECORD;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO timeline_months (owner_id, month, visibility, is_favorite, is_trashed, n)
        SELECT owner_id, SUBSTR(local_date_time, 1, 7), visibility, is_favorite, deleted_at IS NOT NULL, COUNT(*)
        FROM new_rows
        GROUP BY 1, 2, 3, 4, 5;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO timeline_months (owner_id, month, visibility, is_favorite, is_trashed, n)
        SELECT owner_id, SUBSTR(local_date_time, 1, 7), visibility, is_favorite, deleted_at IS NOT NULL, -COUNT(*)
        FROM old_rows
        GROUP BY 1, 2, 3, 4, 5;
    ELSE
        INSERT INTO timeline_months (owner_id, month, visibility, is_favorite, is_trashed, n)
        SELECT owner_id, month, visibility, is_favorite, is_trashed, SUM(d)::BIGINT
        FROM (
            SELECT owner_id, SUBSTR(local_date_time, 1, 7) AS month, visibility, is_favorite,
                   deleted_at IS NOT NULL AS is_trashed, COUNT(*) AS d
            FROM new_rows GROUP BY 1, 2, 3, 4, 5
            UNION ALL
            SELECT owner_id, SUBSTR(local_date_time, 1, 7), visibility, is_favorite,
                   deleted_at IS NOT NULL, -COUNT(*)
            FROM old_rows GROUP BY 1, 2, 3, 4, 5
        ) delta
        GROUP BY 1, 2, 3, 4, 5
        HAVING SUM(d) <> 0;
    END IF;
    -- Thumbnail and metadata writes change no key and stop here.
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed = 0 THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        FOR touched IN SELECT DISTINCT owner_id, SUBSTR(local_date_time, 1, 7) AS month FROM new_rows LOOP
            IF (SELECT COUNT(*) FROM (
                    SELECT 1 FROM timeline_months
                    WHERE owner_id = touched.owner_id AND month = touched.month LIMIT 17) logged) > 16 THEN
                PERFORM timeline_months_merge(touched.owner_id, touched.month);
            END IF;
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR touched IN SELECT DISTINCT owner_id, SUBSTR(local_date_time, 1, 7) AS month FROM old_rows LOOP
            PERFORM timeline_months_merge(touched.owner_id, touched.month);
        END LOOP;
    ELSE
        FOR touched IN
            SELECT owner_id, SUBSTR(local_date_time, 1, 7) AS month FROM new_rows
            UNION
            SELECT owner_id, SUBSTR(local_date_time, 1, 7) FROM old_rows
        LOOP
            IF (SELECT COUNT(*) FROM (
                    SELECT 1 FROM timeline_months
                    WHERE owner_id = touched.owner_id AND month = touched.month LIMIT 17) logged) > 16 THEN
                PERFORM timeline_months_merge(touched.owner_id, touched.month);
            END IF;
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER timeline_months_insert AFTER INSERT ON assets
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_months_apply();
CREATE TRIGGER timeline_months_update AFTER UPDATE ON assets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_months_apply();
CREATE TRIGGER timeline_months_delete AFTER DELETE ON assets
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_months_apply();

-- The EXIF fields a timeline bucket lists, copied onto the asset so the
-- bucket reads one table: joining asset_exif cost an index look-up per asset
-- (or a hash join over every EXIF row), more than the rest of the query.
-- Triggers keep the copy; only timeline.rs reads it.
ALTER TABLE assets ADD COLUMN exif_projection_type TEXT;
ALTER TABLE assets ADD COLUMN exif_city TEXT;
ALTER TABLE assets ADD COLUMN exif_country TEXT;
ALTER TABLE assets ADD COLUMN exif_latitude DOUBLE PRECISION;
ALTER TABLE assets ADD COLUMN exif_longitude DOUBLE PRECISION;

UPDATE assets a SET exif_projection_type = e.projection_type, exif_city = e.city,
    exif_country = e.country, exif_latitude = e.latitude, exif_longitude = e.longitude
FROM asset_exif e
WHERE e.asset_id = a.id
  AND (e.projection_type IS NOT NULL OR e.city IS NOT NULL OR e.country IS NOT NULL
       OR e.latitude IS NOT NULL OR e.longitude IS NOT NULL);

CREATE FUNCTION asset_exif_timeline_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE assets a SET exif_projection_type = NULL, exif_city = NULL, exif_country = NULL,
            exif_latitude = NULL, exif_longitude = NULL
        FROM old_rows o
        WHERE a.id = o.asset_id
          AND (a.exif_projection_type IS NOT NULL OR a.exif_city IS NOT NULL OR a.exif_country IS NOT NULL
               OR a.exif_latitude IS NOT NULL OR a.exif_longitude IS NOT NULL);
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        UPDATE assets a SET exif_projection_type = NULL, exif_city = NULL, exif_country = NULL,
            exif_latitude = NULL, exif_longitude = NULL
        FROM old_rows o
        WHERE a.id = o.asset_id
          AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.asset_id = o.asset_id);
    END IF;
    UPDATE assets a SET exif_projection_type = n.projection_type, exif_city = n.city,
        exif_country = n.country, exif_latitude = n.latitude, exif_longitude = n.longitude
    FROM new_rows n
    WHERE a.id = n.asset_id
      AND (a.exif_projection_type IS DISTINCT FROM n.projection_type
           OR a.exif_city IS DISTINCT FROM n.city
           OR a.exif_country IS DISTINCT FROM n.country
           OR a.exif_latitude IS DISTINCT FROM n.latitude
           OR a.exif_longitude IS DISTINCT FROM n.longitude);
    RETURN NULL;
END;
$$;

CREATE TRIGGER asset_exif_timeline_insert AFTER INSERT ON asset_exif
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION asset_exif_timeline_copy();
CREATE TRIGGER asset_exif_timeline_update AFTER UPDATE ON asset_exif
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION asset_exif_timeline_copy();
CREATE TRIGGER asset_exif_timeline_delete AFTER DELETE ON asset_exif
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION asset_exif_timeline_copy();
