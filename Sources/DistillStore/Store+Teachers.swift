// Copyright 2026 The Distill authors.

import Foundation
internal import GRDB

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
        try write { db in
            if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM teachers WHERE name = ?", arguments: [name]) {
                guard replace else {
                    throw StoreError(
                        .invalidArgument,
                        "A teacher named '\(name)' already exists; pass --replace to overwrite it or choose another name."
                    )
                }
                let jobs =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM jobs WHERE teacher_id = ?", arguments: [existing]) ?? 0
                guard jobs == 0 else {
                    throw StoreError(
                        .invalidArgument,
                        "Teacher '\(name)' is used by \(jobs) job(s) and cannot be replaced; import it under a new name."
                    )
                }
                try db.execute(sql: "DELETE FROM teachers WHERE id = ?", arguments: [existing])
            }
            try db.execute(
                sql: "INSERT INTO teachers (name, kind, dimension, output_count, source_file) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, kind.rawValue, table.dimension, table.urls.count, sourceFile])
            let id = db.lastInsertedRowID
            let insert = try db.makeStatement(
                sql: "INSERT INTO teacher_outputs (teacher_id, url, vector) VALUES (?, ?, ?)")
            for (row, url) in table.urls.enumerated() {
                let blob = Store.encode(table.vector(at: row))
                try insert.execute(arguments: [id, url, blob])
            }
            return try Store.fetchTeacher(db, id: id)
        }
    }

    /// All teachers, by name.
    public func teachers() throws -> [Teacher] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM teachers ORDER BY name").map(Store.teacher(from:))
        }
    }

    /// The teacher named `name`.
    /// - Throws: `StoreError.notFound` naming the teacher and how to list them.
    public func teacher(named name: String) throws -> Teacher {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM teachers WHERE name = ?", arguments: [name]) else {
                throw StoreError(
                    .notFound, "No teacher named '\(name)' in this database; run `distill teacher list` to see them.")
            }
            return Store.teacher(from: row)
        }
    }

    /// The first `limit` outputs of a teacher, by URL.
    public func teacherOutputs(teacherID: Int64, limit: Int? = nil) throws -> [TeacherOutput] {
        try read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT url, vector FROM teacher_outputs WHERE teacher_id = ? ORDER BY url LIMIT ?",
                arguments: [teacherID, limit ?? -1])
            return rows.map { row in
                let blob: Data = row["vector"]
                return TeacherOutput(url: row["url"], vector: Store.decode(blob))
            }
        }
    }

    // MARK: - Encoding

    /// float32 little-endian bytes of a vector.
    static func encode(_ values: ArraySlice<Float>) -> Data {
        var data = Data(count: values.count * 4)
        data.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return data
    }

    /// A vector from float32 little-endian bytes.
    static func decode(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { i in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
    }

    static func fetchTeacher(_ db: Database, id: Int64) throws -> Teacher {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM teachers WHERE id = ?", arguments: [id]) else {
            throw StoreError(.notFound, "No teacher with id \(id) in this database.")
        }
        return teacher(from: row)
    }

    static func teacher(from row: Row) -> Teacher {
        Teacher(
            id: row["id"], name: row["name"], kind: TeacherKind(rawValue: row["kind"]) ?? .logits,
            dimension: row["dimension"], outputCount: row["output_count"], sourceFile: row["source_file"],
            createdAt: row["created_at"])
    }
}
