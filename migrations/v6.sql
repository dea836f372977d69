-- Copyright 2026 The Distill authors.
-- Migration v6: a checkpoint can travel with the database. When daemons on several hosts share one PostgreSQL
-- database, a run killed on one host resumes on another, which has not got the file; there the latest
-- checkpoint of each run also keeps its bytes here (earlier ones are cleared when a newer one is recorded).
-- On SQLite, which one machine uses, checkpoints stay files in the data directory and this column stays NULL.
ALTER TABLE checkpoints ADD COLUMN contents BLOB;  -- the checkpoint file's bytes (SHA-256 in sha256), or NULL
