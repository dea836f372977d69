-- Copyright 2026 The Distill authors.
-- Migration v2: the daemon. Runs are claimed one at a time with a lease, so several workers (daemons on one
-- machine, `distill run`) share a sweep and never train the same run twice; the data a run trains on is
-- frozen at its first start, so a resumed run sees exactly the same images in the same order.

-- The worker holding a run: 'ID@HOST:PID:TOKEN'. Its lease ends at lease_expires (ISO-8601 UTC) unless a
-- heartbeat renews it; a run whose lease expired (its worker died) can be claimed again and resumes from its
-- last checkpoint. Every write of a running run is conditioned on lease_owner still being the writer.
ALTER TABLE runs ADD COLUMN lease_owner TEXT;
ALTER TABLE runs ADD COLUMN lease_expires TEXT;
-- How many times a worker has claimed the run.
ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_by_state ON runs(state, job_id, id);

-- The images a run trains on ('train', in data order before shuffling) and is evaluated on ('eval'),
-- recorded when it first starts. `class` and `attributes` are the labels file's values at that time.
CREATE TABLE run_samples (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split      TEXT NOT NULL CHECK (split IN ('train', 'eval')),
    position   INTEGER NOT NULL,
    url        TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    class      INTEGER,
    attributes TEXT,                     -- JSON array of 0/1
    PRIMARY KEY (run_id, split, position)
) WITHOUT ROWID;

-- Who holds what, for people: `sqlite3 distill.db 'select * from run_leases'`.
CREATE VIEW run_leases AS
SELECT r.job_id, r.id AS run_id, r.name AS run_name, r.state, r.lease_owner, r.lease_expires, r.attempts,
       r.step, r.total_steps
FROM runs r
WHERE r.lease_owner IS NOT NULL;
