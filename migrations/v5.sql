-- Copyright 2026 The Distill authors.
-- Migration v5: teacher_outputs becomes a rowid table with a UNIQUE (teacher_id, url) index. As a WITHOUT ROWID
-- table keyed by (teacher_id, url), every imported row (a URL and a vector of up to 256 KiB) was inserted at a
-- random place in one B-tree of whole rows, splitting and rewriting pages full of vectors; now the rows are
-- appended in rowid order and only the small (teacher_id, url) keys land at random places in the index.
-- Same columns, same uniqueness, same cascade on delete; queries and results are unchanged.
CREATE TABLE teacher_outputs_v5 (
    id         INTEGER PRIMARY KEY,
    teacher_id INTEGER NOT NULL REFERENCES teachers(id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    vector     BLOB NOT NULL             -- dimension × float32, little-endian
);
INSERT INTO teacher_outputs_v5 (teacher_id, url, vector)
SELECT teacher_id, url, vector FROM teacher_outputs ORDER BY teacher_id, url;
DROP TABLE teacher_outputs;
ALTER TABLE teacher_outputs_v5 RENAME TO teacher_outputs;
CREATE UNIQUE INDEX teacher_outputs_by_url ON teacher_outputs(teacher_id, url);
