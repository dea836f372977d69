// Copyright 2026 The Distill authors.
// Trains claimed runs end to end: the run's data (frozen at its first start), training from the seed or the last
// checkpoint, evaluation, costs and measured latency, the results row. One code path for `distill run` (which
// claims a job's runs one after another in the foreground) and `distill daemon` (which claims the best runnable
// run of any job). Every write of a run is conditioned on the worker's lease; a heartbeat thread renews it and
// notices a cancel within a second.
//
// Stops: a signal, `--max-steps`, the window's end or another run of the job failing checkpoint the run and
// leave it `paused` (claimable again); a cancel or a lost lease stop it without writing anything more. Any error
// fails the run and its job with the message.

import DistillData
import DistillEngine
import DistillExport
import DistillModels
import DistillStore
import Foundation

/// Executes claimed runs in the calling thread.
public final class RunExecutor {
    /// How an invocation runs.
    public struct Options: Sendable {
        /// OpenMP and decoding threads; nil: the job's `training.threads` (0 = all cores).
        public var threads: Int?
        /// Stop after this many training steps in this invocation (checkpoint first, run left paused).
        public var maxSteps: Int?
        /// Timed forward passes for each latency figure.
        public var latencyRepeats: Int = 5
        /// How long a claim lasts unless the heartbeat renews it (every third of it).
        public var leaseSeconds: Double = 60
        /// Who this worker is in lease owners and log lines.
        public var worker = WorkerIdentity.current()
        /// Where schedules read the time (the daemon pauses a run at its window's end).
        public var clock: any ScheduleClock = SystemClock()
        /// Checked before every step and inside fetching, evaluation and latency measurement; true →
        /// checkpoint, pause, return.
        public var shouldStop: (@Sendable () -> Bool)?
        /// Receives training progress about once a second.
        public var progress: (@Sendable (RunProgress) -> Void)?
        /// Receives every log line (they also go to the events table).
        public var log: (@Sendable (String) -> Void)?
        /// Receives image fetch progress.
        public var fetchProgress: (@Sendable (ImageFetchProgress) -> Void)?

        /// The defaults: the job's threads, no step limit, no callbacks.
        public init() {}
    }

    /// The database.
    public let store: Store
    /// How this invocation runs.
    public let options: Options

    private var stepsTaken = 0
    /// The last job's prepared data, reused by its next run in this process (each run freezes its own copy).
    private var prepared: (jobID: Int64, dataset: RunDataset)?
    /// Images of the last dataset used, for summaries.
    private var lastDataset: RunDataset?

    /// Creates an executor.
    /// - Parameters:
    ///   - store: The database (its data directory holds the image cache and checkpoints).
    ///   - options: Threads, step limit, lease and callbacks.
    public init(store: Store, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    /// Training steps this executor has taken.
    public var stepsThisInvocation: Int { stepsTaken }

    // MARK: - distill run

    /// Claims and trains a job's runs that have not succeeded, in grid order (`distill run`), ignoring the job's
    /// schedule (the user asked for it now).
    /// - Parameters:
    ///   - jobID: The job.
    ///   - runName: Only this run.
    /// - Returns: What happened; the job is `succeeded`, `paused` when stopped early, or `cancelled` when
    ///   `distill cancel` cancelled it meanwhile (the current run stops within a second).
    /// - Throws: `StoreError.invalidArgument` for a finished or cancelled job (`.notFound` for none or an unknown
    ///   run); `ServiceError.invalidArgument` naming the holders when another worker holds any of the runs (nothing
    ///   is trained); any error while working, after recording it: the run and the job become `failed`.
    public func execute(jobID: Int64, runName: String? = nil) throws -> RunExecutionSummary {
        let job = try store.job(id: jobID)
        guard !job.state.isFinal else {
            let hint =
                job.state == .failed
                ? "`distill retry \(jobID)` requeues its failed runs" : "submit the job file again to train it anew"
            throw StoreError(
                .invalidArgument,
                "Job \(jobID) is already \(job.state.rawValue); only queued, paused or interrupted jobs can be run "
                    + "(\(hint)).")
        }
        let runs = try store.runs(jobID: jobID)
        if let runName, !runs.contains(where: { $0.name == runName }) {
            throw StoreError(
                .notFound,
                "Job \(jobID) has no run named '\(runName)'; its runs: "
                    + runs.map(\.name).joined(separator: ", ") + ".")
        }
        let worker = options.worker
        let held = try store.heldRuns(jobID: jobID, runName: runName, isAbandoned: worker.isAbandoned)
        guard held.isEmpty else {
            throw ServiceError.invalid(
                "Job \(jobID) is being trained by another worker: "
                    + held.map { "run \($0.runName) is held by \($0.owner) until \($0.expires)" }
                    .joined(separator: "; ")
                    + ". Nothing was trained; wait for it, or stop that worker (a killed worker's lease lapses at "
                    + "the time shown).")
        }
        while !(options.shouldStop?() ?? false), !stepBudgetSpent {
            guard
                let claim = try store.claimRun(
                    owner: worker.owner, leaseSeconds: options.leaseSeconds, jobID: jobID, runName: runName,
                    isAbandoned: worker.isAbandoned)
            else { break }
            let outcome = try train(claim)
            if outcome.state != .succeeded { break }
        }
        let ended = try store.job(id: jobID)
        var outcomes: [RunOutcome] = []
        for run in try store.runs(jobID: jobID) where runName == nil || run.name == runName {
            outcomes.append(
                RunOutcome(
                    runID: run.id, name: run.name, state: run.state, step: run.step, totalSteps: run.totalSteps ?? 0,
                    result: try store.result(runID: run.id)))
        }
        return RunExecutionSummary(
            jobID: jobID, state: ended.state, stepsThisInvocation: stepsTaken,
            trainingImages: lastDataset?.training.count ?? 0, evaluationImages: lastDataset?.evaluation.count ?? 0,
            runs: outcomes)
    }

    private var stepBudgetSpent: Bool { options.maxSteps.map { stepsTaken >= $0 } ?? false }

    // MARK: - One claimed run

    /// Trains a claimed run to its end, or until it is stopped.
    /// - Parameters:
    ///   - claim: The run and its lease.
    ///   - pauseAt: The end of the job's window: the run checkpoints and pauses then.
    /// - Returns: The run's outcome: `succeeded`, `paused`, `cancelled`, or `running` when the lease was lost
    ///   (another worker has the run now).
    /// - Throws: The error that failed the run, after recording it (run and job `failed`).
    public func train(_ claim: RunClaim, pauseAt: Date? = nil) throws -> RunOutcome {
        let run = claim.run
        let lease = claim.lease
        let jobID = run.jobID
        let keeper = LeaseKeeper(store: store, lease: lease, leaseSeconds: options.leaseSeconds)
        defer { keeper.stop() }
        let clock = options.clock
        let userStop = options.shouldStop
        let maxSteps = options.maxSteps
        var windowClosed = false
        // Why to stop, checked before every step (the heartbeat thread keeps `keeper.status` current).
        let stopReason: () -> RunStopReason? = {
            switch keeper.status {
            case .cancelled: return .cancelled
            case .lost: return .leaseLost
            case .jobFailed: return .pause
            case .held: break
            }
            if userStop?() ?? false { return .pause }
            if let maxSteps, self.stepsTaken >= maxSteps { return .pause }
            if let pauseAt, clock.now() >= pauseAt {
                windowClosed = true
                return .pause
            }
            return nil
        }
        let shouldStop: () -> Bool = { stopReason() != nil }
        var session: RunSession?
        do {
            let spec = try Self.decodeSpec(try store.jobSpecJSON(id: jobID), jobID: jobID)
            let teacher = try store.teacher(named: try store.job(id: jobID).teacher)
            let threads = options.threads ?? spec.training.threads
            if threads > 0 { try ComputeContext.setThreadCount(threads) }
            let loaderThreads = max(1, min(threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount, 256))
            let dataset = try data(for: claim, spec: spec, teacher: teacher, shouldStop: shouldStop)
            lastDataset = dataset
            let current = try RunSession(
                run: run, lease: lease, spec: spec, teacher: teacher, dataset: dataset, store: store,
                loaderThreads: loaderThreads)
            session = current
            let how = try current.startOrResume()
            log(
                jobID, run.id,
                "\(run.name): \(how); \(current.totalSteps) steps (\(spec.training.epochs) epochs × "
                    + "\(current.stepsPerEpoch) of batch \(spec.training.batchSize))")
            let outcome = try current.train(
                shouldStop: stopReason, onStep: { self.stepsTaken += 1 },
                progress: options.progress.map { callback in { callback($0) } },
                log: { self.log(jobID, run.id, "\(run.name): \($0)") })
            if case .stopped(let reason) = outcome {
                return try stopped(run, lease: lease, reason: reason, session: current, windowClosed: windowClosed)
            }
            let result = try finish(current, spec: spec, shouldStop: shouldStop)
            // A teach run's outputs become its teacher in the same transaction as its result.
            let trained = try spec.teach.map { teach in
                try teacherOutputs(
                    current, teach: teach, spec: spec, teacher: teacher, result: result, shouldStop: shouldStop)
            }
            let line = "\(run.name): succeeded" + Self.describe(result)
            try store.recordResult(lease, result, event: line, trainedTeacher: trained)
            if let trained {
                log(
                    jobID, run.id,
                    "teacher '\(teacher.name)' is ready: \(trained.table.urls.count) \(teacher.kind.rawValue) outputs of "
                        + "\(trained.table.dimension) values")
            }
            options.log?(line)
            return RunOutcome(
                runID: run.id, name: run.name, state: .succeeded, step: current.trainer.step,
                totalSteps: current.totalSteps, result: result)
        } catch is CancellationError {
            // Stopped inside fetching, evaluation or latency measurement.
            return try stopped(
                run, lease: lease, reason: stopReason() ?? .pause, session: session, windowClosed: windowClosed)
        } catch let error as StoreError where error.code == .leaseLost {
            return try stopped(run, lease: lease, reason: lostReason(lease), session: session, windowClosed: false)
        } catch {
            let message = "\(error)"
            log(jobID, run.id, "\(run.name): failed: \(message)", level: "error")
            do {
                try store.releaseRun(lease, state: .failed, error: message)
            } catch let lost as StoreError where lost.code == .leaseLost {
                // Cancelled meanwhile: the cancel stands.
            }
            throw error
        }
    }

    // MARK: - Private

    /// Records a stop: a pause releases the run as `paused` (checkpointed by the session, or `queued` when it
    /// never took a step); a cancel or a lost lease writes nothing.
    private func stopped(
        _ run: Run, lease: RunLease, reason: RunStopReason, session: RunSession?, windowClosed: Bool
    ) throws -> RunOutcome {
        let step = session?.trainer.step ?? run.step
        let total = session?.totalSteps ?? run.totalSteps ?? 0
        switch reason {
        case .cancelled:
            log(run.jobID, run.id, "\(run.name): stopped (job cancelled) at step \(step)/\(total)")
            return RunOutcome(runID: run.id, name: run.name, state: .cancelled, step: step, totalSteps: total)
        case .leaseLost:
            log(
                run.jobID, run.id,
                "\(run.name): stopped at step \(step)/\(total): \(lease.owner) no longer holds the run "
                    + "(its lease lapsed and another worker took it); nothing more was written", level: "warning")
            return RunOutcome(runID: run.id, name: run.name, state: .running, step: step, totalSteps: total)
        case .pause:
            let state: JobState = step > 0 || session != nil ? .paused : .queued
            do {
                try store.releaseRun(lease, state: state)
            } catch let error as StoreError where error.code == .leaseLost {
                return try stopped(run, lease: lease, reason: lostReason(lease), session: session, windowClosed: false)
            }
            var line = "\(run.name): \(windowClosed ? "paused at the end of its window" : "paused") at step "
            line += "\(step)/\(total)"
            if let session, step > 0 { line += ", checkpoint " + session.checkpointRelativePath }
            log(run.jobID, run.id, line)
            return RunOutcome(runID: run.id, name: run.name, state: state, step: step, totalSteps: total)
        }
    }

    /// Why a conditional write found the lease gone: a cancel, or another worker.
    private func lostReason(_ lease: RunLease) -> RunStopReason {
        (try? store.leaseStatus(lease)) == .cancelled ? .cancelled : .leaseLost
    }

    /// The run's data: as frozen at its first start, else fetched and split now and frozen.
    private func data(for claim: RunClaim, spec: JobSpec, teacher: Teacher, shouldStop: () -> Bool) throws
        -> RunDataset
    {
        let run = claim.run
        if let frozen = try store.frozenSamples(runID: run.id) {
            let dataset = try RunDataset.restore(frozen, teacher: teacher, store: store)
            log(
                run.jobID, run.id,
                "\(run.name): \(dataset.training.count) training and \(dataset.evaluation.count) evaluation images "
                    + "as frozen at its first start")
            return dataset
        }
        let dataset: RunDataset
        if let prepared, prepared.jobID == run.jobID {
            dataset = prepared.dataset
        } else {
            log(run.jobID, nil, "fetching images (teacher '\(teacher.name)', \(teacher.kind.rawValue))")
            dataset = try RunDataset.prepare(
                spec: spec, teacher: teacher, store: store, log: { self.log(run.jobID, nil, $0) },
                fetchProgress: options.fetchProgress, shouldStop: shouldStop)
            log(
                run.jobID, nil,
                "\(dataset.training.count) training images (of \(dataset.requestedTraining)), "
                    + "\(dataset.evaluation.count) evaluation images; last partial batch of each epoch dropped")
            prepared = (run.jobID, dataset)
        }
        let frozen = dataset.frozen
        try store.freezeSamples(claim.lease, training: frozen.training, evaluation: frozen.evaluation)
        return dataset
    }

    /// Final evaluation, costs and measured latency of a trained run.
    private func finish(_ session: RunSession, spec: JobSpec, shouldStop: () -> Bool) throws -> RunResultRow {
        let evaluation = try session.evaluate(shouldStop: shouldStop)
        let modelSpec = session.network.spec
        let costs = CostReport(spec: modelSpec).total
        let latencyBatch = min(spec.training.batchSize, 32)
        let latency = try MobileNetBenchmark.infer(
            spec: modelSpec, batch: latencyBatch, options: session.network.options, repeats: options.latencyRepeats,
            shouldStop: shouldStop)
        return RunResultRow(
            meanAP: evaluation.meanAP, top1: evaluation.top1, teacherAgreement: evaluation.teacherAgreement,
            teacherKL: evaluation.teacherKL, verificationAccuracy: evaluation.verificationAccuracy,
            embeddingDistance: evaluation.embeddingDistance, parameters: costs.paperParameters,
            parametersDeployed: costs.foldedParameters, multAdds: costs.multiplyAdds, flops: costs.flops,
            memoryAccessBytes: costs.memoryAccessBytes, latencyMillisecondsBatchOne: latency.batchOneMilliseconds,
            latencyMillisecondsBatchN: latency.batchMilliseconds, latencyBatch: latencyBatch,
            latencyThreads: latency.threads, energyMillijoules: costs.sramTotalEnergyPicojoules * 1e-9,
            trainSeconds: session.secondsTrained,
            int8: spec.exportInt8 == true
                ? try int8Figures(session, float32: evaluation, latencyBatch: latencyBatch, shouldStop: shouldStop)
                : nil)
    }

    /// `export_int8`: the student quantized (calibrated on its training images), evaluated through oneDNN's int8
    /// convolutions on the same evaluation images, its files' sizes and its measured latency.
    private func int8Figures(
        _ session: RunSession, float32: RunEvaluation, latencyBatch: Int, shouldStop: () -> Bool
    ) throws -> RunResultRow.Int8Figures {
        let folded = try FoldedMobileNet(network: session.network)
        let training = session.dataset.training
        let count = min(TrainedStudent.calibrationImageCount, training.count)
        let stride = max(1, training.count / max(count, 1))
        let digests = Swift.stride(from: 0, to: training.count, by: stride).prefix(count).map { training[$0].digest }
        let sample = session.loader.sampleCount
        var images: [[Float]] = []
        var start = 0
        while start < digests.count {
            if shouldStop() { throw CancellationError() }
            let chunk = Array(digests[start..<min(digests.count, start + 64)])
            var batch = [Float](repeating: 0, count: chunk.count * sample)
            let failures = try batch.withUnsafeMutableBufferPointer {
                try session.loader.fill(digests: chunk, into: $0)
            }
            for index in chunk.indices where failures[index] == nil {
                images.append(Array(batch[(index * sample)..<((index + 1) * sample)]))
            }
            start += chunk.count
        }
        let quantized = try QuantizedMobileNet(folded: folded, calibrationImages: images)
        let int8 = try RunEvaluator.evaluateInt8(
            quantized: quantized, kind: session.kind, loss: session.trainer.loss, samples: session.dataset.evaluation,
            loader: session.loader, shouldStop: shouldStop)
        let metadata = ExportMetadata(
            outputKind: session.kind.rawValue, outputNames: [], resolution: folded.spec.resolution,
            mean: Normalization.mobileNet.mean, standardDeviation: Normalization.mobileNet.standardDeviation,
            alpha: folded.spec.alpha, variant: folded.spec.variant.rawValue, activation: folded.activation.rawValue,
            run: "\(session.jobID)/\(session.run.name)", teacher: session.spec.teacher)
        // int8 latency is oneDNN's (V1); the plain-Swift reference that evaluates V2/V3 in int8 is no latency
        // a device would see, so their int8 latency stays empty.
        let latency =
            folded.isSequential
            ? try MobileNetBenchmark.int8Latency(
                quantized, batch: latencyBatch, repeats: options.latencyRepeats, shouldStop: shouldStop) : nil
        let pairs: [(Double?, Double?)] = [
            (int8.top1, float32.top1), (int8.teacherAgreement, float32.teacherAgreement),
            (int8.meanAP, float32.meanAP), (int8.verificationAccuracy, float32.verificationAccuracy),
        ]
        let delta = pairs.lazy.compactMap { pair -> Double? in
            guard let quantizedValue = pair.0, let floatValue = pair.1 else { return nil }
            return quantizedValue - floatValue
        }.first
        return RunResultRow.Int8Figures(
            top1: int8.top1, teacherAgreement: int8.teacherAgreement, meanAP: int8.meanAP,
            verificationAccuracy: int8.verificationAccuracy, metricDelta: delta,
            onnxBytes: try ONNXExporter.float32Model(folded, metadata: metadata).count,
            tfliteBytes: try TFLiteExporter.float32Model(folded, metadata: metadata).count,
            onnxInt8Bytes: try ONNXExporter.int8Model(quantized, metadata: metadata).count,
            tfliteInt8Bytes: try TFLiteExporter.int8Model(quantized, metadata: metadata).count,
            latencyMillisecondsBatchOne: latency?.batchOneMilliseconds,
            latencyMillisecondsBatchN: latency?.batchMilliseconds)
    }

    /// A trained teacher's outputs and its figures on the held-out images.
    ///
    /// The URL set is `teach.outputs_for`, else every URL of its labels file. Embeddings are L2-normalised. Images that cannot be fetched or decoded get
    /// no output (logged).
    private func teacherOutputs(
        _ session: RunSession, teach: JobSpec.Teach, spec: JobSpec, teacher: Teacher, result: RunResultRow,
        shouldStop: () -> Bool
    ) throws -> TrainedTeacherOutputs {
        let jobID = session.run.jobID
        var urls: [String]
        if let path = teach.outputsFor {
            urls = try URLList.read(path, hint: "check `teach.outputs_for` in the job file")
        } else {
            urls = try EvaluationLabels.read(path: teach.labels).entries.map(\.url)
        }
        var seen = Set<String>()
        urls = urls.filter { seen.insert($0).inserted }
        log(jobID, session.run.id, "computing teacher '\(teacher.name)' outputs for \(urls.count) image(s)")
        let service = try RunDataset.fetchService(spec: spec, store: store)
        _ = try service.fetchBlocking(urls: urls, progress: options.fetchProgress, shouldStop: shouldStop)
        var digests: [String: String] = [:]
        for record in try store.imageRecords(status: .fetched) {
            if let digest = record.sha256, service.cache.contains(digest: digest, byteCount: record.bytes) {
                digests[record.url] = digest
            }
        }
        let samples = urls.compactMap { url in digests[url].map { RunSample(url: url, digest: $0) } }
        let (kept, outputs, failed) = try RunEvaluator.infer(
            network: session.network, samples: samples, loader: session.loader, shouldStop: shouldStop)
        let width = session.network.spec.outputs
        let missing = urls.count - kept.count
        if missing > 0 {
            log(
                jobID, session.run.id,
                "\(missing) image(s) have no teacher output (\(urls.count - samples.count) not fetched, \(failed) not "
                    + "decodable); see `distill images --failed`", level: "warning")
        }
        guard !kept.isEmpty else {
            throw ServiceError(
                .runtime, "None of the \(urls.count) images for teacher '\(teacher.name)' could be fetched and decoded."
            )
        }
        let values = teach.kind == .embedding ? RunEvaluator.normalized(outputs, width: width) : outputs
        let evaluation = TeacherEvaluation(
            top1: teach.kind == .logits ? result.top1 : nil, meanAP: teach.kind == .attributes ? result.meanAP : nil,
            verification: teach.kind == .embedding ? result.verificationAccuracy : nil,
            images: session.lastEvaluatedImages)
        return TrainedTeacherOutputs(
            teacherID: teacher.id, table: TeacherTable(urls: kept.map(\.url), values: values, dimension: width),
            evaluation: evaluation)
    }

    func log(_ jobID: Int64, _ runID: Int64?, _ message: String, level: String = "info") {
        try? store.addEvent(jobID: jobID, runID: runID, level: level, message: message)
        options.log?(message)
    }

    /// The stored spec (snake_case JSON).
    /// - Parameters:
    ///   - json: The `spec_json` column.
    ///   - jobID: The job, for the message.
    /// - Returns: The spec.
    /// - Throws: `ServiceError.runtime` when it cannot be read.
    public static func decodeSpec(_ json: String, jobID: Int64) throws -> JobSpec {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(JobSpec.self, from: Data(json.utf8))
        } catch {
            throw ServiceError(
                .runtime, "Job \(jobID)'s stored spec cannot be read (\(error)); submit the job file again.")
        }
    }

    /// ": top-1 0.8125, agreement 0.9, 13.3 M Mult-Adds, …" for a results row.
    static func describe(_ result: RunResultRow) -> String {
        var parts: [String] = []
        let figures: [(String, Double?)] = [
            ("top-1", result.top1), ("agreement", result.teacherAgreement), ("mean AP", result.meanAP),
            ("verification", result.verificationAccuracy), ("distance", result.embeddingDistance),
        ]
        for (name, value) in figures { if let value { parts.append(String(format: "\(name) %.4f", value)) } }
        parts.append(String(format: "%.2f M Mult-Adds", Double(result.multAdds) / 1e6))
        parts.append(String(format: "%.3f M parameters", Double(result.parameters) / 1e6))
        if let latency = result.latencyMillisecondsBatchOne { parts.append(String(format: "%.3f ms batch 1", latency)) }
        parts.append(String(format: "%.1f s training", result.trainSeconds))
        return ": " + parts.joined(separator: ", ")
    }
}
