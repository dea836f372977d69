-- Copyright 2026 The Distill authors.
-- Migration v6 (see migrations/v6.sql): the latest checkpoint of each run keeps its bytes, so another host can
-- resume the run.
ALTER TABLE checkpoints ADD COLUMN contents bytea;
