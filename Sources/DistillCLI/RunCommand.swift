// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillService
import DistillStore
import Foundation

/// `distill run JOB_ID`: trains a job's runs in the foreground.
///
/// Exit codes: 0 the job succeeded, or was paused (--max-steps, SIGINT/SIGTERM) with a checkpoint; 1 the job
/// failed (its error is recorded); 2 bad options, unknown job or run, a job that already finished, or runs held
/// by another worker (a daemon).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train a submitted job's runs now, in the foreground (fetch, train, evaluate, cost, results).",
        discussion: """
            Runs not yet succeeded are trained in grid order, now (the job's --at and --window are for \
            daemons); a run with a checkpoint resumes from it. Each run is claimed with a lease like a daemon's \
            claim: when another worker holds any of the job's runs, nothing is trained and the holders are \
            named (exit 2). SIGINT (Ctrl-C) or SIGTERM checkpoints the current run, marks it paused and exits 0; \
            run the command again to continue. Progress goes to standard error, the summary to standard output.
            Examples: distill run 3 --threads 2
                      distill run 3 --run alpha0.5-res160
            Exit codes: 0 succeeded or paused, 1 the job failed, 2 bad input, a finished job or held runs.
            """)

    @Argument(help: JobSelector.help)
    var job: JobSelector

    @Option(help: "OpenMP and decoding threads (default: the job's training.threads; 0 there = all cores).")
    var threads: Int?

    @Option(help: "Stop after this many training steps in this invocation (checkpoint, run paused).")
    var maxSteps: Int?

    @Option(name: .customLong("run"), help: "Train only the run of this name (see `distill show JOB`).")
    var runName: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "No progress lines.")
    var quiet = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads \(threads) is outside 1…1024.")
        }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps \(maxSteps) must be at least 1.") }
    }

    func run() async throws {
        let database = try store.open(transientRetrySeconds: StoreOptions.workerRetrySeconds)
        let summary = try Self.execute(
            database: database, jobID: try job.id(in: database), runName: runName, threads: threads, maxSteps: maxSteps,
            quiet: quiet)
        print(json ? try Output.json(summary) : RunCommand.describe(summary))
    }

    /// Trains a job's runs in the foreground with progress on standard error; SIGINT and SIGTERM pause
    /// (`distill run`, `distill teach`).
    static func execute(
        database: Store, jobID: Int64, runName: String? = nil, threads: Int?, maxSteps: Int?, quiet: Bool
    ) throws -> RunExecutionSummary {
        let stop = StopRequest()
        let signals = stop.install()
        defer { signals.forEach { $0.cancel() } }
        var options = RunExecutor.Options()
        options.threads = threads
        options.maxSteps = maxSteps
        options.shouldStop = { stop.isRequested }
        let quiet = quiet
        let fetchLine = ProgressLine(enabled: !quiet)
        let fetchShown = StopRequest()
        let fetchEnded = StopRequest()
        options.fetchProgress = {
            _ = fetchShown.request()
            fetchLine.show($0)
        }
        options.log = { line in
            // Ends the fetch progress line (rewritten in place on a terminal) once, before the next log line.
            if fetchShown.isRequested && fetchEnded.request() { fetchLine.finish() }
            if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        if !quiet { options.progress = { FileHandle.standardError.write(Data((RunCommand.line($0) + "\n").utf8)) } }
        return try RunExecutor(store: database, options: options).execute(jobID: jobID, runName: runName)
    }

    /// One progress line: run, epoch, step, loss, speed, ETA.
    static func line(_ progress: RunProgress) -> String {
        "\(progress.runName)  epoch \(progress.epoch)/\(progress.epochs)  step \(progress.step)/\(progress.totalSteps)  "
            + String(
                format: "loss %.4f  %.0f img/s  lr %.5f  ETA %.0f s", progress.loss, progress.imagesPerSecond,
                progress.learningRate, progress.etaSeconds.rounded(.up))
    }

    static func describe(_ summary: RunExecutionSummary) -> String {
        var lines = [
            "Job \(summary.jobID) \(summary.state.rawValue): \(summary.stepsThisInvocation) training step(s) in this "
                + "invocation; \(summary.trainingImages) training and \(summary.evaluationImages) evaluation images."
        ]
        let rows = summary.runs.map { run -> [String] in
            let result = run.result
            func figure(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
            return [
                run.name, run.state.rawValue, run.totalSteps > 0 ? "\(run.step)/\(run.totalSteps)" : "-",
                figure(result?.top1),
                figure(result?.teacherAgreement), figure(result?.meanAP),
                result.map { String(format: "%.2f", Double($0.multAdds) / 1e6) } ?? "-",
                result?.latencyMillisecondsBatchOne.map { String(format: "%.3f", $0) } ?? "-",
            ]
        }
        lines.append(
            Output.table(
                ["RUN", "STATE", "STEPS", "TOP1", "AGREEMENT", "MEAN_AP", "MULT_ADDS_M", "LATENCY_MS"], rows))
        if summary.state == .paused { lines.append("Run `distill run \(summary.jobID)` again to continue.") }
        return lines.joined(separator: "\n")
    }
}

/// Set by SIGINT or SIGTERM; the executor checks it before every training step.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    /// Sets the flag.
    /// - Returns: Whether it was not set before (true exactly once).
    func request() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let first = !requested
        requested = true
        return first
    }

    /// Routes SIGINT and SIGTERM here instead of terminating the process.
    func install() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                _ = request()
                FileHandle.standardError.write(Data("stopping: checkpointing the current run…\n".utf8))
            }
            source.resume()
            return source
        }
    }
}
