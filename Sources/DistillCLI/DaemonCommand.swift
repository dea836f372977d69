// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillService
import DistillStore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `distill daemon`: a long-running worker that trains queued runs inside their schedules.
///
/// Exit codes: 0 stopped by SIGTERM/SIGINT (run checkpointed, lease released) or `--once` drained the queue;
/// 1 the database failed; 2 bad options; 130 a second signal (exits at once; the lease lapses).
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract:
            "Run the queue: claim runnable runs one at a time and train them (several daemons may share a database).",
        discussion: """
            Claims the best runnable run (higher priority first, then submission order; only jobs whose --at time \
            has passed and whose --window is open), trains it with checkpoints, evaluates, costs, records the \
            results, and goes on; sleeps --poll seconds when nothing is runnable. A run still training when its \
            window closes checkpoints, pauses and resumes in the next window. SIGTERM or SIGINT checkpoints the \
            current run, releases it and exits 0 within one training step; a second signal exits at once. A \
            daemon killed with kill -9 leaves its run to be resumed from its last checkpoint by the next worker \
            (at once on the same host, else when its lease lapses). Log lines go to standard error.
            Examples: distill daemon --threads 2 --id gpu-less-1
                      distill daemon --once        # drain what is runnable now, then exit (cron, systemd timers)
            Exit codes: 0 stopped or drained, 1 database failure, 2 bad options, 130 second signal.
            """)

    @Option(help: "OpenMP and decoding threads per run (default: each job's training.threads; 0 there = all cores).")
    var threads: Int?

    @Option(help: "This worker's name in lease owners and log lines (default: HOST-PID).")
    var id: String?

    @Flag(help: "Drain what is runnable now, then exit.")
    var once = false

    @Option(help: "Seconds between looks at the queue while idle (new submissions start within this).")
    var poll: Double = 5

    @Option(
        help:
            "Seconds a claim lasts unless renewed (a heartbeat renews it every third); a dead worker's runs are claimable after this."
    )
    var lease: Double = 60

    @Option(help: "Timed forward passes per latency figure of a finished run.")
    var latencyRepeats: Int = 5

    @Flag(help: "Print the summary at exit as JSON on standard output.")
    var json = false

    @Flag(help: "No log lines on standard error (they still go to the events table: distill logs).")
    var quiet = false

    @OptionGroup var store: StoreOptions

    /// The clock schedules are read with: the system's, or for tests the time written in `$DISTILL_CLOCK_FILE`.
    static var scheduleClock: any ScheduleClock {
        ProcessInfo.processInfo.environment["DISTILL_CLOCK_FILE"].map { FileClock(path: $0) } ?? SystemClock()
    }

    func validate() throws {
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads \(threads) is outside 1…1024.")
        }
        if let id, id.isEmpty || id.count > 64 || id.contains(where: { $0 == "@" || $0.isWhitespace || $0.isNewline }) {
            throw ValidationError("--id '\(id)' must be 1–64 characters without '@' or spaces.")
        }
        guard poll.isFinite, (0.05...3600).contains(poll) else {
            throw ValidationError("--poll \(poll) is outside 0.05…3600 seconds.")
        }
        guard lease.isFinite, (2...86_400).contains(lease) else {
            throw ValidationError("--lease \(lease) is outside 2…86400 seconds.")
        }
        guard (1...1000).contains(latencyRepeats) else {
            throw ValidationError("--latency-repeats \(latencyRepeats) is outside 1…1000.")
        }
    }

    func run() async throws {
        let database = try store.open(transientRetrySeconds: StoreOptions.workerRetrySeconds)
        let stop = StopRequest()
        let immediate = ImmediateExit.install()
        defer { immediate.forEach { $0.cancel() } }
        let worker = WorkerIdentity.current(name: id)
        var options = Daemon.Options()
        options.once = once
        options.pollSeconds = poll
        options.executor.threads = threads
        options.executor.leaseSeconds = lease
        options.executor.latencyRepeats = latencyRepeats
        options.executor.worker = worker
        options.executor.clock = DaemonCommand.scheduleClock
        options.executor.shouldStop = { stop.isRequested }
        if !quiet {
            let name = worker.name
            options.executor.log = { line in
                let prefix = line.hasPrefix(name + ": ") ? "" : name + ": "
                FileHandle.standardError.write(Data("\(Store.timestamp(Date())) \(prefix)\(line)\n".utf8))
            }
        }
        let service = DaemonService(daemon: Daemon(store: database, options: options), stop: stop)
        var logger = Logger(label: "distill.daemon")
        logger.logLevel = .warning
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(
                        service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        if let summary = service.summary.value, json { print(try Output.json(summary)) }
        if let error = service.summary.error { throw error }
    }
}

/// The daemon loop as a swift-service-lifecycle service: graceful shutdown (SIGTERM/SIGINT) sets the stop flag
/// the loop checks before every step; the loop itself runs on its own thread (it blocks in oneDNN and libcurl).
final class DaemonService: Service, @unchecked Sendable {
    let daemon: Daemon
    let stop: StopRequest
    let summary = Outcome()

    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<Daemon.Summary, any Error>?
        var value: Daemon.Summary? { lock.withLock { try? result?.get() } }
        var error: (any Error)? {
            lock.withLock {
                if case .failure(let error) = result { return error }
                return nil
            }
        }
        func set(_ result: Result<Daemon.Summary, any Error>) { lock.withLock { self.result = result } }
    }

    init(daemon: Daemon, stop: StopRequest) {
        self.daemon = daemon
        self.stop = stop
    }

    func run() async throws {
        let daemon = daemon
        let summary = summary
        let stop = stop
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    summary.set(Result { try daemon.run() })
                    continuation.resume()
                }
                thread.name = "distill-daemon"
                thread.stackSize = 16 << 20
                thread.start()
            }
        } onGracefulShutdown: {
            if stop.request() {
                FileHandle.standardError.write(
                    Data("stopping: checkpointing the current run and releasing it (signal again to exit now)…\n".utf8))
            }
        }
    }
}

/// A second SIGINT or SIGTERM exits at once (status 130): the run's lease lapses, and the next worker resumes it
/// from its last checkpoint.
enum ImmediateExit {
    static func install() -> [any DispatchSourceSignal] {
        let count = SignalCount()
        return [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if count.increment() >= 2 {
                    FileHandle.standardError.write(Data("second signal: exiting now without a checkpoint.\n".utf8))
                    exit(130)
                }
            }
            source.resume()
            return source
        }
    }

    final class SignalCount: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int {
            lock.withLock {
                value += 1; return value
            }
        }
    }
}
