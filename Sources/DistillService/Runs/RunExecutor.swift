// Copyright 2026 The Distill authors.
// Trains a submitted job's runs end to end: job → running, images fetched and split, each unfinished run
// trained (or resumed from its checkpoint), evaluated and costed, results rows written, job → succeeded.
// Any error fails the current run and the job with its message; a stop (--max-steps, a signal) checkpoints
// and leaves the run and the job `paused`. `distill run` calls it in the foreground; a daemon will too.

import DistillData
import DistillEngine
import DistillModels
import DistillStore
import Foundation

/// Executes a job's runs in the calling thread.
public final class RunExecutor {
    /// How an invocation runs.
    public struct Options: Sendable {
        /// OpenMP and decoding threads; nil: the job's `training.threads` (0 = all cores).
        public var threads: Int?
        /// Stop after this many training steps in this invocation (checkpoint first, run left paused).
        public var maxSteps: Int?
        /// Timed forward passes for each latency figure.
        public var latencyRepeats: Int = 5
        /// Checked before every step; true → checkpoint, pause, return.
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

    /// Creates an executor.
    /// - Parameters:
    ///   - store: The database (its data directory holds the image cache and checkpoints).
    ///   - options: Threads, step limit and callbacks.
    public init(store: Store, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    /// Trains every run of a job that has not succeeded, in grid order, and records the results.
    /// - Parameter jobID: The job.
    /// - Returns: What happened; the job is `succeeded`, `paused` when stopped early, or `cancelled` when
    ///   `distill cancel` cancelled it meanwhile (the current run stops at its next step, with a checkpoint).
    /// - Throws: `StoreError.invalidArgument` for a finished or cancelled job (`.notFound` for none); any error
    ///   while working, after recording it: the job and the current run become `failed` with its message.
    public func execute(jobID: Int64) throws -> RunExecutionSummary {
        let job = try store.startJob(id: jobID)
        var currentRun: Run?
        do {
            let spec = try Self.decodeSpec(try store.jobSpecJSON(id: jobID), jobID: jobID)
            let teacher = try store.teacher(named: job.teacher)
            let threads = options.threads ?? spec.training.threads
            if threads > 0 { try ComputeContext.setThreadCount(threads) }
            let loaderThreads = max(1, min(threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount, 256))

            log(jobID, nil, "fetching images (teacher '\(teacher.name)', \(teacher.kind.rawValue))")
            let dataset = try RunDataset.prepare(
                spec: spec, teacher: teacher, store: store, log: { self.log(jobID, nil, $0) },
                fetchProgress: options.fetchProgress)
            log(
                jobID, nil,
                "\(dataset.training.count) training images (of \(dataset.requestedTraining)), "
                    + "\(dataset.evaluation.count) evaluation images; last partial batch of each epoch dropped")

            var stepsTaken = 0
            var outcomes: [RunOutcome] = []
            var stopped = false
            // `distill cancel` from another process: looked for at most once a second and between runs.
            var cancelled = false
            var lastCancelCheck = Date.distantPast
            func checkCancelled() -> Bool {
                if !cancelled, Date().timeIntervalSince(lastCancelCheck) >= 1 {
                    lastCancelCheck = Date()
                    cancelled = (try? store.job(id: jobID).state) == .cancelled
                }
                return cancelled
            }
            for run in try store.runs(jobID: jobID) {
                if !stopped, checkCancelled() { stopped = true }
                if run.state == .succeeded || stopped {
                    outcomes.append(
                        RunOutcome(
                            runID: run.id, name: run.name, state: run.state, step: run.step,
                            totalSteps: run.totalSteps ?? 0, result: try store.result(runID: run.id)))
                    continue
                }
                currentRun = run
                let session = try RunSession(
                    run: run, jobID: jobID, spec: spec, teacher: teacher, dataset: dataset, store: store,
                    loaderThreads: loaderThreads)
                let how = try session.startOrResume()
                log(
                    jobID, run.id,
                    "\(run.name): \(how); \(session.totalSteps) steps (\(spec.training.epochs) epochs × "
                        + "\(session.stepsPerEpoch) of batch \(spec.training.batchSize))")
                let maxSteps = options.maxSteps
                let shouldStop = options.shouldStop
                let outcome = try session.train(
                    shouldStop: {
                        (maxSteps.map { stepsTaken >= $0 } ?? false) || (shouldStop?() ?? false) || checkCancelled()
                    },
                    onStep: { stepsTaken += 1 }, progress: options.progress.map { callback in { callback($0) } },
                    log: { self.log(jobID, run.id, "\(run.name): \($0)") })
                if outcome == .stopped {
                    // A cancelled job's runs were already marked cancelled by `distill cancel`.
                    if !cancelled { try store.stopRun(id: run.id, state: .paused) }
                    log(
                        jobID, run.id,
                        "\(run.name): \(cancelled ? "stopped (job cancelled)" : "paused") at step "
                            + "\(session.trainer.step)/\(session.totalSteps), checkpoint "
                            + session.checkpointRelativePath)
                    outcomes.append(
                        RunOutcome(
                            runID: run.id, name: run.name, state: cancelled ? .cancelled : .paused,
                            step: session.trainer.step,
                            totalSteps: session.totalSteps, result: nil))
                    stopped = true
                    currentRun = nil
                    continue
                }
                let result = try finish(session, spec: spec)
                try store.recordResult(runID: run.id, result)
                log(jobID, run.id, "\(run.name): succeeded" + Self.describe(result))
                outcomes.append(
                    RunOutcome(
                        runID: run.id, name: run.name, state: .succeeded, step: session.trainer.step,
                        totalSteps: session.totalSteps, result: result))
                currentRun = nil
            }
            let state: JobState = cancelled ? .cancelled : stopped ? .paused : .succeeded
            if !cancelled { try store.finishJob(id: jobID, state: state) }
            return RunExecutionSummary(
                jobID: jobID, state: state, stepsThisInvocation: stepsTaken, trainingImages: dataset.training.count,
                evaluationImages: dataset.evaluation.count, runs: outcomes)
        } catch {
            let message = "\(error)"
            if let currentRun { try? store.stopRun(id: currentRun.id, state: .failed, error: message) }
            try? store.finishJob(id: jobID, state: .failed, error: message)
            throw error
        }
    }

    // MARK: - Private

    /// Final evaluation, costs and measured latency of a trained run.
    private func finish(_ session: RunSession, spec: JobSpec) throws -> RunResultRow {
        let evaluation = try session.evaluate()
        let modelSpec = session.network.spec
        let costs = CostReport(spec: modelSpec).total
        let latencyBatch = min(spec.training.batchSize, 32)
        let latency = try MobileNetBenchmark.infer(
            spec: modelSpec, batch: latencyBatch, options: session.network.options, repeats: options.latencyRepeats)
        return RunResultRow(
            meanAP: evaluation.meanAP, top1: evaluation.top1, teacherAgreement: evaluation.teacherAgreement,
            teacherKL: evaluation.teacherKL, verificationAccuracy: evaluation.verificationAccuracy,
            embeddingDistance: evaluation.embeddingDistance, parameters: costs.paperParameters,
            parametersDeployed: costs.foldedParameters, multAdds: costs.multiplyAdds, flops: costs.flops,
            memoryAccessBytes: costs.memoryAccessBytes, latencyMillisecondsBatchOne: latency.batchOneMilliseconds,
            latencyMillisecondsBatchN: latency.batchMilliseconds, latencyBatch: latencyBatch,
            latencyThreads: latency.threads, energyMillijoules: costs.sramTotalEnergyPicojoules * 1e-9,
            trainSeconds: session.secondsTrained)
    }

    private func log(_ jobID: Int64, _ runID: Int64?, _ message: String) {
        try? store.addEvent(jobID: jobID, runID: runID, message: message)
        options.log?(message)
    }

    /// The stored spec (snake_case JSON).
    static func decodeSpec(_ json: String, jobID: Int64) throws -> JobSpec {
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
