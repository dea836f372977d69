// Copyright 2026 The Distill authors.
// The worker loop of `distill daemon`: claim the best runnable run (priority, then submission order; only jobs
// whose `--at` has passed and whose window is open), train it through `RunExecutor` (the same path as
// `distill run`), release it, repeat; sleep `poll` seconds when nothing is runnable. Several daemons share one
// database: claims are conditional writes, so every run is trained by one worker at a time.

import CLinux
import DistillStore
import Foundation

/// A worker that drains the queue.
public final class Daemon: Sendable {
    /// How the daemon runs.
    public struct Options: Sendable {
        /// The executor's settings (threads, lease, worker identity, clock, callbacks).
        public var executor = RunExecutor.Options()
        /// Drain what is runnable now, then return (for cron or a systemd timer).
        public var once = false
        /// Seconds between looks at the queue while idle.
        public var pollSeconds: Double = 5
        /// The time zone windows are read in.
        public var timeZone: TimeZone = .current

        /// The defaults.
        public init() {}
    }

    /// What a daemon did before it returned.
    public struct Summary: Sendable, Codable, Equatable {
        /// Runs claimed.
        public var claimed = 0
        /// Runs that succeeded.
        public var succeeded = 0
        /// Runs paused (window end, shutdown, a failed sibling).
        public var paused = 0
        /// Runs that failed.
        public var failed = 0
        /// Runs stopped by a cancel or a lost lease.
        public var stopped = 0
        /// Training steps taken.
        public var steps = 0
    }

    /// The database.
    public let store: Store
    /// Settings.
    public let options: Options

    /// Creates a daemon.
    public init(store: Store, options: Options) {
        self.store = store
        self.options = options
    }

    /// Runs until `shouldStop` (checked before every step, while fetching, evaluating and idling), or with
    /// `once` until nothing is runnable.
    /// - Returns: What it did.
    /// - Throws: `StoreError` when the database fails beyond the store's transient retries.
    public func run() throws -> Summary {
        let executor = RunExecutor(store: store, options: options.executor)
        let worker = options.executor.worker
        let clock = options.executor.clock
        let timeZone = options.timeZone
        let shouldStop = options.executor.shouldStop ?? { false }
        var summary = Summary()
        var idleSaid = false
        var fetchedAhead = Set<Int64>()
        say("\(worker.name): started as \(worker.owner) (poll \(Self.seconds(options.pollSeconds)))")
        while !shouldStop() {
            let now = clock.now()
            let claim = try store.claimRun(
                owner: worker.owner, leaseSeconds: options.executor.leaseSeconds,
                isOpen: { JobSchedule($0, timeZone: timeZone).isOpen(at: now) }, isAbandoned: worker.isAbandoned)
            guard let claim else {
                if options.once { break }
                if !idleSaid {
                    say("\(worker.name): idle; " + nextStartText(now: now))
                    idleSaid = true
                }
                // PostgreSQL wakes an idle daemon at once when the queue changes; SQLite is polled.
                store.waitForQueueChange(upTo: options.pollSeconds, unless: shouldStop)
                continue
            }
            idleSaid = false
            summary.claimed += 1
            let pauseAt = JobSchedule(claim.schedule, timeZone: timeZone).windowEnd(after: now)
            say(
                "\(worker.name): job \(claim.run.jobID) run \(claim.run.name) (attempt \(claim.run.attempts))"
                    + (pauseAt.map { ", window ends \(Store.timestamp($0))" } ?? ""))
            // While this run trains, the next job's images are fetched into the cache on another thread.
            let ahead = try nextJobToFetch(after: claim.run.jobID, now: now, fetched: &fetchedAhead).map { jobID in
                ImageFetchAhead(
                    store: store, jobID: jobID, log: { self.say("\(worker.name): \($0)") }, shouldStop: shouldStop)
            }
            defer { ahead?.finish() }
            do {
                let outcome = try executor.train(claim, pauseAt: pauseAt)
                switch outcome.state {
                case .succeeded: summary.succeeded += 1
                case .paused, .queued: summary.paused += 1
                default: summary.stopped += 1
                }
            } catch {
                // Recorded on the run and the job by the executor; the daemon goes on with other work.
                summary.failed += 1
                say("\(worker.name): job \(claim.run.jobID) run \(claim.run.name) failed: \(error)")
            }
        }
        summary.steps = executor.stepsThisInvocation
        say(
            "\(worker.name): stopping; \(summary.claimed) run(s) claimed, \(summary.succeeded) succeeded, "
                + "\(summary.paused) paused, \(summary.failed) failed, \(summary.stopped) stopped")
        return summary
    }

    // MARK: - Private

    private func say(_ line: String) { options.executor.log?(line) }

    /// The job a worker would claim after `jobID`, unless its images were fetched ahead already.
    private func nextJobToFetch(after jobID: Int64, now: Date, fetched: inout Set<Int64>) throws -> Int64? {
        let timeZone = options.timeZone
        guard
            let next = try store.nextRunnableJob(
                excluding: jobID, now: now, isOpen: { JobSchedule($0, timeZone: timeZone).isOpen(at: now) },
                isAbandoned: options.executor.worker.isAbandoned),
            fetched.insert(next).inserted
        else { return nil }
        return next
    }

    /// "next start 2026-12-01T22:00:00.000Z (job 4)" for the earliest waiting job, or "queue empty".
    private func nextStartText(now: Date) -> String {
        let waiting = (try? store.jobs(states: [.queued, .paused])) ?? []
        let starts = waiting.map { job in
            (
                job.id,
                JobSchedule(
                    JobScheduleFields(
                        jobID: job.id, notBefore: job.notBefore, windowStart: job.windowStart, windowEnd: job.windowEnd),
                    timeZone: options.timeZone
                ).nextStart(after: now)
            )
        }
        guard let first = starts.min(by: { $0.1 < $1.1 }) else { return "queue empty" }
        return "next start \(Store.timestamp(first.1)) (job \(first.0))"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}

/// Fetches one job's images into the cache on its own thread, then decodes them into the decoded-image store
/// (one thread at the lowest CPU priority, so the training run keeps its cores): a daemon's look-ahead while
/// it trains another job.
///
/// `finish` stops it within about a second and waits for it. Failures are left for the job's own run to report.
final class ImageFetchAhead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stopped = false

    init(
        store: Store, jobID: Int64, log: @escaping @Sendable (String) -> Void,
        shouldStop: @escaping @Sendable () -> Bool
    ) {
        let thread = Thread { [self] in
            defer { done.signal() }
            let stop = { self.isStopped || shouldStop() }
            do {
                let job = try store.job(id: jobID)
                let spec = try RunExecutor.decodeSpec(try store.jobSpecJSON(id: jobID), jobID: jobID)
                let teacher = try store.teacher(named: job.teacher)
                let summary = try RunDataset.prefetchImages(spec: spec, teacher: teacher, store: store, shouldStop: stop)
                log(
                    "fetched ahead for job \(jobID): \(summary.requested) images, \(summary.alreadyFetched) already "
                        + "cached, \(summary.fetched) fetched, \(summary.failed) failed")
                guard (spec.images.decodedStoreBytes ?? JobSpec.Images.defaultDecodedStoreBytes) > 0 else { return }
                Self.lowerPriority()
                let decoded = try DecodedStorePreparation.prepare(
                    jobID: jobID, store: store, threads: 1, shouldStop: stop)
                let lines = decoded.lines
                log(
                    "decoded ahead for job \(jobID): \(lines.map(\.stored).reduce(0, +)) images stored, "
                        + "\(lines.map(\.present).reduce(0, +)) already stored, \(lines.map(\.failed).reduce(0, +)) not "
                        + "stored (" + lines.map { "\($0.resolution)x\($0.resolution)" }.joined(separator: ", ") + ")")
            } catch is CancellationError {
                log("looking ahead for job \(jobID) stopped; its run fetches and decodes the rest")
            } catch {
                log("looking ahead for job \(jobID) failed (its run will try again): \(error)")
            }
        }
        thread.name = "distill-fetch-ahead"
        thread.start()
    }

    /// Puts the calling thread at nice 19: it decodes with CPU time the training run leaves.
    private static func lowerPriority() {
        #if os(Linux)
            let thread = distill_thread_id()
            if thread > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(thread), 19) }
        #endif
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    /// Stops the fetch (within about a second) and waits for its thread.
    func finish() {
        lock.withLock { stopped = true }
        done.wait()
    }
}
