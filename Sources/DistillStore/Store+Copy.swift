// Copyright 2026 The Distill authors.
// `distill db migrate`: every row of one database copied into another, empty one, in one transaction, ids kept,
// so a team moves from a SQLite file to PostgreSQL (or back) without losing history. The two schemas have the same
// tables and columns (a test checks it), so rows are copied column by column.

import Foundation

/// What a copy moved.
public struct DatabaseCopySummary: Sendable, Codable, Equatable {
    /// Rows per table, in copy order.
    public var rows: [String: Int] = [:]
    /// Checkpoints whose bytes the destination keeps (PostgreSQL: the latest of each run).
    public var checkpointsKept = 0
    /// Latest checkpoints whose file was missing or damaged (their runs can still be retrained).
    public var checkpointsMissing: [String] = []
}

extension Store {
    /// Tables in an order that satisfies every foreign key (teachers' `trained_by_job` is set after the jobs).
    ///
    /// Each with its key, which orders its pages.
    static let copyOrder: [(table: String, key: String)] = [
        ("teachers", "id"), ("jobs", "id"), ("teacher_outputs", "id"), ("images", "id"), ("labels", "dataset, url"),
        ("runs", "id"), ("metrics", "run_id, epoch"), ("results", "run_id"), ("checkpoints", "id"), ("events", "id"),
        ("run_samples", "run_id, split, position"),
    ]

    /// The tables `copyEverything` copies, in its order.
    public static var copyTableNames: [String] { copyOrder.map(\.table) }

    /// Copies every row of this database into `destination`, which must hold no teachers, jobs or images.
    ///
    /// One read transaction here and one write transaction there: the copy lands whole or not at all. Ids are kept,
    /// so job and run ids users know stay valid; on PostgreSQL the id sequences are moved past them. When the
    /// destination is PostgreSQL, the latest checkpoint of each run also has its bytes stored (read with
    /// `checkpointFile`), so daemons on other hosts can resume and export it.
    /// - Parameters:
    ///   - destination: The empty database.
    ///   - checkpointFile: The bytes of a checkpoint file of this database, or nil when it is missing.
    ///   - progress: Called with a table's name and the rows copied so far.
    /// - Returns: What was copied.
    /// - Throws: `StoreError.invalidArgument` when the destination is not empty; `.database` failures.
    public func copyEverything(
        to destination: Store, checkpointFile: (CheckpointRecord) -> Data?,
        progress: (String, Int) -> Void = { _, _ in }
    ) throws -> DatabaseCopySummary {
        try read { source in
            try destination.bulkWrite { target in
                let existing =
                    try target.fetchOne(
                        Int64.self,
                        sql: "SELECT (SELECT count(*) FROM teachers) + (SELECT count(*) FROM jobs) + "
                            + "(SELECT count(*) FROM images)") ?? 0
                guard existing == 0 else {
                    throw StoreError(
                        .invalidArgument,
                        "The destination \(destination.displayName) already holds teachers, jobs or images; "
                            + "migrate into a new, empty database.")
                }
                var summary = DatabaseCopySummary()
                for (table, key) in Store.copyOrder {
                    summary.rows[table] = try Store.copyTable(table, key: key, from: source, to: target) {
                        progress(table, $0)
                    }
                }
                // teachers.trained_by_job refers to jobs, which came after the teachers.
                for row in try source.fetchAll(
                    sql: "SELECT id, trained_by_job FROM teachers WHERE trained_by_job IS NOT NULL")
                {
                    try target.execute(
                        sql: "UPDATE teachers SET trained_by_job = ? WHERE id = ?",
                        arguments: [row["trained_by_job"] as Int64, row["id"] as Int64])
                }
                if target.dialect == .postgres {
                    try Store.keepLatestCheckpoints(
                        from: source, to: target, checkpointFile: checkpointFile, summary: &summary)
                    for table in ["teachers", "teacher_outputs", "images", "jobs", "runs", "checkpoints", "events"] {
                        try target.execute(
                            sql: """
                                SELECT setval(pg_get_serial_sequence('\(table)', 'id'),
                                              coalesce((SELECT max(id) FROM \(table)), 0) + 1, false)
                                """)
                    }
                }
                return summary
            }
        }
    }

    /// Copies one table in pages, in multi-row INSERTs; returns its row count.
    private static func copyTable(
        _ table: String, key: String, from source: any SQLConnection, to target: any SQLConnection,
        progress: (Int) -> Void
    ) throws -> Int {
        let columns = try source.fetchTable(sql: "SELECT * FROM \(table) LIMIT 0", arguments: []).columns.filter {
            // The one column a later trip fills in.
            !(table == "teachers" && $0 == "trained_by_job")
        }
        let columnList = columns.joined(separator: ", ")
        let rowsPerInsert = max(1, min(500, 30_000 / max(1, columns.count)))
        let tuple = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
        var copied = 0
        let page = 10_000
        while true {
            let rows = try source.fetchAll(
                sql: "SELECT \(columnList) FROM \(table) ORDER BY \(key) LIMIT \(page) OFFSET \(copied)")
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(rows.count, start + rowsPerInsert)]
                var arguments: SQLArguments = []
                arguments.values.reserveCapacity(chunk.count * columns.count)
                for row in chunk { arguments.values += row.values }
                try target.execute(
                    sql: "INSERT INTO \(table) (\(columnList)) VALUES "
                        + Array(repeating: tuple, count: chunk.count).joined(separator: ", "),
                    arguments: arguments)
                start += chunk.count
            }
            copied += rows.count
            progress(copied)
            if rows.count < page { return copied }
        }
    }

    /// Stores the bytes of each run's latest checkpoint in the destination.
    private static func keepLatestCheckpoints(
        from source: any SQLConnection, to target: any SQLConnection, checkpointFile: (CheckpointRecord) -> Data?,
        summary: inout DatabaseCopySummary
    ) throws {
        let latest = try source.fetchAll(
            sql: """
                SELECT id, run_id, step, epoch, path, sha256, bytes FROM checkpoints c
                WHERE id = (SELECT max(id) FROM checkpoints WHERE run_id = c.run_id) ORDER BY id
                """)
        for row in latest {
            let record = CheckpointRecord(
                id: row["id"], runID: row["run_id"], step: row["step"], epoch: row["epoch"], path: row["path"],
                sha256: row["sha256"], bytes: row["bytes"])
            guard let contents = checkpointFile(record) else {
                summary.checkpointsMissing.append(record.path)
                continue
            }
            try target.execute(
                sql: "UPDATE checkpoints SET contents = ? WHERE id = ?", arguments: [contents, record.id])
            summary.checkpointsKept += 1
        }
    }
}
