// Copyright 2026 The Distill authors.
// What a run executor writes: job and run states, per-epoch metrics rows, checkpoint records and the
// results row of a finished run (schema.sql: jobs, runs, metrics, checkpoints, results, events).

import Foundation

/// One row of the `metrics` table: a run's figures at the end of an epoch.
public struct RunMetricsRow: Sendable, Equatable {
    /// The run.
    public var runID: Int64
    /// The epoch just finished (1-based).
    public var epoch: Int
    /// Training steps done so far.
    public var step: Int
    /// Mean training loss over the epoch's steps.
    public var trainLoss: Double?
    /// The loss on the evaluation images that have teacher outputs.
    public var evalLoss: Double?
    /// Mean AP (attribute teachers).
    public var meanAP: Double?
    /// Top-1 accuracy against labels.
    public var top1: Double?
    /// Top-1 match with the teacher.
    public var agreement: Double?
    /// Training images per second over the epoch.
    public var imagesPerSecond: Double?
    /// The learning rate at the epoch's last step.
    public var learningRate: Double?

    /// Creates a row.
    public init(
        runID: Int64, epoch: Int, step: Int, trainLoss: Double? = nil, evalLoss: Double? = nil, meanAP: Double? = nil,
        top1: Double? = nil, agreement: Double? = nil, imagesPerSecond: Double? = nil, learningRate: Double? = nil
    ) {
        self.runID = runID
        self.epoch = epoch
        self.step = step
        self.trainLoss = trainLoss
        self.evalLoss = evalLoss
        self.meanAP = meanAP
        self.top1 = top1
        self.agreement = agreement
        self.imagesPerSecond = imagesPerSecond
        self.learningRate = learningRate
    }
}

/// One row of the `results` table: every metric and cost of a finished run.
public struct RunResultRow: Sendable, Equatable, Codable {
    /// Mean AP across attributes.
    public var meanAP: Double?
    /// Top-1 accuracy against labels.
    public var top1: Double?
    /// Top-1 match with the teacher.
    public var teacherAgreement: Double?
    /// Mean KL(teacher ‖ student), nats.
    public var teacherKL: Double?
    /// Embedding: validation rate at FAR 1e-4.
    public var verificationAccuracy: Double?
    /// Embedding: mean squared distance to the teacher.
    public var embeddingDistance: Double?
    /// Parameters as the paper counts them (weights only).
    public var parameters: Int
    /// Parameters as deployed (batch norm folded into a bias per channel).
    public var parametersDeployed: Int
    /// Mult-Adds per image.
    public var multAdds: Int
    /// FLOPs per image.
    public var flops: Int
    /// Memory access per image, bytes.
    public var memoryAccessBytes: Int
    /// Median batch-1 latency, ms.
    public var latencyMillisecondsBatchOne: Double?
    /// Median batch-N latency, ms per batch.
    public var latencyMillisecondsBatchN: Double?
    /// N of the batch-N latency.
    public var latencyBatch: Int?
    /// Threads the latency was measured with.
    public var latencyThreads: Int?
    /// Estimated energy per image, millijoules.
    public var energyMillijoules: Double
    /// Wall-clock training seconds over all invocations.
    public var trainSeconds: Double
    /// The int8 student's figures (migration v4), nil unless the job set `export_int8`.
    public var int8: Int8Figures?

    /// What the student quantized to int8 measures, next to the float32 row.
    public struct Int8Figures: Sendable, Equatable, Codable {
        /// Top-1 accuracy of the int8 student.
        public var top1: Double?
        /// Its top-1 match with the teacher.
        public var teacherAgreement: Double?
        /// Its mean AP.
        public var meanAP: Double?
        /// Its validation rate.
        public var verificationAccuracy: Double?
        /// int8 minus float32 of the kind's main metric (top-1, else agreement, mean AP or validation rate).
        public var metricDelta: Double?
        /// Sizes of the exported files in bytes.
        public var onnxBytes: Int?
        public var tfliteBytes: Int?
        public var onnxInt8Bytes: Int?
        public var tfliteInt8Bytes: Int?
        /// Measured int8 latency at batch 1 and batch N (same batch and threads as the float32 figures).
        public var latencyMillisecondsBatchOne: Double?
        public var latencyMillisecondsBatchN: Double?

        /// Creates the figures.
        public init(
            top1: Double? = nil, teacherAgreement: Double? = nil, meanAP: Double? = nil,
            verificationAccuracy: Double? = nil, metricDelta: Double? = nil, onnxBytes: Int? = nil,
            tfliteBytes: Int? = nil, onnxInt8Bytes: Int? = nil, tfliteInt8Bytes: Int? = nil,
            latencyMillisecondsBatchOne: Double? = nil, latencyMillisecondsBatchN: Double? = nil
        ) {
            self.top1 = top1
            self.teacherAgreement = teacherAgreement
            self.meanAP = meanAP
            self.verificationAccuracy = verificationAccuracy
            self.metricDelta = metricDelta
            self.onnxBytes = onnxBytes
            self.tfliteBytes = tfliteBytes
            self.onnxInt8Bytes = onnxInt8Bytes
            self.tfliteInt8Bytes = tfliteInt8Bytes
            self.latencyMillisecondsBatchOne = latencyMillisecondsBatchOne
            self.latencyMillisecondsBatchN = latencyMillisecondsBatchN
        }
    }

    /// Creates a row.
    public init(
        meanAP: Double? = nil, top1: Double? = nil, teacherAgreement: Double? = nil, teacherKL: Double? = nil,
        verificationAccuracy: Double? = nil, embeddingDistance: Double? = nil, parameters: Int,
        parametersDeployed: Int, multAdds: Int, flops: Int, memoryAccessBytes: Int,
        latencyMillisecondsBatchOne: Double? = nil, latencyMillisecondsBatchN: Double? = nil, latencyBatch: Int? = nil,
        latencyThreads: Int? = nil, energyMillijoules: Double, trainSeconds: Double, int8: Int8Figures? = nil
    ) {
        self.int8 = int8
        self.meanAP = meanAP
        self.top1 = top1
        self.teacherAgreement = teacherAgreement
        self.teacherKL = teacherKL
        self.verificationAccuracy = verificationAccuracy
        self.embeddingDistance = embeddingDistance
        self.parameters = parameters
        self.parametersDeployed = parametersDeployed
        self.multAdds = multAdds
        self.flops = flops
        self.memoryAccessBytes = memoryAccessBytes
        self.latencyMillisecondsBatchOne = latencyMillisecondsBatchOne
        self.latencyMillisecondsBatchN = latencyMillisecondsBatchN
        self.latencyBatch = latencyBatch
        self.latencyThreads = latencyThreads
        self.energyMillijoules = energyMillijoules
        self.trainSeconds = trainSeconds
    }
}

/// One row of the `checkpoints` table.
public struct CheckpointRecord: Sendable, Equatable {
    /// Row id.
    public var id: Int64
    /// The run.
    public var runID: Int64
    /// Steps done when it was written.
    public var step: Int
    /// Epoch (0-based, the one in progress) when it was written.
    public var epoch: Int
    /// Path relative to the data directory.
    public var path: String
    /// SHA-256 of the file.
    public var sha256: String
    /// File size.
    public var bytes: Int
}

extension Store {
    // MARK: - Runs

    /// The run with this id.
    /// - Throws: `StoreError.notFound`.
    public func run(id: Int64) throws -> Run {
        try read { db in
            guard let row = try db.fetchOne(sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "No run with id \(id); run `distill show JOB` to list a job's runs.")
            }
            return Store.run(from: row)
        }
    }

    /// Records the planned step count of a run the caller holds.
    /// - Throws: `StoreError.leaseLost` when the lease is no longer the caller's (nothing is written).
    public func startRun(_ lease: RunLease, totalSteps: Int) throws {
        try write { db in
            try Store.requireLease(db, lease)
            try db.execute(sql: "UPDATE runs SET total_steps = ? WHERE id = ?", arguments: [totalSteps, lease.runID])
        }
    }

    /// Records a held run's position: completed epochs, steps and the fraction done.
    /// - Throws: `StoreError.leaseLost` when the lease is no longer the caller's (nothing is written).
    public func updateRunProgress(_ lease: RunLease, epoch: Int, step: Int, totalSteps: Int) throws {
        let progress = totalSteps > 0 ? min(1, max(0, Double(step) / Double(totalSteps))) : 0
        try write { db in
            try Store.requireLease(db, lease)
            try db.execute(
                sql: "UPDATE runs SET epoch = ?, step = ?, total_steps = ?, progress = ? WHERE id = ?",
                arguments: [epoch, step, totalSteps, progress, lease.runID])
        }
    }

    /// Stores a held run's results row, marks the run succeeded and releases it, in one transaction; the job
    /// becomes `succeeded` when this was its last run.
    /// - Parameters:
    ///   - lease: The run and its holder.
    ///   - result: The row.
    ///   - event: A log line for the run, written in the same transaction (before the job's own line).
    ///   - trainedTeacher: A teach run's teacher outputs and figures, stored (and the teacher marked ready) in
    ///     the same transaction.
    /// - Throws: `StoreError.leaseLost` when the lease is no longer the caller's (a cancel came first: nothing
    ///   is written).
    public func recordResult(
        _ lease: RunLease, _ result: RunResultRow, event: String? = nil, trainedTeacher: TrainedTeacherOutputs? = nil
    ) throws {
        try write { db in
            try Store.requireLease(db, lease)
            if let trainedTeacher { try storeTrainedTeacher(db, trainedTeacher) }
            // A plain INSERT: a second results row for a run is a bug to surface, not to paper over.
            try db.execute(
                sql: """
                    INSERT INTO results (run_id, mean_ap, top1, teacher_agreement, teacher_kl,
                        verification_accuracy, embedding_distance, parameters, parameters_deployed, mult_adds, flops,
                        memory_access_bytes, latency_ms_batch1, latency_ms_batchN, latency_batch, latency_threads,
                        energy_mj, train_seconds, int8_top1, int8_teacher_agreement, int8_mean_ap,
                        int8_verification_accuracy, int8_metric_delta, onnx_bytes, tflite_bytes, onnx_int8_bytes,
                        tflite_int8_bytes, int8_latency_ms_batch1, int8_latency_ms_batchN)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    lease.runID, result.meanAP, result.top1, result.teacherAgreement, result.teacherKL,
                    result.verificationAccuracy, result.embeddingDistance, result.parameters,
                    result.parametersDeployed, result.multAdds, result.flops, result.memoryAccessBytes,
                    result.latencyMillisecondsBatchOne, result.latencyMillisecondsBatchN, result.latencyBatch,
                    result.latencyThreads, result.energyMillijoules, result.trainSeconds, result.int8?.top1,
                    result.int8?.teacherAgreement, result.int8?.meanAP, result.int8?.verificationAccuracy,
                    result.int8?.metricDelta, result.int8?.onnxBytes, result.int8?.tfliteBytes,
                    result.int8?.onnxInt8Bytes, result.int8?.tfliteInt8Bytes,
                    result.int8?.latencyMillisecondsBatchOne, result.int8?.latencyMillisecondsBatchN,
                ])
            try db.execute(
                sql: """
                    UPDATE runs SET state = 'succeeded', progress = 1, error = NULL, lease_owner = NULL,
                    lease_expires = NULL, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?
                    """, arguments: [lease.runID])
            if let event {
                try Store.insertEvent(db, jobID: lease.jobID, runID: lease.runID, level: "info", message: event)
            }
            try Store.refreshJobState(db, jobID: lease.jobID)
        }
    }

    /// The results row of a run, if it finished.
    public func result(runID: Int64) throws -> RunResultRow? {
        try read { db in
            guard let row = try db.fetchOne(sql: "SELECT * FROM results WHERE run_id = ?", arguments: [runID])
            else { return nil }
            return RunResultRow(
                meanAP: row["mean_ap"], top1: row["top1"], teacherAgreement: row["teacher_agreement"],
                teacherKL: row["teacher_kl"], verificationAccuracy: row["verification_accuracy"],
                embeddingDistance: row["embedding_distance"], parameters: row["parameters"],
                parametersDeployed: row["parameters_deployed"], multAdds: row["mult_adds"], flops: row["flops"],
                memoryAccessBytes: row["memory_access_bytes"], latencyMillisecondsBatchOne: row["latency_ms_batch1"],
                latencyMillisecondsBatchN: row["latency_ms_batchN"], latencyBatch: row["latency_batch"],
                latencyThreads: row["latency_threads"], energyMillijoules: row["energy_mj"],
                trainSeconds: row["train_seconds"], int8: Store.int8Figures(row))
        }
    }

    /// The int8 columns of a results row, nil when none is set.
    static func int8Figures(_ row: SQLRow) -> RunResultRow.Int8Figures? {
        let figures = RunResultRow.Int8Figures(
            top1: row["int8_top1"], teacherAgreement: row["int8_teacher_agreement"], meanAP: row["int8_mean_ap"],
            verificationAccuracy: row["int8_verification_accuracy"], metricDelta: row["int8_metric_delta"],
            onnxBytes: row["onnx_bytes"], tfliteBytes: row["tflite_bytes"], onnxInt8Bytes: row["onnx_int8_bytes"],
            tfliteInt8Bytes: row["tflite_int8_bytes"], latencyMillisecondsBatchOne: row["int8_latency_ms_batch1"],
            latencyMillisecondsBatchN: row["int8_latency_ms_batchN"])
        return figures == RunResultRow.Int8Figures() ? nil : figures
    }

    // MARK: - Metrics

    /// Writes (or replaces: a run resumed from a checkpoint older than its last epoch's end ends that epoch
    /// again) a held run's metrics row for an epoch.
    /// - Throws: `StoreError.leaseLost` when the lease is no longer the caller's (nothing is written).
    public func recordMetrics(_ metrics: RunMetricsRow, lease: RunLease) throws {
        try write { db in
            try Store.requireLease(db, lease)
            try db.execute(
                sql: """
                    INSERT INTO metrics (run_id, epoch, step, train_loss, eval_loss, mean_ap, top1,
                        agreement, images_per_sec, learning_rate)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, epoch) DO UPDATE SET step = excluded.step,
                        train_loss = excluded.train_loss, eval_loss = excluded.eval_loss,
                        mean_ap = excluded.mean_ap, top1 = excluded.top1, agreement = excluded.agreement,
                        images_per_sec = excluded.images_per_sec, learning_rate = excluded.learning_rate,
                        recorded_at = excluded.recorded_at
                    """,
                arguments: [
                    metrics.runID, metrics.epoch, metrics.step, metrics.trainLoss, metrics.evalLoss, metrics.meanAP,
                    metrics.top1, metrics.agreement, metrics.imagesPerSecond, metrics.learningRate,
                ])
        }
    }

    /// A run's metrics rows, by epoch.
    public func metrics(runID: Int64) throws -> [RunMetricsRow] {
        try read { db in
            try db.fetchAll(sql: "SELECT * FROM metrics WHERE run_id = ? ORDER BY epoch", arguments: [runID]).map {
                row in
                RunMetricsRow(
                    runID: row["run_id"], epoch: row["epoch"], step: row["step"], trainLoss: row["train_loss"],
                    evalLoss: row["eval_loss"], meanAP: row["mean_ap"], top1: row["top1"],
                    agreement: row["agreement"], imagesPerSecond: row["images_per_sec"],
                    learningRate: row["learning_rate"])
            }
        }
    }

    // MARK: - Checkpoints

    /// Records a checkpoint file written for a held run.
    ///
    /// On PostgreSQL, whose daemons may be on other hosts, the record also keeps the file's bytes, so a run resumed
    /// elsewhere finds them (see `checkpointContents`); only the run's latest checkpoint keeps them. On SQLite the
    /// file in the data directory is the checkpoint and `contents` is not stored.
    /// - Parameters:
    ///   - lease: The run and its holder.
    ///   - step: Steps done.
    ///   - epoch: The epoch in progress (0-based).
    ///   - path: Relative to the data directory.
    ///   - sha256: The file's SHA-256.
    ///   - bytes: The file's size.
    ///   - contents: The file's bytes (kept on PostgreSQL only).
    /// - Throws: `StoreError.leaseLost` when the lease is no longer the caller's, `.database` when the write fails.
    public func recordCheckpoint(
        _ lease: RunLease, step: Int, epoch: Int, path: String, sha256: String, bytes: Int, contents: Data? = nil
    ) throws {
        let kept = isPostgres ? contents : nil
        try write { db in
            try Store.requireLease(db, lease)
            if kept != nil {
                try db.execute(
                    sql: "UPDATE checkpoints SET contents = NULL WHERE run_id = ? AND contents IS NOT NULL",
                    arguments: [lease.runID])
            }
            try db.execute(
                sql: """
                    INSERT INTO checkpoints (run_id, step, epoch, path, sha256, bytes, contents)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [lease.runID, step, epoch, path, sha256, bytes, kept])
        }
    }

    /// The bytes a checkpoint record keeps (PostgreSQL: the latest checkpoint of each run), or nil.
    public func checkpointContents(id: Int64) throws -> Data? {
        try read { db in
            try db.fetchOne(Data.self, sql: "SELECT contents FROM checkpoints WHERE id = ?", arguments: [id])
        }
    }

    /// A run's checkpoint records, oldest first.
    public func checkpoints(runID: Int64) throws -> [CheckpointRecord] {
        try read { db in
            try db.fetchAll(
                sql:
                    "SELECT id, run_id, step, epoch, path, sha256, bytes FROM checkpoints WHERE run_id = ? ORDER BY id",
                arguments: [runID]
            ).map {
                row in
                CheckpointRecord(
                    id: row["id"], runID: row["run_id"], step: row["step"], epoch: row["epoch"], path: row["path"],
                    sha256: row["sha256"], bytes: row["bytes"])
            }
        }
    }
}
