// Copyright 2026 The Distill authors.

import Foundation

extension Store {
    /// Stores a teacher and all its vectors in one transaction: every row lands or none does.
    /// - Parameters:
    ///   - name: The teacher's unique name.
    ///   - kind: What the vectors are.
    ///   - table: The URLs and vectors (already validated by the importer).
    ///   - sourceFile: The file they came from, for the record.
    ///   - replace: Replace an existing teacher of that name (its outputs are deleted first).
    /// - Returns: The stored teacher.
    /// - Throws: `StoreError.invalidArgument` when the name is taken and `replace` is false, or when a
    ///   job still refers to the teacher being replaced.
    @discardableResult
    public func importTeacher(
        name: String, kind: TeacherKind, table: TeacherTable, sourceFile: String?, replace: Bool
    ) throws -> Teacher {
        try importTeacher(name: name, kind: kind, sourceFile: sourceFile, replace: replace) { writer in
            try writer.append(table)
            return table.dimension
        }
    }

    /// Stores a teacher whose rows arrive while it is stored (a streamed import), in one transaction:
    /// every row lands or none does, and memory never holds more than the rows `rows` has in hand.
    ///
    /// The name is checked (and a replaced teacher deleted) before `rows` runs. For the transaction's
    /// duration the connection relaxes `synchronous` to NORMAL (safe in WAL mode: a crash keeps the
    /// database consistent, and an import not yet checkpointed is simply absent) and uses a 64 MiB cache.
    /// - Parameters:
    ///   - name: The teacher's unique name.
    ///   - kind: What the vectors are.
    ///   - sourceFile: The file they came from, for the record.
    ///   - replace: Replace an existing teacher of that name (its outputs are deleted first).
    ///   - rows: Appends every row to the writer and returns the dimension; throwing rolls everything back.
    /// - Returns: The stored teacher.
    /// - Throws: What `rows` throws; `StoreError.invalidArgument` when the name is taken and `replace` is
    ///   false, or when a job still refers to the teacher being replaced; `StoreError` for a duplicate URL.
    /// - Complexity: One prepared INSERT per row; the vectors are bound as BLOBs without copies of the table.
    @discardableResult
    public func importTeacher(
        name: String, kind: TeacherKind, sourceFile: String?, replace: Bool,
        rows: (TeacherOutputWriter) throws -> Int
    ) throws -> Teacher {
        // Errors of `rows` other than the database's own reach the caller as they are.
        var rowsError: (any Error)?
        do {
            return try storeTeacher(name: name, kind: kind, sourceFile: sourceFile, replace: replace) { writer in
                do {
                    return try rows(writer)
                } catch {
                    rowsError = error
                    throw error
                }
            }
        } catch {
            if let rowsError, !(rowsError is SQLFailure) { throw rowsError }
            throw error
        }
    }

    private func storeTeacher(
        name: String, kind: TeacherKind, sourceFile: String?, replace: Bool,
        rows: (TeacherOutputWriter) throws -> Int
    ) throws -> Teacher {
        try bulkWrite { db in
            let id = try Store.insertTeacher(db, name: name, kind: kind, sourceFile: sourceFile, replace: replace)
            let writer = TeacherOutputWriter(sink: try backend.teacherRowSink(db, teacherID: id))
            let dimension = try rows(writer)
            try writer.sink.finish()
            try db.execute(
                sql: "UPDATE teachers SET dimension = ?, output_count = ? WHERE id = ?",
                arguments: [dimension, writer.count, id])
            return try Store.fetchTeacher(db, id: id)
        }
    }

    /// Checks the name (deleting a teacher being replaced) and inserts the teacher row; returns its id.
    private static func insertTeacher(
        _ db: any SQLConnection, name: String, kind: TeacherKind, sourceFile: String?, replace: Bool
    ) throws -> Int64 {
        if let existing = try db.fetchOne(Int64.self, sql: "SELECT id FROM teachers WHERE name = ?", arguments: [name])
        {
            guard replace else {
                throw StoreError(
                    .invalidArgument,
                    "A teacher named '\(name)' already exists; pass --replace to overwrite it or choose another name."
                )
            }
            let jobs =
                try db.fetchOne(Int.self, sql: "SELECT count(*) FROM jobs WHERE teacher_id = ?", arguments: [existing])
                ?? 0
            guard jobs == 0 else {
                throw StoreError(
                    .invalidArgument,
                    "Teacher '\(name)' is used by \(jobs) job(s) and cannot be replaced; import it under a new name."
                )
            }
            try db.execute(sql: "DELETE FROM teachers WHERE id = ?", arguments: [existing])
        }
        // The dimension is a placeholder until the last row is in (the column must be positive).
        guard
            let id = try db.fetchOne(
                Int64.self,
                sql: """
                    INSERT INTO teachers (name, kind, dimension, output_count, source_file) VALUES (?, ?, 1, 0, ?)
                    RETURNING id
                    """,
                arguments: [name, kind.rawValue, sourceFile])
        else { throw StoreError(.database, "The teacher '\(name)' was not stored.") }
        return id
    }

    /// All teachers, by name.
    public func teachers() throws -> [Teacher] {
        try read { db in
            try db.fetchAll(sql: "SELECT * FROM teachers ORDER BY name").map(Store.teacher(from:))
        }
    }

    /// The teacher named `name`.
    /// - Throws: `StoreError.notFound` naming the teacher and how to list them.
    public func teacher(named name: String) throws -> Teacher {
        try read { db in
            guard let row = try db.fetchOne(sql: "SELECT * FROM teachers WHERE name = ?", arguments: [name]) else {
                throw StoreError(
                    .notFound, "No teacher named '\(name)' in this database; run `distill teacher list` to see them.")
            }
            return Store.teacher(from: row)
        }
    }

    /// Deletes a teacher and its outputs, with the teach job that trained it once that job has ended.
    ///
    /// The teach job goes with its runs, metrics, results and checkpoint records (the caller removes the
    /// checkpoint files). This is how the name of a teacher whose training was cancelled or failed becomes free.
    /// - Parameter name: The teacher's name.
    /// - Returns: What was deleted.
    /// - Throws: `StoreError.notFound` for an unknown name; `StoreError.invalidArgument` while another job uses
    ///   the teacher (naming the jobs) or its teach job is still queued, running or paused.
    public func deleteTeacher(named name: String) throws -> TeacherDeletion {
        try write { db in
            guard let row = try db.fetchOne(sql: "SELECT * FROM teachers WHERE name = ?", arguments: [name]) else {
                throw StoreError(
                    .notFound, "No teacher named '\(name)' in this database; run `distill teacher list` to see them.")
            }
            let teacher = Store.teacher(from: row)
            let users = try db.fetchAll(
                sql: "SELECT id, name FROM jobs WHERE teacher_id = ? AND id IS DISTINCT FROM ? ORDER BY id",
                arguments: [teacher.id, teacher.trainedByJob])
            guard users.isEmpty else {
                let list = users.map { "\($0["id"] as Int64) '\($0["name"] as String)'" }.joined(separator: ", ")
                throw StoreError(
                    .invalidArgument,
                    "Teacher '\(name)' is used by job(s) \(list) and cannot be deleted; their results refer to it.")
            }
            var checkpointPaths: [String] = []
            var deletedJob: Int64?
            if let job = teacher.trainedByJob,
                let state = try db.fetchOne(String.self, sql: "SELECT state FROM jobs WHERE id = ?", arguments: [job])
            {
                guard ["succeeded", "failed", "cancelled"].contains(state) else {
                    throw StoreError(
                        .invalidArgument,
                        "Teacher '\(name)' is being trained by job \(job) (\(state)); cancel it first "
                            + "(`distill cancel \(job)`), then delete the teacher.")
                }
                checkpointPaths = try db.fetchAll(
                    String.self,
                    sql: "SELECT c.path FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE r.job_id = ?",
                    arguments: [job])
                try db.execute(sql: "UPDATE teachers SET trained_by_job = NULL WHERE id = ?", arguments: [teacher.id])
                try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [job])
                deletedJob = job
            }
            try db.execute(sql: "DELETE FROM teachers WHERE id = ?", arguments: [teacher.id])
            return TeacherDeletion(teacher: teacher, teachJob: deletedJob, checkpointPaths: checkpointPaths)
        }
    }

    /// The first `limit` outputs of a teacher, by URL.
    public func teacherOutputs(teacherID: Int64, limit: Int? = nil) throws -> [TeacherOutput] {
        try read { db in
            let rows = try db.fetchAll(
                sql: "SELECT url, vector FROM teacher_outputs WHERE teacher_id = ? ORDER BY url"
                    + (limit.map { " LIMIT \(max(0, $0))" } ?? ""),
                arguments: [teacherID])
            return rows.map { row in
                let blob: Data = row["vector"]
                return TeacherOutput(url: row["url"], vector: Store.decode(blob))
            }
        }
    }

    // MARK: - Encoding

    /// float32 little-endian bytes of a vector.
    static func encode(_ values: UnsafeBufferPointer<Float>) -> Data {
        #if _endian(little)
            return Data(buffer: values)
        #else
            var data = Data(count: values.count * 4)
            data.withUnsafeMutableBytes { raw in
                for (i, value) in values.enumerated() {
                    raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                }
            }
            return data
        #endif
    }

    /// A vector from float32 little-endian bytes.
    static func decode(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { i in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
    }

    static func fetchTeacher(_ db: any SQLConnection, id: Int64) throws -> Teacher {
        guard let row = try db.fetchOne(sql: "SELECT * FROM teachers WHERE id = ?", arguments: [id]) else {
            throw StoreError(.notFound, "No teacher with id \(id) in this database.")
        }
        return teacher(from: row)
    }

    static func teacher(from row: SQLRow) -> Teacher {
        var teacher = Teacher(
            id: row["id"], name: row["name"], kind: TeacherKind(rawValue: row["kind"]) ?? .logits,
            dimension: row["dimension"], outputCount: row["output_count"], sourceFile: row["source_file"],
            createdAt: row["created_at"])
        teacher.status = TeacherStatus(rawValue: row["status"] ?? "ready") ?? .ready
        teacher.trainedByJob = row["trained_by_job"]
        if let images: Int = row["eval_images"] {
            teacher.evaluation = TeacherEvaluation(
                top1: row["eval_top1"], meanAP: row["eval_mean_ap"], verification: row["eval_verification"],
                images: images)
        }
        return teacher
    }

    /// Stores a trained teacher's outputs and figures and marks it ready (inside the finishing run's transaction).
    func storeTrainedTeacher(_ db: any SQLConnection, _ trained: TrainedTeacherOutputs) throws {
        // A run resumed after a crash between here and its commit writes them again: replace, never duplicate.
        try db.execute(sql: "DELETE FROM teacher_outputs WHERE teacher_id = ?", arguments: [trained.teacherID])
        let writer = TeacherOutputWriter(sink: try backend.teacherRowSink(db, teacherID: trained.teacherID))
        let table = trained.table
        try writer.append(table)
        try writer.sink.finish()
        let evaluation = trained.evaluation
        try db.execute(
            sql: """
                UPDATE teachers SET status = 'ready', dimension = ?, output_count = ?, eval_top1 = ?, eval_mean_ap = ?,
                eval_verification = ?, eval_images = ? WHERE id = ?
                """,
            arguments: [
                table.dimension, writer.count, evaluation.top1, evaluation.meanAP, evaluation.verification,
                evaluation.images, trained.teacherID,
            ])
    }
}

/// Appends a teacher's rows inside `Store.importTeacher(name:kind:sourceFile:replace:rows:)`'s transaction.
///
/// Rows go to the backend's sink: on SQLite one prepared INSERT bound in place, on PostgreSQL multi-row INSERTs.
public final class TeacherOutputWriter {
    let sink: any TeacherRowSink
    /// Rows appended so far.
    public private(set) var count = 0

    init(sink: any TeacherRowSink) {
        self.sink = sink
    }

    /// Inserts every row of a table, in order.
    /// - Parameter table: The URLs and their vectors.
    /// - Throws: As `append(url:vector:)`.
    public func append(_ table: TeacherTable) throws {
        try table.values.withUnsafeBufferPointer { values in
            for (row, url) in table.urls.enumerated() {
                try append(
                    url: url,
                    vector: UnsafeBufferPointer(
                        rebasing: values[(row * table.dimension)..<((row + 1) * table.dimension)]))
            }
        }
    }

    /// Inserts one row.
    /// - Parameters:
    ///   - url: The image URL (unique within the teacher).
    ///   - vector: The values, stored as float32 little-endian.
    /// - Throws: The backend's failure (turned into `StoreError` by the store) for a duplicate URL or a failed write.
    public func append(url: String, vector: UnsafeBufferPointer<Float>) throws {
        try sink.append(url: url, vector: vector)
        count += 1
    }
}
