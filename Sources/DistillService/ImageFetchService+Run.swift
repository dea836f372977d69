// Copyright 2026 The Distill authors.
// The shared state of one fetch run: counters, the batch of rows not yet written, the decoder pool and
// progress reporting, used by the worker threads under one lock.

import DistillData
import DistillStore
import Foundation

/// The mutable state of one `ImageFetchService` run, shared by its worker threads.
final class ImageFetchRun: @unchecked Sendable {
    private let lock = NSLock()
    private let store: Store
    private let batchSize: Int
    private let start: Date
    private let progress: (@Sendable (ImageFetchProgress) -> Void)?
    private var state: ImageFetchProgress
    private var failures: [String: Int] = [:]
    private var batch: [ImageRecordUpdate] = []
    private var lastFlush = Date()
    private var lastReport = Date.distantPast
    private var storeError: (any Error)?
    private var decoders: [ImageDecoder]
    private let limits: ImageLimits

    init(
        store: Store, total: Int, batchSize: Int, decoders: Int, limits: ImageLimits, start: Date,
        progress: (@Sendable (ImageFetchProgress) -> Void)?
    ) throws {
        self.store = store
        self.batchSize = batchSize
        self.start = start
        self.progress = progress
        self.limits = limits
        state = ImageFetchProgress(done: 0, failed: 0, total: total, bytes: 0, elapsedSeconds: 0)
        self.decoders = try (0..<decoders).map { _ in try ImageDecoder(limits: limits) }
    }

    /// A decoder for this thread's current outcome (the semaphore keeps at most `decoders` in use; a fresh
    /// one is made should the pool ever be empty).
    /// - Throws: `DataError.library` when libturbojpeg cannot create a handle.
    func takeDecoder() throws -> ImageDecoder {
        lock.lock()
        let pooled = decoders.popLast()
        lock.unlock()
        return try pooled ?? ImageDecoder(limits: limits)
    }

    func returnDecoder(_ decoder: ImageDecoder) {
        lock.lock()
        decoders.append(decoder)
        lock.unlock()
    }

    /// Counts an outcome, queues its row, writes the batch when full or half a second old, reports progress.
    func add(_ update: ImageRecordUpdate, bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        state.done += 1
        state.bytes += bytes
        if update.status == .failed {
            state.failed += 1
            let category = update.failureReason.map { String($0.prefix { $0 != ":" }) } ?? "unknown"
            failures[category, default: 0] += 1
        }
        batch.append(update)
        let now = Date()
        if batch.count >= batchSize || now.timeIntervalSince(lastFlush) > 0.5 { flush() }
        if let progress, now.timeIntervalSince(lastReport) >= 0.2 {
            state.elapsedSeconds = now.timeIntervalSince(start)
            progress(state)
            lastReport = now
        }
    }

    /// Writes what is left and returns the final counts.
    /// - Throws: The first database error of the run.
    func finish() throws -> (ImageFetchProgress, [String: Int]) {
        lock.lock()
        defer { lock.unlock() }
        flush()
        if let storeError { throw storeError }
        state.elapsedSeconds = Date().timeIntervalSince(start)
        progress?(state)
        return (state, failures)
    }

    /// Called with the lock held.
    private func flush() {
        guard storeError == nil, !batch.isEmpty else { return }
        do { try store.recordImageUpdates(batch) } catch { storeError = error }
        batch.removeAll(keepingCapacity: true)
        lastFlush = Date()
    }
}
