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
    ///   - rowsPerPage: Rows read from the source at a time.
    /// - Returns: What was copied.
    /// - Throws: `StoreError.invalidArgument` when the destination is not empty; `.database` failures.
    public func copyEverything(
        to destination: Store, checkpointFile: (CheckpointRecord) -> Data?,
        progress: (String, Int) -> Void = { _, _ in }, rowsPerPage: Int = 10_000
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
                    summary.rows[table] = try Store.copyTable(
                        table, key: key, from: source, to: target, rowsPerPage: max(1, rowsPerPage)
                    ) {
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
        rowsPerPage page: Int, progress: (Int) -> Void
    ) throws -> Int {
        // PostgreSQL names a result's columns only in the rows it returns: an empty table has nothing to copy.
        guard let probe = try source.fetchOne(sql: "SELECT * FROM \(table) LIMIT 1") else { return 0 }
        let columns = probe.columns.filter {
            // The one column a later trip fills in.
            !(table == "teachers" && $0 == "trained_by_job")
        }
        let columnList = columns.joined(separator: ", ")
        let rowsPerInsert = max(1, min(500, 30_000 / max(1, columns.count)))
        let tuple = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
        // Keyset paging: each page starts after the previous page's last key, so every page is an index seek
        // (OFFSET would rescan all the rows before it, quadratic in the table's size).
        let keyColumns = key.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let keyIndices = keyColumns.compactMap { columns.firstIndex(of: $0) }
        precondition(keyIndices.count == keyColumns.count, "\(table)'s key \(key) is not among its columns")
        let after =
            keyColumns.count == 1
            ? "\(key) > ?" : "(\(key)) > (" + keyColumns.map { _ in "?" }.joined(separator: ", ") + ")"
        var lastKey: [SQLValue]?
        var copied = 0
        while true {
            var query: SQLArguments = []
            if let lastKey { query.values = lastKey }
            let rows = try source.fetchAll(
                sql: "SELECT \(columnList) FROM \(table)" + (lastKey == nil ? "" : " WHERE \(after)")
                    + " ORDER BY \(key) LIMIT \(page)",
                arguments: query)
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
            if let last = rows.last { lastKey = keyIndices.map { last.values[$0] } }
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
