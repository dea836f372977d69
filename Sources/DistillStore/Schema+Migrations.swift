// Copyright 2026 The Distill authors.
// GENERATED from schema.sql and migrations/ by scripts/embed-schema.sh (make schema). Do not edit by hand.

extension Schema {
    /// Migration v1: the text of schema.sql.
    public static let version1 = #"""
        -- Copyright 2026 The Distill authors.
        -- Distill's data model: migration v1. This file is the one description of the database; users query
        -- it directly with sqlite3, so names are for people. Times are ISO-8601 UTC text. Vectors are float32
        -- little-endian BLOBs. Large binaries (checkpoints, cached images) live in files next to the database,
        -- referenced by SHA-256.

        -- A teacher: a named set of output vectors, one per image URL.
        CREATE TABLE teachers (
            id           INTEGER PRIMARY KEY,
            name         TEXT NOT NULL UNIQUE,
            kind         TEXT NOT NULL CHECK (kind IN ('logits', 'attributes', 'embedding')),
            dimension    INTEGER NOT NULL CHECK (dimension > 0),
            output_count INTEGER NOT NULL DEFAULT 0,
            source_file  TEXT,
            created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );

        CREATE TABLE teacher_outputs (
            teacher_id INTEGER NOT NULL REFERENCES teachers(id) ON DELETE CASCADE,
            url        TEXT NOT NULL,
            vector     BLOB NOT NULL,            -- dimension × float32, little-endian
            PRIMARY KEY (teacher_id, url)
        ) WITHOUT ROWID;

        -- Every image URL Distill knows of, with its fetch outcome. The body lives in the cache by sha256.
        CREATE TABLE images (
            id             INTEGER PRIMARY KEY,
            url            TEXT NOT NULL UNIQUE,
            status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fetched', 'failed')),
            sha256         TEXT,
            bytes          INTEGER,
            format         TEXT,
            width          INTEGER,
            height         INTEGER,
            http_status    INTEGER,
            failure_reason TEXT,
            attempts       INTEGER NOT NULL DEFAULT 0,
            fetched_at     TEXT,
            updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        CREATE INDEX images_by_status ON images(status);

        -- Labels of evaluation sets: one row per (set, url). `class` for classification, `attributes` as
        -- a JSON array of 0/1 for attribute tasks, `identity` for embedding verification.
        CREATE TABLE labels (
            dataset    TEXT NOT NULL,
            url        TEXT NOT NULL,
            class      INTEGER,
            class_name TEXT,
            attributes TEXT,
            identity   TEXT,
            PRIMARY KEY (dataset, url)
        ) WITHOUT ROWID;

        -- A submitted job file. A job with a grid becomes one run per (alpha, resolution).
        CREATE TABLE jobs (
            id             INTEGER PRIMARY KEY,
            name           TEXT NOT NULL,
            teacher_id     INTEGER NOT NULL REFERENCES teachers(id),
            spec_yaml      TEXT NOT NULL,        -- the job file as submitted
            spec_json      TEXT NOT NULL,        -- the validated spec with every default filled in
            state          TEXT NOT NULL DEFAULT 'queued'
                           CHECK (state IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
            priority       INTEGER NOT NULL DEFAULT 0,
            not_before     TEXT,                 -- --at: not started before this time
            window_start   TEXT,                 -- --window: HH:MM local time, runs only inside the window
            window_end     TEXT,
            attempts       INTEGER NOT NULL DEFAULT 0,
            lease_owner    TEXT,                 -- daemon id holding the job
            lease_expires  TEXT,
            error          TEXT,
            submitted_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            started_at     TEXT,
            finished_at    TEXT
        );
        CREATE INDEX jobs_by_state ON jobs(state, priority DESC, id);

        CREATE TABLE runs (
            id             INTEGER PRIMARY KEY,
            job_id         INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            name           TEXT NOT NULL,        -- e.g. 'alpha0.5-res160'
            architecture   TEXT NOT NULL,        -- e.g. 'mobilenet_v1'
            alpha          REAL NOT NULL,
            resolution     INTEGER NOT NULL,
            state          TEXT NOT NULL DEFAULT 'queued'
                           CHECK (state IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
            epoch          INTEGER NOT NULL DEFAULT 0,
            step           INTEGER NOT NULL DEFAULT 0,
            total_steps    INTEGER,
            progress       REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
            error          TEXT,
            started_at     TEXT,
            finished_at    TEXT,
            UNIQUE (job_id, name)
        );

        -- Per-epoch training and evaluation figures of a run.
        CREATE TABLE metrics (
            run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            epoch           INTEGER NOT NULL,
            step            INTEGER NOT NULL,
            train_loss      REAL,
            eval_loss       REAL,
            mean_ap         REAL,
            top1            REAL,
            agreement       REAL,
            images_per_sec  REAL,
            learning_rate   REAL,
            recorded_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            PRIMARY KEY (run_id, epoch)
        );

        -- One row per finished run, with every metric and cost.
        CREATE TABLE results (
            run_id                INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
            mean_ap               REAL,          -- mean average precision across attributes
            top1                  REAL,          -- top-1 accuracy against labels
            teacher_agreement     REAL,          -- top-1 match with the teacher
            teacher_kl            REAL,          -- mean KL(teacher ‖ student)
            verification_accuracy REAL,          -- embedding: validation rate at FAR 1e-4
            embedding_distance    REAL,          -- embedding: mean squared distance to the teacher
            parameters            INTEGER,       -- as the paper counts them (weights only)
            parameters_deployed   INTEGER,       -- with biases and batch norm
            mult_adds             INTEGER,
            flops                 INTEGER,
            memory_access_bytes   INTEGER,
            latency_ms_batch1     REAL,
            latency_ms_batchN     REAL,
            latency_batch         INTEGER,
            latency_threads       INTEGER,
            energy_mj             REAL,          -- estimated energy per image, millijoules
            train_seconds         REAL,
            recorded_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );

        CREATE TABLE checkpoints (
            id         INTEGER PRIMARY KEY,
            run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            step       INTEGER NOT NULL,
            epoch      INTEGER NOT NULL,
            path       TEXT NOT NULL,            -- relative to the data directory
            sha256     TEXT NOT NULL,
            bytes      INTEGER NOT NULL,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        CREATE INDEX checkpoints_by_run ON checkpoints(run_id, step);

        -- Log lines of jobs and runs (what `distill logs` shows).
        CREATE TABLE events (
            id       INTEGER PRIMARY KEY,
            job_id   INTEGER REFERENCES jobs(id) ON DELETE CASCADE,
            run_id   INTEGER REFERENCES runs(id) ON DELETE CASCADE,
            level    TEXT NOT NULL DEFAULT 'info' CHECK (level IN ('debug', 'info', 'warning', 'error')),
            message  TEXT NOT NULL,
            at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        CREATE INDEX events_by_job ON events(job_id, id);

        -- The table people want: one row per run of a sweep, with its grid point, state, metrics and costs.
        CREATE VIEW sweep_results AS
        SELECT
            j.id AS job_id,
            j.name AS job_name,
            t.name AS teacher,
            r.id AS run_id,
            r.name AS run_name,
            r.architecture,
            r.alpha,
            r.resolution,
            r.state,
            res.mean_ap,
            res.top1,
            res.teacher_agreement,
            res.teacher_kl,
            res.verification_accuracy,
            res.embedding_distance,
            res.parameters,
            res.parameters_deployed,
            res.mult_adds,
            res.flops,
            res.memory_access_bytes,
            res.latency_ms_batch1,
            res.latency_ms_batchN,
            res.energy_mj,
            res.train_seconds
        FROM runs r
        JOIN jobs j ON j.id = r.job_id
        JOIN teachers t ON t.id = j.teacher_id
        LEFT JOIN results res ON res.run_id = r.id;
        """#

    /// Migration v2: the text of migrations/v2.sql.
    public static let version2 = #"""
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
        """#

    /// Migration v3: the text of migrations/v3.sql.
    public static let version3 = #"""
        -- Copyright 2026 The Distill authors.
        -- Migration v3: teachers Distill trains itself (`distill teach`). A teach job trains one MobileNet on a labels
        -- file and then writes its outputs for a URL set as a teacher; the teacher row exists from the job's submission
        -- (status 'training', no outputs, jobs cannot use it yet) and becomes 'ready' in the same transaction that
        -- stores its outputs. Imported teachers are 'ready' from the start.
        ALTER TABLE teachers ADD COLUMN status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('training', 'ready'));
        -- The teach job that trains it (NULL for imported teachers).
        ALTER TABLE teachers ADD COLUMN trained_by_job INTEGER REFERENCES jobs(id);
        -- Its own evaluation on the held-out labelled images, by kind: top-1 (logits), mean AP (attributes),
        -- verification rate at a false-accept rate of 1e-4 (embedding); NULL for imported teachers.
        ALTER TABLE teachers ADD COLUMN eval_top1 REAL;
        ALTER TABLE teachers ADD COLUMN eval_mean_ap REAL;
        ALTER TABLE teachers ADD COLUMN eval_verification REAL;
        ALTER TABLE teachers ADD COLUMN eval_images INTEGER;
        """#

    /// Migration v4: the text of migrations/v4.sql.
    public static let version4 = #"""
        -- Copyright 2026 The Distill authors.
        -- Migration v4: int8 students measured before shipping (`export_int8: true` in a job file). Next to each
        -- float32 result: the same metric of the student quantized to int8 (post-training, evaluated by Distill through
        -- oneDNN's int8 convolutions on the same evaluation images), its delta, the deployable file sizes and the
        -- measured int8 latency. NULL where the job did not ask for int8 or the metric does not apply.
        ALTER TABLE results ADD COLUMN int8_top1 REAL;                   -- top-1 accuracy of the int8 student
        ALTER TABLE results ADD COLUMN int8_teacher_agreement REAL;      -- its top-1 match with the teacher
        ALTER TABLE results ADD COLUMN int8_mean_ap REAL;                -- its mean AP (attribute teachers)
        ALTER TABLE results ADD COLUMN int8_verification_accuracy REAL;  -- its validation rate (embedding teachers)
        ALTER TABLE results ADD COLUMN int8_metric_delta REAL;           -- int8 minus float32 of the kind's main metric
        ALTER TABLE results ADD COLUMN onnx_bytes INTEGER;               -- `distill export --format onnx` file size
        ALTER TABLE results ADD COLUMN tflite_bytes INTEGER;
        ALTER TABLE results ADD COLUMN onnx_int8_bytes INTEGER;          -- the same with --int8
        ALTER TABLE results ADD COLUMN tflite_int8_bytes INTEGER;
        ALTER TABLE results ADD COLUMN int8_latency_ms_batch1 REAL;      -- int8 inference, same batch and threads as
        ALTER TABLE results ADD COLUMN int8_latency_ms_batchN REAL;      -- latency_ms_batch1 / latency_ms_batchN

        -- sweep_results gains the int8 columns (redefined: same columns as before, then the new ones).
        DROP VIEW sweep_results;
        CREATE VIEW sweep_results AS
        SELECT
            j.id AS job_id,
            j.name AS job_name,
            t.name AS teacher,
            r.id AS run_id,
            r.name AS run_name,
            r.architecture,
            r.alpha,
            r.resolution,
            r.state,
            res.mean_ap,
            res.top1,
            res.teacher_agreement,
            res.teacher_kl,
            res.verification_accuracy,
            res.embedding_distance,
            res.parameters,
            res.parameters_deployed,
            res.mult_adds,
            res.flops,
            res.memory_access_bytes,
            res.latency_ms_batch1,
            res.latency_ms_batchN,
            res.energy_mj,
            res.train_seconds,
            res.int8_top1,
            res.int8_teacher_agreement,
            res.int8_mean_ap,
            res.int8_verification_accuracy,
            res.int8_metric_delta,
            res.onnx_bytes,
            res.tflite_bytes,
            res.onnx_int8_bytes,
            res.tflite_int8_bytes,
            res.int8_latency_ms_batch1,
            res.int8_latency_ms_batchN
        FROM runs r
        JOIN jobs j ON j.id = r.job_id
        JOIN teachers t ON t.id = j.teacher_id
        LEFT JOIN results res ON res.run_id = r.id;
        """#

    /// Migration v5: the text of migrations/v5.sql.
    public static let version5 = #"""
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
        """#

    /// Migration v6: the text of migrations/v6.sql.
    public static let version6 = #"""
        -- Copyright 2026 The Distill authors.
        -- Migration v6: a checkpoint can travel with the database. When daemons on several hosts share one PostgreSQL
        -- database, a run killed on one host resumes on another, which has not got the file; there the latest
        -- checkpoint of each run also keeps its bytes here (earlier ones are cleared when a newer one is recorded).
        -- On SQLite, which one machine uses, checkpoints stay files in the data directory and this column stays NULL.
        ALTER TABLE checkpoints ADD COLUMN contents BLOB;  -- the checkpoint file's bytes (SHA-256 in sha256), or NULL
        """#

    /// Migration v5 (PostgreSQL): the text of migrations/postgres/v5.sql.
    public static let postgresVersion5 = #"""
        -- Copyright 2026 The Distill authors.
        -- Distill's data model on PostgreSQL (issue 13: many hosts, one database). A PostgreSQL database starts here, at
        -- the schema SQLite reaches through schema.sql and migrations/v2.sql … v5.sql: the same tables, columns, views
        -- and checks, so the CLI and users' SQL work on both. A later migration vN gets one file per backend
        -- (migrations/vN.sql and migrations/postgres/vN.sql); a test checks that the two expose the same tables,
        -- columns and view columns. The comments of schema.sql and migrations/ explain every column.
        -- Differences, all of type only: ids are identity columns, integers bigint, reals double precision, vectors
        -- bytea (float32 little-endian, as in SQLite), times timestamptz (SQLite: ISO-8601 UTC text). Names are lower
        -- case, so `latency_ms_batchN` is `latency_ms_batchn` here; unquoted SQL such as
        -- `SELECT latency_ms_batchN FROM results` works on both.

        CREATE TABLE teachers (
            id                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name              text NOT NULL UNIQUE,
            kind              text NOT NULL CHECK (kind IN ('logits', 'attributes', 'embedding')),
            dimension         bigint NOT NULL CHECK (dimension > 0),
            output_count      bigint NOT NULL DEFAULT 0,
            source_file       text,
            created_at        timestamptz NOT NULL DEFAULT now(),
            status            text NOT NULL DEFAULT 'ready' CHECK (status IN ('training', 'ready')),
            trained_by_job    bigint,           -- REFERENCES jobs(id), added below (jobs refer to teachers too)
            eval_top1         double precision,
            eval_mean_ap      double precision,
            eval_verification double precision,
            eval_images       bigint
        );

        CREATE TABLE teacher_outputs (
            id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            teacher_id bigint NOT NULL REFERENCES teachers(id) ON DELETE CASCADE,
            url        text NOT NULL,
            vector     bytea NOT NULL             -- dimension × float32, little-endian
        );
        CREATE UNIQUE INDEX teacher_outputs_by_url ON teacher_outputs(teacher_id, url);

        CREATE TABLE images (
            id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            url            text NOT NULL UNIQUE,
            status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fetched', 'failed')),
            sha256         text,
            bytes          bigint,
            format         text,
            width          bigint,
            height         bigint,
            http_status    bigint,
            failure_reason text,
            attempts       bigint NOT NULL DEFAULT 0,
            fetched_at     timestamptz,
            updated_at     timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX images_by_status ON images(status);

        CREATE TABLE labels (
            dataset    text NOT NULL,
            url        text NOT NULL,
            class      bigint,
            class_name text,
            attributes text,
            identity   text,
            PRIMARY KEY (dataset, url)
        );

        CREATE TABLE jobs (
            id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name           text NOT NULL,
            teacher_id     bigint NOT NULL REFERENCES teachers(id),
            spec_yaml      text NOT NULL,
            spec_json      text NOT NULL,
            state          text NOT NULL DEFAULT 'queued'
                           CHECK (state IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
            priority       bigint NOT NULL DEFAULT 0,
            not_before     timestamptz,
            window_start   text,                 -- HH:MM local time, as in SQLite
            window_end     text,
            attempts       bigint NOT NULL DEFAULT 0,
            lease_owner    text,
            lease_expires  timestamptz,
            error          text,
            submitted_at   timestamptz NOT NULL DEFAULT now(),
            started_at     timestamptz,
            finished_at    timestamptz
        );
        CREATE INDEX jobs_by_state ON jobs(state, priority DESC, id);
        ALTER TABLE teachers ADD FOREIGN KEY (trained_by_job) REFERENCES jobs(id);

        CREATE TABLE runs (
            id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            job_id         bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            name           text NOT NULL,
            architecture   text NOT NULL,
            alpha          double precision NOT NULL,
            resolution     bigint NOT NULL,
            state          text NOT NULL DEFAULT 'queued'
                           CHECK (state IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
            epoch          bigint NOT NULL DEFAULT 0,
            step           bigint NOT NULL DEFAULT 0,
            total_steps    bigint,
            progress       double precision NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
            error          text,
            started_at     timestamptz,
            finished_at    timestamptz,
            lease_owner    text,
            lease_expires  timestamptz,
            attempts       bigint NOT NULL DEFAULT 0,
            UNIQUE (job_id, name)
        );
        CREATE INDEX runs_by_state ON runs(state, job_id, id);

        CREATE TABLE metrics (
            run_id          bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            epoch           bigint NOT NULL,
            step            bigint NOT NULL,
            train_loss      double precision,
            eval_loss       double precision,
            mean_ap         double precision,
            top1            double precision,
            agreement       double precision,
            images_per_sec  double precision,
            learning_rate   double precision,
            recorded_at     timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (run_id, epoch)
        );

        CREATE TABLE results (
            run_id                     bigint PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
            mean_ap                    double precision,
            top1                       double precision,
            teacher_agreement          double precision,
            teacher_kl                 double precision,
            verification_accuracy      double precision,
            embedding_distance         double precision,
            parameters                 bigint,
            parameters_deployed        bigint,
            mult_adds                  bigint,
            flops                      bigint,
            memory_access_bytes        bigint,
            latency_ms_batch1          double precision,
            latency_ms_batchN          double precision,
            latency_batch              bigint,
            latency_threads            bigint,
            energy_mj                  double precision,
            train_seconds              double precision,
            recorded_at                timestamptz NOT NULL DEFAULT now(),
            int8_top1                  double precision,
            int8_teacher_agreement     double precision,
            int8_mean_ap               double precision,
            int8_verification_accuracy double precision,
            int8_metric_delta          double precision,
            onnx_bytes                 bigint,
            tflite_bytes               bigint,
            onnx_int8_bytes            bigint,
            tflite_int8_bytes          bigint,
            int8_latency_ms_batch1     double precision,
            int8_latency_ms_batchN     double precision
        );

        CREATE TABLE checkpoints (
            id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            run_id     bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            step       bigint NOT NULL,
            epoch      bigint NOT NULL,
            path       text NOT NULL,
            sha256     text NOT NULL,
            bytes      bigint NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX checkpoints_by_run ON checkpoints(run_id, step);

        CREATE TABLE events (
            id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            job_id   bigint REFERENCES jobs(id) ON DELETE CASCADE,
            run_id   bigint REFERENCES runs(id) ON DELETE CASCADE,
            level    text NOT NULL DEFAULT 'info' CHECK (level IN ('debug', 'info', 'warning', 'error')),
            message  text NOT NULL,
            at       timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX events_by_job ON events(job_id, id);

        CREATE TABLE run_samples (
            run_id     bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            split      text NOT NULL CHECK (split IN ('train', 'eval')),
            position   bigint NOT NULL,
            url        text NOT NULL,
            sha256     text NOT NULL,
            class      bigint,
            attributes text,
            PRIMARY KEY (run_id, split, position)
        );

        CREATE VIEW run_leases AS
        SELECT r.job_id, r.id AS run_id, r.name AS run_name, r.state, r.lease_owner, r.lease_expires, r.attempts,
               r.step, r.total_steps
        FROM runs r
        WHERE r.lease_owner IS NOT NULL;

        CREATE VIEW sweep_results AS
        SELECT
            j.id AS job_id,
            j.name AS job_name,
            t.name AS teacher,
            r.id AS run_id,
            r.name AS run_name,
            r.architecture,
            r.alpha,
            r.resolution,
            r.state,
            res.mean_ap,
            res.top1,
            res.teacher_agreement,
            res.teacher_kl,
            res.verification_accuracy,
            res.embedding_distance,
            res.parameters,
            res.parameters_deployed,
            res.mult_adds,
            res.flops,
            res.memory_access_bytes,
            res.latency_ms_batch1,
            res.latency_ms_batchN,
            res.energy_mj,
            res.train_seconds,
            res.int8_top1,
            res.int8_teacher_agreement,
            res.int8_mean_ap,
            res.int8_verification_accuracy,
            res.int8_metric_delta,
            res.onnx_bytes,
            res.tflite_bytes,
            res.onnx_int8_bytes,
            res.tflite_int8_bytes,
            res.int8_latency_ms_batch1,
            res.int8_latency_ms_batchN
        FROM runs r
        JOIN jobs j ON j.id = r.job_id
        JOIN teachers t ON t.id = j.teacher_id
        LEFT JOIN results res ON res.run_id = r.id;
        """#

    /// Migration v6 (PostgreSQL): the text of migrations/postgres/v6.sql.
    public static let postgresVersion6 = #"""
        -- Copyright 2026 The Distill authors.
        -- Migration v6 (see migrations/v6.sql): the latest checkpoint of each run keeps its bytes, so another host can
        -- resume the run.
        ALTER TABLE checkpoints ADD COLUMN contents bytea;
        """#
}
