-- SQLite has no sequences; AUTOINCREMENT never hands out a number twice, even after its row
-- is deleted. Each embedding write takes its revision here. MAX(revision) + 1, used before,
-- gave a new row the number of the deleted row that had held the maximum, and an in-memory
-- index that had read that number never read the new row.
CREATE TABLE smart_search_revisions (n INTEGER PRIMARY KEY AUTOINCREMENT);
INSERT INTO smart_search_revisions (n) SELECT MAX(revision) FROM smart_search WHERE revision IS NOT NULL;
