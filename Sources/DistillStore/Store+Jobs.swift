// Copyright 2026 The Distill authors.

import Foundation

extension Store {
    private static let jobSelect = """
        SELECT j.*, t.name AS teacher_name,
               (SELECT count(*) FROM runs r WHERE r.job_id = j.id) AS run_count,
               (SELECT count(*) FROM runs r WHERE r.job_id = j.id AND r.state = 'succeeded') AS runs_succeeded
        FROM jobs j JOIN teachers t ON t.id = j.teacher_id
        """

    /// Stores a job and one run per grid point in one transaction, and logs its submission.
    /// - Parameter job: The validated job.
    /// - Returns: The stored job.
    /// - Throws: `StoreError.notFound` when the teacher does not exist.
    public func submit(_ job: NewJob) throws -> Job {
        try write { db in
            if let trains = job.trainsTeacher {
                if let existing = try db.fetchOne(
                    sql: "SELECT status, trained_by_job FROM teachers WHERE name = ?", arguments: [job.teacher])
                {
                    let status: String = existing["status"]
                    let by: Int64? = existing["trained_by_job"]
                    throw StoreError(
                        .invalidArgument,
                        "A teacher named '\(job.teacher)' already exists"
                            + (status == "training" ? " (being trained by job \(by ?? 0))" : "")
                            + "; choose another name (`distill teacher list` shows the names in use).")
                }
                try db.execute(
                    sql:
                        "INSERT INTO teachers (name, kind, dimension, output_count, status) VALUES (?, ?, ?, 0, 'training')",
                    arguments: [job.teacher, trains.kind.rawValue, trains.dimension])
            }
            guard
                let teacherID = try db.fetchOne(
                    Int64.self, sql: "SELECT id FROM teachers WHERE name = ?", arguments: [job.teacher])
            else {
                throw StoreError(
                    .notFound,
                    "The job names teacher '\(job.teacher)', which is not in this database; "
                        + "import it with `distill teacher import` first.")
            }
            guard
                let id = try db.fetchOne(
                    Int64.self,
                    sql: """
                        INSERT INTO jobs (name, teacher_id, spec_yaml, spec_json, priority, not_before, window_start,
                                          window_end)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                        """,
                    arguments: [
                        job.name, teacherID, job.specYAML, job.specJSON, job.priority, job.notBefore,
                        job.window?.start, job.window?.end,
                    ])
            else { throw StoreError(.database, "The job '\(job.name)' was not stored.") }
            if job.trainsTeacher != nil {
                try db.execute(sql: "UPDATE teachers SET trained_by_job = ? WHERE id = ?", arguments: [id, teacherID])
            }
            for run in job.runs {
                try db.execute(
                    sql: "INSERT INTO runs (job_id, name, architecture, alpha, resolution) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, run.name, run.architecture, run.alpha, run.resolution])
            }
            try Store.insertEvent(
                db, jobID: id, runID: nil, level: "info",
                message: "submitted '\(job.name)' with \(job.runs.count) run(s) for teacher '\(job.teacher)'")
            try db.notifyQueueChanged()
            return try Store.fetchJob(db, id: id)
        }
    }

    /// Jobs, newest first.
    /// - Parameter states: Only jobs in these states; all when empty.
    /// - Returns: The jobs with their run counts.
    /// - Throws: `StoreError` when the database cannot be read.
    public func jobs(states: [JobState] = []) throws -> [Job] {
        try read { db in
            var sql = Store.jobSelect
            var arguments = SQLArguments()
            if !states.isEmpty {
                sql += " WHERE j.state IN (\(states.map { _ in "?" }.joined(separator: ", ")))"
                arguments = SQLArguments(states.map(\.rawValue))
            }
            sql += " ORDER BY j.id DESC"
            return try db.fetchAll(sql: sql, arguments: arguments).map(Store.job(from:))
        }
    }

    /// The job with this id.
    /// - Throws: `StoreError.notFound` naming the id.
    public func job(id: Int64) throws -> Job {
        try read { db in try Store.fetchJob(db, id: id) }
    }

    /// The validated spec (JSON) the job was stored with.
    public func jobSpecJSON(id: Int64) throws -> String {
        try read { db in
            guard
                let json = try db.fetchOne(String.self, sql: "SELECT spec_json FROM jobs WHERE id = ?", arguments: [id])
            else { throw Store.jobNotFound(id) }
            return json
        }
    }

    /// The runs of a job, in grid order.
    public func runs(jobID: Int64) throws -> [Run] {
        try read { db in
            try db.fetchAll(sql: "SELECT * FROM runs WHERE job_id = ? ORDER BY id", arguments: [jobID])
                .map(Store.run(from:))
        }
    }

    /// Cancels a job that has not finished: the job and its unfinished runs become `cancelled` and their
    /// leases are cleared, so a worker training one stops at its next heartbeat (within a second) and can write
    /// nothing more to it.
    /// - Returns: The cancelled job.
    /// - Throws: `StoreError.invalidArgument` when the job already finished, `.notFound` when it does not exist.
    @discardableResult
    public func cancelJob(id: Int64) throws -> Job {
        try write { db in
            let job = try Store.fetchJob(db, id: id)
            guard !job.state.isFinal else {
                throw StoreError(
                    .invalidArgument,
                    "Job \(id) is already \(job.state.rawValue); only unfinished jobs can be cancelled.")
            }
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires = NULL,
                    finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?
                    """, arguments: [id])
            try db.execute(
                sql: """
                    UPDATE runs SET state = 'cancelled', lease_owner = NULL, lease_expires = NULL,
                    finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                    WHERE job_id = ? AND state IN ('queued', 'running', 'paused')
                    """, arguments: [id])
            try Store.insertEvent(db, jobID: id, runID: nil, level: "info", message: "cancelled by user")
            return try Store.fetchJob(db, id: id)
        }
    }

    // MARK: - Events

    /// Appends a log line to a job (and optionally one of its runs).
    public func addEvent(jobID: Int64, runID: Int64? = nil, level: String = "info", message: String) throws {
        try write { db in try Store.insertEvent(db, jobID: jobID, runID: runID, level: level, message: message) }
    }

    /// A job's log lines after `afterID`, oldest first.
    public func events(jobID: Int64, after afterID: Int64 = 0) throws -> [Event] {
        try read { db in
            _ = try Store.fetchJob(db, id: jobID)
            return try db.fetchAll(
                sql: "SELECT * FROM events WHERE job_id = ? AND id > ? ORDER BY id", arguments: [jobID, afterID]
            ).map { row in
                Event(
                    id: row["id"], jobID: row["job_id"], runID: row["run_id"], level: row["level"],
                    message: row["message"], at: row["at"])
            }
        }
    }

    // MARK: - Rows

    static func insertEvent(_ db: any SQLConnection, jobID: Int64?, runID: Int64?, level: String, message: String)
        throws
    {
        try db.execute(
            sql: "INSERT INTO events (job_id, run_id, level, message) VALUES (?, ?, ?, ?)",
            arguments: [jobID, runID, level, message])
    }

    static func jobNotFound(_ id: Int64) -> StoreError {
        StoreError(.notFound, "No job with id \(id); run `distill jobs` to list them.")
    }

    static func fetchJob(_ db: any SQLConnection, id: Int64) throws -> Job {
        guard let row = try db.fetchOne(sql: jobSelect + " WHERE j.id = ?", arguments: [id]) else {
            throw jobNotFound(id)
        }
        return job(from: row)
    }

    static func job(from row: SQLRow) -> Job {
        Job(
            id: row["id"], name: row["name"], teacher: row["teacher_name"],
            state: JobState(rawValue: row["state"]) ?? .failed, priority: row["priority"], notBefore: row["not_before"],
            windowStart: row["window_start"], windowEnd: row["window_end"], attempts: row["attempts"],
            runCount: row["run_count"], runsSucceeded: row["runs_succeeded"], error: row["error"],
            submittedAt: row["submitted_at"], startedAt: row["started_at"], finishedAt: row["finished_at"])
    }

    static func run(from row: SQLRow) -> Run {
        Run(
            id: row["id"], jobID: row["job_id"], name: row["name"], architecture: row["architecture"],
            alpha: row["alpha"], resolution: row["resolution"], state: JobState(rawValue: row["state"]) ?? .failed,
            epoch: row["epoch"], step: row["step"], totalSteps: row["total_steps"], progress: row["progress"],
            error: row["error"], leaseOwner: row["lease_owner"], leaseExpires: row["lease_expires"],
            attempts: row["attempts"])
    }
}
