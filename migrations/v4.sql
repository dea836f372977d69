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
