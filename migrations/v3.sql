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
