// Copyright 2026 The Distill authors.

import Foundation

extension Store {
    /// Rows of the `sweep_results` view: one per run, with its grid point, state, metrics and costs.
    /// - Parameter jobID: Only this job's runs; every job's when nil.
    /// - Returns: The view's columns and rows, ordered by job and run.
    /// - Throws: `StoreError.notFound` when `jobID` names no job.
    public func sweepResults(jobID: Int64? = nil) throws -> QueryTable {
        try read { db in
            if let jobID { _ = try Store.fetchJob(db, id: jobID) }
            let sql =
                "SELECT * FROM sweep_results" + (jobID == nil ? "" : " WHERE job_id = ?") + " ORDER BY job_id, run_id"
            let arguments: SQLArguments = jobID.map { [$0] } ?? []
            let table = try db.fetchTable(sql: sql, arguments: arguments)
            var columns = table.columns
            if columns.isEmpty {
                // PostgreSQL names no columns for an empty result; its catalogue does, in order.
                columns = try db.fetchAll(
                    String.self,
                    sql: """
                        SELECT column_name FROM information_schema.columns
                        WHERE table_schema = current_schema() AND table_name = 'sweep_results' ORDER BY ordinal_position
                        """)
            }
            return QueryTable(
                columns: columns.map(Store.canonicalColumnName),
                rows: table.rows.map { row in row.values.map(Store.value(from:)) })
        }
    }

    /// PostgreSQL folds unquoted names to lower case (`latency_ms_batchn`); people and scripts see the names of
    /// schema.sql on both backends.
    static func canonicalColumnName(_ name: String) -> String {
        name.hasSuffix("_batchn") ? String(name.dropLast()) + "N" : name
    }

    static func value(from value: SQLValue) -> QueryTable.Value {
        switch value {
        case .null: return .null
        case .integer(let int): return .integer(int)
        case .real(let double): return .real(double)
        case .text(let string): return .text(string)
        case .blob(let data): return .text("<\(data.count) bytes>")
        case .bool(let bool): return .integer(bool ? 1 : 0)
        }
    }
}
