// Copyright 2026 The Distill authors.
// Claims with leases (migrations/v2.sql): a worker (a daemon or `distill run`) takes one runnable run with one
// conditional write in an IMMEDIATE transaction, renews its lease with a heartbeat, and conditions every later
// write of that run on still holding it. A job's state follows its runs. Times in lease columns are ISO-8601 UTC
// with milliseconds (the form SQLite's strftime('%Y-%m-%dT%H:%M:%fZ') writes), so they compare as text.

import Foundation

/// A worker's hold on one run: what every conditional write names.
public struct RunLease: Sendable, Equatable, Codable {
    /// The run.
    public var runID: Int64
    /// Its job.
    public var jobID: Int64
    /// The holder, `ID@HOST:PID:TOKEN`.
    public var owner: String

    /// Creates a lease value (the store makes them when claiming).
    public init(runID: Int64, jobID: Int64, owner: String) {
        self.runID = runID
        self.jobID = jobID
        self.owner = owner
    }
}

/// A claimed run: the run as it was claimed and the lease to write with.
public struct RunClaim: Sendable {
    /// The run (state `running`, with the claim's attempt count).
    public var run: Run
    /// The lease.
    public var lease: RunLease
    /// The job's schedule fields, for a worker that pauses at the window's end.
    public var schedule: JobScheduleFields
}

/// The schedule a job was submitted with, as a claimer sees it.
public struct JobScheduleFields: Sendable, Equatable {
    /// The job.
    public var jobID: Int64
    /// Not before this time (ISO-8601 UTC).
    public var notBefore: String?
    /// Daily window start, `HH:MM` local time.
    public var windowStart: String?
    /// Daily window end, `HH:MM` local time.
    public var windowEnd: String?

    /// Creates the fields.
    public init(jobID: Int64, notBefore: String?, windowStart: String?, windowEnd: String?) {
        self.jobID = jobID
        self.notBefore = notBefore
        self.windowStart = windowStart
        self.windowEnd = windowEnd
    }
}

/// What a heartbeat finds.
public enum LeaseStatus: Sendable, Equatable {
    /// Still the caller's.
    case held
    /// The user cancelled the job: stop, write nothing more.
    case cancelled
    /// Another run of the job failed (the job failed): checkpoint, release, stop.
    case jobFailed
    /// No longer the caller's (expired and claimed by another worker, or released): stop, write nothing.
    case lost
}

/// A run another worker holds, for the message of a refused `distill run`.
public struct HeldRun: Sendable, Equatable, Codable {
    /// The run.
    public var runID: Int64
    /// Its name.
    public var runName: String
    /// The holder.
    public var owner: String
    /// When its lease ends unless renewed (ISO-8601 UTC).
    public var expires: String
}

/// What a run trains and is evaluated on, frozen at its first start.
public struct FrozenSample: Sendable, Equatable {
    /// The image URL.
    public var url: String
    /// Its cache key.
    public var sha256: String
    /// Its class from the labels file, if any.
    public var classIndex: Int?
    /// Its 0/1 attributes from the labels file, if any.
    public var attributes: [Float]?

    /// Creates a sample.
    public init(url: String, sha256: String, classIndex: Int?, attributes: [Float]?) {
        self.url = url
        self.sha256 = sha256
        self.classIndex = classIndex
        self.attributes = attributes
    }
}

extension Store {
    // MARK: - Claims

    /// Claims the best runnable run.
    ///
    /// Of jobs neither finished nor cancelled, by job priority (higher first),
    /// then job and run id; a run is runnable when queued or paused, or running under a lease that expired or
    /// whose holder `isAbandoned` says is dead. One IMMEDIATE transaction: two workers never claim the same run.
    /// - Parameters:
    ///   - owner: The claimer, `ID@HOST:PID:TOKEN`.
    ///   - leaseSeconds: How long the lease lasts unless renewed.
    ///   - now: The current time (real time: leases are compared across processes).
    ///   - jobID: Only runs of this job (`distill run`).
    ///   - runName: Only the run of this name.
    ///   - isOpen: Whether a job's schedule lets it start now (the daemon's `--at`/`--window` check).
    ///   - isAbandoned: Whether a lease owner is known to be dead (a process of this host that no longer exists).
    /// - Returns: The claim, or nil when nothing is runnable.
    /// - Throws: `StoreError.database`.
    public func claimRun(
        owner: String, leaseSeconds: Double, now: Date = Date(), jobID: Int64? = nil, runName: String? = nil,
        isOpen: (JobScheduleFields) -> Bool = { _ in true }, isAbandoned: (String) -> Bool = { _ in false }
    ) throws -> RunClaim? {
        try write(isolation: .lockingReads) { db in
            let nowText = Store.timestamp(now)
            var claim: RunClaim?
            try Store.forEachRunnableRun(
                db, now: nowText, jobID: jobID, runName: runName, isOpen: isOpen, isAbandoned: isAbandoned
            ) { candidate, schedule in
                var run = candidate
                if db.dialect == .postgres {
                    // Read committed: lock the job (every claim updates it), then take the run unless another host's
                    // claim holds it (SKIP LOCKED), and look again at both as they are now.
                    guard
                        let jobState = try db.fetchOne(
                            String.self, sql: "SELECT state FROM jobs WHERE id = ? FOR UPDATE", arguments: [run.jobID]),
                        ["queued", "running", "paused"].contains(jobState),
                        let row = try db.fetchOne(
                            sql: "SELECT * FROM runs WHERE id = ? FOR UPDATE SKIP LOCKED", arguments: [run.id])
                    else { return false }
                    run = Store.run(from: row)
                    guard Store.isRunnable(run, now: nowText, isAbandoned: isAbandoned) else { return false }
                }
                claim = try Store.take(
                    db, run: run, schedule: schedule, owner: owner, now: now, leaseSeconds: leaseSeconds)
                return true
            }
            return claim
        }
    }

    /// Writes a claim of `run` (runnable, and on PostgreSQL locked by this transaction).
    private static func take(
        _ db: any SQLConnection, run: Run, schedule: JobScheduleFields, owner: String, now: Date, leaseSeconds: Double
    ) throws -> RunClaim {
        try db.execute(
            sql: """
                UPDATE runs SET state = 'running', lease_owner = ?, lease_expires = ?, attempts = attempts + 1,
                error = NULL, started_at = coalesce(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                WHERE id = ?
                """, arguments: [owner, Store.timestamp(now.addingTimeInterval(leaseSeconds)), run.id])
        try db.execute(
            sql: """
                UPDATE jobs SET attempts = attempts + 1, error = NULL,
                started_at = coalesce(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE id = ?
                """, arguments: [run.jobID])
        let previous = run.state == .running ? " (taken over from \(run.leaseOwner ?? "nobody"))" : ""
        try Store.insertEvent(
            db, jobID: run.jobID, runID: run.id, level: "info",
            message: "\(run.name): claimed by \(owner), attempt \(run.attempts + 1)\(previous)")
        try Store.refreshJobState(db, jobID: run.jobID)
        guard let claimed = try db.fetchOne(sql: "SELECT * FROM runs WHERE id = ?", arguments: [run.id])
        else { throw StoreError(.database, "Run \(run.id) vanished while being claimed.") }
        return RunClaim(
            run: Store.run(from: claimed), lease: RunLease(runID: run.id, jobID: run.jobID, owner: owner),
            schedule: schedule)
    }

    /// The job whose run a worker would claim next, other than `excludedJobID` (nothing is written): a daemon
    /// fetches its images while it trains another job's run.
    /// - Parameters:
    ///   - excludedJobID: The job being trained.
    ///   - now: The current time.
    ///   - isOpen: Whether a job's schedule lets it start now.
    ///   - isAbandoned: Whether a lease owner is known to be dead.
    /// - Returns: The job id, or nil.
    /// - Throws: `StoreError.database`.
    public func nextRunnableJob(
        excluding excludedJobID: Int64, now: Date = Date(), isOpen: (JobScheduleFields) -> Bool = { _ in true },
        isAbandoned: (String) -> Bool = { _ in false }
    ) throws -> Int64? {
        try read { db in
            var next: Int64?
            try Store.forEachRunnableRun(db, now: Store.timestamp(now), isOpen: isOpen, isAbandoned: isAbandoned) {
                run, _ in
                guard run.jobID != excludedJobID else { return false }
                next = run.jobID
                return true
            }
            return next
        }
    }

    /// Visits runnable runs in claim order (see `claimRun`), with their jobs' schedules, until `body` returns true.
    ///
    /// Runs are read 64 at a time, so a claim from a long queue reads only its head.
    private static func forEachRunnableRun(
        _ db: any SQLConnection, now nowText: String, jobID: Int64? = nil, runName: String? = nil,
        isOpen: (JobScheduleFields) -> Bool, isAbandoned: (String) -> Bool,
        _ body: (Run, JobScheduleFields) throws -> Bool
    ) throws {
        var sql = """
            SELECT r.*, j.not_before, j.window_start, j.window_end
            FROM runs r JOIN jobs j ON j.id = r.job_id
            WHERE j.state IN ('queued', 'running', 'paused') AND r.state IN ('queued', 'paused', 'running')
            """
        var arguments: [(any SQLArgument)?] = []
        if let jobID {
            sql += " AND r.job_id = ?"
            arguments.append(jobID)
        }
        if let runName {
            sql += " AND r.name = ?"
            arguments.append(runName)
        }
        sql += " ORDER BY j.priority DESC, j.id, r.id"
        let page = 64
        var offset = 0
        while true {
            let rows = try db.fetchAll(sql: sql + " LIMIT \(page) OFFSET \(offset)", arguments: SQLArguments(arguments))
            for row in rows {
                let run = Store.run(from: row)
                guard isRunnable(run, now: nowText, isAbandoned: isAbandoned) else { continue }
                let schedule = JobScheduleFields(
                    jobID: run.jobID, notBefore: row["not_before"], windowStart: row["window_start"],
                    windowEnd: row["window_end"])
                if isOpen(schedule), try body(run, schedule) { return }
            }
            if rows.count < page { return }
            offset += page
        }
    }

    /// Whether a run of a live job may be claimed: queued or paused, or running under a lease that expired or whose
    /// holder is known to be dead.
    private static func isRunnable(_ run: Run, now nowText: String, isAbandoned: (String) -> Bool) -> Bool {
        switch run.state {
        case .queued, .paused: return true
        case .running:
            let expired = run.leaseExpires.map { $0 < nowText } ?? true
            return expired || run.leaseOwner.map(isAbandoned) == true
        default: return false
        }
    }

    /// Runs of a job (or one run) that another worker holds under a live lease.
    /// - Parameters:
    ///   - jobID: The job.
    ///   - runName: Only this run.
    ///   - now: The current time.
    ///   - isAbandoned: Whether an owner is known to be dead (its lease does not count).
    /// - Returns: The held runs, in grid order.
    /// - Throws: `StoreError.database`.
    public func heldRuns(
        jobID: Int64, runName: String? = nil, now: Date = Date(), isAbandoned: (String) -> Bool = { _ in false }
    ) throws -> [HeldRun] {
        let nowText = Store.timestamp(now)
        return try runs(jobID: jobID).compactMap { run in
            guard run.state == .running, runName == nil || run.name == runName, let owner = run.leaseOwner,
                let expires = run.leaseExpires, expires >= nowText, !isAbandoned(owner)
            else { return nil }
            return HeldRun(runID: run.id, runName: run.name, owner: owner, expires: expires)
        }
    }

    // MARK: - Heartbeat and release

    /// Extends a held lease to `now + leaseSeconds`.
    /// - Returns: False when the run is no longer the caller's (nothing is written).
    public func renewLease(_ lease: RunLease, leaseSeconds: Double, now: Date = Date()) throws -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE runs SET lease_expires = ? WHERE id = ? AND lease_owner = ? AND state = 'running'",
                arguments: [Store.timestamp(now.addingTimeInterval(leaseSeconds)), lease.runID, lease.owner]) == 1
        }
    }

    /// Whether the caller still holds the run, and whether its job was cancelled or failed meanwhile.
    public func leaseStatus(_ lease: RunLease) throws -> LeaseStatus {
        try read { db in
            guard
                let row = try db.fetchOne(
                    sql: """
                        SELECT r.state, r.lease_owner, j.state AS job_state FROM runs r JOIN jobs j ON j.id = r.job_id
                        WHERE r.id = ?
                        """, arguments: [lease.runID])
            else { return .lost }
            let jobState: String = row["job_state"]
            if jobState == JobState.cancelled.rawValue { return .cancelled }
            let state: String = row["state"]
            let owner: String? = row["lease_owner"]
            guard state == JobState.running.rawValue, owner == lease.owner else { return .lost }
            return jobState == JobState.failed.rawValue ? .jobFailed : .held
        }
    }

    /// Ends a hold without a result.
    ///
    /// `paused` (stopped with a checkpoint; claimable again), `queued` (never
    /// trained) or `failed` (the job fails with the error). The lease is cleared and the job's state follows.
    /// - Throws: `StoreError.leaseLost` when the lease is no longer the caller's (nothing is written).
    public func releaseRun(_ lease: RunLease, state: JobState, error: String? = nil) throws {
        try write { db in
            try Store.requireLease(db, lease)
            try db.execute(
                sql: """
                    UPDATE runs SET state = ?, error = ?, lease_owner = NULL, lease_expires = NULL,
                    finished_at = CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END WHERE id = ?
                    """, arguments: [state.rawValue, error, state.isFinal, lease.runID])
            if state == .failed {
                let message = error ?? "a run failed"
                let jobState = try db.fetchOne(
                    String.self, sql: "SELECT state FROM jobs WHERE id = ?", arguments: [lease.jobID])
                if jobState != JobState.failed.rawValue {
                    try db.execute(
                        sql: """
                            UPDATE jobs SET state = 'failed', error = ?,
                            finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?
                            """, arguments: [message, lease.jobID])
                    try Store.insertEvent(
                        db, jobID: lease.jobID, runID: nil, level: "error", message: "failed: \(message)")
                }
            } else {
                try Store.refreshJobState(db, jobID: lease.jobID)
                try db.notifyQueueChanged()
            }
        }
    }

    /// Waits until the queue changes or `seconds` pass (see `StoreBackend.waitForQueueChange`): an idle daemon on
    /// PostgreSQL wakes as soon as a job is submitted, retried, reprioritised or a run released.
    /// - Returns: True when woken by a change.
    @discardableResult
    public func waitForQueueChange(upTo seconds: Double, unless shouldStop: () -> Bool = { false }) -> Bool {
        backend.waitForQueueChange(upTo: seconds, unless: shouldStop)
    }

    // MARK: - Frozen data

    /// Records the samples a held run trains and is evaluated on (at its first start).
    /// - Throws: `StoreError.leaseLost` when the lease is no longer the caller's.
    public func freezeSamples(_ lease: RunLease, training: [FrozenSample], evaluation: [FrozenSample]) throws {
        try write { db in
            try Store.requireLease(db, lease)
            try db.execute(sql: "DELETE FROM run_samples WHERE run_id = ?", arguments: [lease.runID])
            let insert = """
                INSERT INTO run_samples (run_id, split, position, url, sha256, class, attributes)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
            for (split, samples) in [("train", training), ("eval", evaluation)] {
                for (position, sample) in samples.enumerated() {
                    let attributes = sample.attributes.map {
                        "[" + $0.map { $0 > 0.5 ? "1" : "0" }.joined(separator: ",") + "]"
                    }
                    try db.execute(
                        sql: insert,
                        arguments: [
                            lease.runID, split, position, sample.url, sample.sha256, sample.classIndex, attributes,
                        ])
                }
            }
        }
    }

    /// The samples a run was frozen with, or nil before its first start.
    public func frozenSamples(runID: Int64) throws -> (training: [FrozenSample], evaluation: [FrozenSample])? {
        try read { db in
            let rows = try db.fetchAll(
                sql: "SELECT * FROM run_samples WHERE run_id = ? ORDER BY split DESC, position",
                arguments: [runID])
            guard !rows.isEmpty else { return nil }
            var training: [FrozenSample] = []
            var evaluation: [FrozenSample] = []
            for row in rows {
                let text: String? = row["attributes"]
                let attributes = text.map { text in
                    text.split(whereSeparator: { $0 == "[" || $0 == "]" || $0 == "," }).map { $0 == "1" ? Float(1) : 0 }
                }
                let sample = FrozenSample(
                    url: row["url"], sha256: row["sha256"], classIndex: row["class"], attributes: attributes)
                if (row["split"] as String) == "train" { training.append(sample) } else { evaluation.append(sample) }
            }
            return (training, evaluation)
        }
    }

    // MARK: - User actions

    /// Requeues a failed job's failed runs (they resume from their last checkpoint); the job's state follows.
    /// - Returns: The job afterwards and how many runs were requeued.
    /// - Throws: `StoreError.invalidArgument` when the job has not failed, `.notFound`.
    public func retryJob(id: Int64) throws -> (job: Job, requeued: Int) {
        try write { db in
            let job = try Store.fetchJob(db, id: id)
            guard job.state == .failed else {
                throw StoreError(
                    .invalidArgument,
                    "Job \(id) is \(job.state.rawValue); only failed jobs can be retried "
                        + "(see `distill show \(id)`).")
            }
            let requeued = try db.execute(
                sql: """
                    UPDATE runs SET state = CASE WHEN step > 0 THEN 'paused' ELSE 'queued' END, error = NULL,
                    finished_at = NULL, lease_owner = NULL, lease_expires = NULL WHERE job_id = ? AND state = 'failed'
                    """, arguments: [id])
            try db.execute(
                sql: "UPDATE jobs SET state = 'queued', error = NULL, finished_at = NULL WHERE id = ?", arguments: [id])
            try Store.refreshJobState(db, jobID: id)
            try Store.insertEvent(
                db, jobID: id, runID: nil, level: "info", message: "retried: \(requeued) failed run(s) requeued")
            try db.notifyQueueChanged()
            return (try Store.fetchJob(db, id: id), requeued)
        }
    }

    /// Sets a job's priority (higher runs first); it takes effect at the next claim.
    /// - Throws: `StoreError.notFound`.
    @discardableResult
    public func setPriority(jobID: Int64, priority: Int) throws -> Job {
        try write { db in
            let job = try Store.fetchJob(db, id: jobID)
            try db.execute(sql: "UPDATE jobs SET priority = ? WHERE id = ?", arguments: [priority, jobID])
            try Store.insertEvent(
                db, jobID: jobID, runID: nil, level: "info", message: "priority \(job.priority) → \(priority)")
            try db.notifyQueueChanged()
            return try Store.fetchJob(db, id: jobID)
        }
    }

    // MARK: - Internals

    /// Throws `leaseLost` unless the run is running under this lease.
    static func requireLease(_ db: any SQLConnection, _ lease: RunLease) throws {
        let holds =
            try db.fetchOne(
                Bool.self, sql: "SELECT 1 FROM runs WHERE id = ? AND state = 'running' AND lease_owner = ?",
                arguments: [lease.runID, lease.owner]) ?? false
        guard holds else {
            throw StoreError(
                .leaseLost,
                "Run \(lease.runID) is no longer held by \(lease.owner) (the job was cancelled or failed, or the "
                    + "lease expired and another worker took the run); nothing was written.")
        }
    }

    /// Sets a job's state from its runs, unless the job is cancelled or failed (those stay until a user acts):
    /// running while any run is, succeeded when all have, paused when some run is, else queued.
    static func refreshJobState(_ db: any SQLConnection, jobID: Int64) throws {
        guard
            let current = try db.fetchOne(String.self, sql: "SELECT state FROM jobs WHERE id = ?", arguments: [jobID]),
            current != JobState.cancelled.rawValue, current != JobState.failed.rawValue
        else { return }
        var counts: [String: Int] = [:]
        for row in try db.fetchAll(
            sql: "SELECT state, count(*) AS n FROM runs WHERE job_id = ? GROUP BY state", arguments: [jobID])
        {
            counts[row["state"]] = row["n"]
        }
        let total = counts.values.reduce(0, +)
        let state: JobState
        if counts["running", default: 0] > 0 {
            state = .running
        } else if total > 0 && counts["succeeded", default: 0] == total {
            state = .succeeded
        } else if counts["paused", default: 0] > 0 {
            state = .paused
        } else {
            state = .queued
        }
        guard state.rawValue != current else { return }
        try db.execute(
            sql: """
                UPDATE jobs SET state = ?, finished_at = CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END
                WHERE id = ?
                """, arguments: [state.rawValue, state.isFinal, jobID])
        if state == .succeeded || state == .paused {
            try insertEvent(db, jobID: jobID, runID: nil, level: "info", message: state.rawValue)
        }
    }

    /// ISO-8601 UTC with milliseconds, as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ') writes times.
    public static func timestamp(_ date: Date) -> String {
        // The style truncates; half a millisecond more rounds to the nearest one, so a time that went through a
        // binary Date (PostgreSQL's timestamptz, read back) prints as the text it was written from.
        timestampStyle.format(date.addingTimeInterval(0.0005))
    }

    /// UTC with milliseconds: about 250 times faster than a new ISO8601DateFormatter per call, which made a tenth
    /// of a PostgreSQL claim (every time read back is formatted).
    private static let timestampStyle = Date.ISO8601FormatStyle(
        includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC") ?? .current)
}
