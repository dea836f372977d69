// Copyright 2026 The Distill authors.
// The worker loop of `distill daemon`: claim the best runnable run (priority, then submission order; only jobs
// whose `--at` has passed and whose window is open), train it through `RunExecutor` (the same path as
// `distill run`), release it, repeat; sleep `poll` seconds when nothing is runnable. Several daemons share one
// database: claims are conditional writes, so every run is trained by one worker at a time.

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
                sleep(seconds: options.pollSeconds, unless: shouldStop)
                continue
            }
            idleSaid = false
            summary.claimed += 1
            let pauseAt = JobSchedule(claim.schedule, timeZone: timeZone).windowEnd(after: now)
            say(
                "\(worker.name): job \(claim.run.jobID) run \(claim.run.name) (attempt \(claim.run.attempts))"
                    + (pauseAt.map { ", window ends \(Store.timestamp($0))" } ?? ""))
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

    private func sleep(seconds: Double, unless shouldStop: () -> Bool) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end, !shouldStop() { Thread.sleep(forTimeInterval: min(0.1, seconds)) }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
