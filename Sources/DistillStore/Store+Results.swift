// Copyright 2026 The Distill authors.

import Foundation
internal import GRDB

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
            let statement = try db.makeStatement(sql: sql)
            let arguments: StatementArguments = jobID.map { [$0] } ?? []
            let rows = try Row.fetchAll(statement, arguments: arguments)
            return QueryTable(
                columns: statement.columnNames, rows: rows.map { row in row.databaseValues.map(Store.value(from:)) })
        }
    }

    static func value(from value: DatabaseValue) -> QueryTable.Value {
        switch value.storage {
        case .null: return .null
        case .int64(let int): return .integer(int)
        case .double(let double): return .real(double)
        case .string(let string): return .text(string)
        case .blob(let data): return .text("<\(data.count) bytes>")
        }
    }
}
