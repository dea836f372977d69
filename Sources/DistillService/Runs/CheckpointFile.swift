// Copyright 2026 The Distill authors.
// A run's checkpoint file where this host needs it. On SQLite the file in the data directory is the checkpoint. On
// PostgreSQL the run may have been trained on another host, so the database keeps the latest checkpoint's bytes
// (Store.recordCheckpoint), and a host whose file is missing or older than the record writes it from them.

import DistillData
import DistillStore
import Foundation

enum CheckpointFile {
    /// Makes sure the checkpoint `record` describes is the file at `url`.
    /// - Returns: False when there is no such file and the database keeps no bytes for it.
    /// - Throws: `ServiceError` when the kept bytes do not match the record (damaged), or the file cannot be written.
    static func ensure(_ record: CheckpointRecord, at url: URL, store: Store) throws -> Bool {
        let exists = FileManager.default.fileExists(atPath: url.path)
        guard store.isPostgres else { return exists }
        if exists, let local = try? Data(contentsOf: url), local.count == record.bytes,
            (try? SHA256.hex([UInt8](local))) == record.sha256
        {
            return true
        }
        guard let contents = try store.checkpointContents(id: record.id) else { return exists }
        let digest = try SHA256.hex([UInt8](contents))
        guard digest == record.sha256, contents.count == record.bytes else {
            throw ServiceError(
                .io,
                "The checkpoint of run \(record.runID) kept in the database is damaged (\(contents.count) bytes, "
                    + "SHA-256 \(digest); recorded \(record.bytes) bytes, \(record.sha256)). Retrain the run: "
                    + "`distill retry JOB` after it fails, or submit the job again.")
        }
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, options: .atomic)
        } catch {
            throw ServiceError(.io, "Cannot write the checkpoint \(url.path): \(error.localizedDescription).")
        }
        return true
    }
}
