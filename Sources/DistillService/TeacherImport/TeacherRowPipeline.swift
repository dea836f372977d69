// Copyright 2026 The Distill authors.
// Parsing on one thread while the caller's thread stores: a reader thread pushes validated batches into a
// small bounded queue (four batches of about 1 MiB), the caller pops and inserts them. An error on either
// side stops both; the reader's error arrives after the rows before it, so errors keep their file order.

import Foundation

/// How far a teacher import has got.
public struct TeacherImportProgress: Sendable {
    /// Bytes of the teacher file read and stored.
    public var bytesDone: Int64
    /// The teacher file's size.
    public var totalBytes: Int64
    /// Seconds since the import started.
    public var elapsedSeconds: Double
    /// Rows stored so far.
    public var rows: Int

    /// Throughput so far, in MB/s (10^6 bytes).
    public var megabytesPerSecond: Double {
        elapsedSeconds > 0 ? Double(bytesDone) / 1e6 / elapsedSeconds : 0
    }

    /// Seconds left at the throughput so far, or nil before anything was read.
    public var etaSeconds: Double? {
        guard bytesDone > 0, elapsedSeconds > 0 else { return nil }
        return Double(totalBytes - bytesDone) / (Double(bytesDone) / elapsedSeconds)
    }
}

/// Runs a reader on its own thread and hands its batches to the caller.
enum TeacherRowPipeline {
    /// Reads `source` on a new thread and calls `store` with each batch on this one.
    /// - Parameters:
    ///   - source: The opened teacher file.
    ///   - progress: Called after each stored batch.
    ///   - store: Stores one batch; throwing stops the reader.
    /// - Returns: The dimension the reader found.
    /// - Throws: The first error of either side.
    static func run(
        _ source: TeacherSource, progress: ((TeacherImportProgress) -> Void)?,
        store: (TeacherRowBatch) throws -> Void
    ) throws -> Int {
        let queue = BatchQueue()
        let thread = Thread {
            queue.finish(Result { try source.read(emit: queue.push) })
        }
        thread.name = "teacher-reader"
        thread.start()
        defer { queue.cancelAndWait() }
        let started = Date()
        var rows = 0
        while let batch = try queue.pop() {
            try store(batch)
            rows += batch.urls.count
            progress?(
                TeacherImportProgress(
                    bytesDone: batch.fileOffset, totalBytes: source.size,
                    elapsedSeconds: Date().timeIntervalSince(started), rows: rows))
        }
        return try queue.dimension()
    }
}

/// The bounded hand-over between the reader thread and the storing thread.
private final class BatchQueue: @unchecked Sendable {
    private struct Cancelled: Error {}

    private let condition = NSCondition()
    private var batches: [TeacherRowBatch] = []
    private var outcome: Result<Int, any Error>?
    private var cancelled = false
    private let capacity = 4

    /// Reader side: waits for room, then queues the batch.
    /// - Throws: When the storing side has stopped.
    func push(_ batch: TeacherRowBatch) throws {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        batches.append(batch)
        condition.broadcast()
    }

    /// Reader side: the reader's result (its dimension or its error), after its last batch.
    func finish(_ result: Result<Int, any Error>) {
        condition.lock()
        outcome = result
        condition.broadcast()
        condition.unlock()
    }

    /// Storing side: the next batch, or nil once the reader finished well.
    /// - Throws: The reader's error, once the batches before it are taken.
    func pop() throws -> TeacherRowBatch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && outcome == nil { condition.wait() }
        if !batches.isEmpty {
            condition.broadcast()
            return batches.removeFirst()
        }
        _ = try outcome?.get()
        return nil
    }

    /// Storing side: the dimension, after `pop` returned nil.
    func dimension() throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        guard let outcome else { throw Cancelled() }
        return try outcome.get()
    }

    /// Storing side: stops the reader (if still running) and waits until it has returned.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        batches.removeAll()
        condition.broadcast()
        while outcome == nil { condition.wait() }
        condition.unlock()
    }
}
