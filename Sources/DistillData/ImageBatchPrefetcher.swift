// Copyright 2026 The Distill authors.
// Double-buffered batches: while the engine trains on one batch, the next is decoded into the other buffer on
// a background thread (the loader's own worker threads), so decoding overlaps computing. Layout of each buffer
// as ImageBatchLoader's: (N, 3, resolution, resolution) float32.

import Foundation

/// Loads batches through an `ImageBatchLoader`, the next one ahead of time.
///
/// Use from one thread: `load(_:)` the batch to train on now (taken from the prefetch when it is the one that
/// was asked for, else decoded at once), read it through `current`, and `prefetch(_:)` the next one before
/// computing. The contents are the same as with plain `fill` calls, whatever the timing. A loader decodes one
/// batch at a time: call `cancelPending()` before using the loader elsewhere.
public final class ImageBatchPrefetcher: @unchecked Sendable {
    /// The loader that decodes.
    public let loader: ImageBatchLoader
    /// Samples per batch.
    public let batch: Int
    private let buffers: [UnsafeMutableBufferPointer<Float>]
    private var currentIndex = 0
    private var pending: PendingFill?
    private let queue = DispatchQueue(label: "distill-batch-prefetch")

    /// One background fill: its digests and, once its group is left, its result.
    private final class PendingFill: @unchecked Sendable {
        let digests: [String]
        let augmentations: [Augmentation]?
        let group = DispatchGroup()
        var result: Result<[Int: DataError], any Error> = .success([:])

        init(digests: [String], augmentations: [Augmentation]?) {
            self.digests = digests
            self.augmentations = augmentations
        }
    }

    /// Allocates the two batch buffers.
    /// - Parameters:
    ///   - loader: Decodes cached images.
    ///   - batch: Samples per batch (at least 1).
    public init(loader: ImageBatchLoader, batch: Int) {
        self.loader = loader
        self.batch = max(1, batch)
        let count = self.batch * loader.sampleCount
        buffers = (0..<2).map { _ in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            buffer.initialize(repeating: 0)
            return buffer
        }
    }

    deinit {
        pending?.group.wait()
        for buffer in buffers { buffer.deallocate() }
    }

    /// The batch `load(_:)` made current: (batch, 3, resolution, resolution).
    public var current: UnsafeBufferPointer<Float> { UnsafeBufferPointer(buffers[currentIndex]) }

    /// Makes the batch of `digests` current.
    /// - Parameters:
    ///   - digests: Cache keys, at most `batch`.
    ///   - augmentations: One per sample, or nil for none.
    /// - Returns: The samples that failed to decode (zero-filled), by index.
    /// - Throws: `DataError.invalidArgument` for too many digests.
    public func load(_ digests: [String], augmentations: [Augmentation]? = nil) throws -> [Int: DataError] {
        if let fill = pending {
            fill.group.wait()
            pending = nil
            if fill.digests == digests, fill.augmentations == augmentations {
                currentIndex = 1 - currentIndex
                return try fill.result.get()
            }
        }
        return try loader.fill(digests: digests, augmentations: augmentations, into: buffers[currentIndex])
    }

    /// Waits for a background fill and drops it, so the loader is free for other work (evaluation).
    public func cancelPending() {
        pending?.group.wait()
        pending = nil
    }

    /// Starts decoding the batch of `digests` into the other buffer; the next `load` with the same digests takes it.
    /// - Parameters:
    ///   - digests: Cache keys, at most `batch`.
    ///   - augmentations: One per sample, or nil for none.
    public func prefetch(_ digests: [String], augmentations: [Augmentation]? = nil) {
        pending?.group.wait()
        let fill = PendingFill(digests: digests, augmentations: augmentations)
        let target = buffers[1 - currentIndex]
        // The buffer outlives the fill (deinit waits for it) and only this fill writes it meanwhile.
        let address = UInt(bitPattern: target.baseAddress)
        let count = target.count
        let loader = loader
        fill.group.enter()
        queue.async {
            let buffer = UnsafeMutableBufferPointer(
                start: UnsafeMutablePointer<Float>(bitPattern: address), count: count)
            fill.result = Result { try loader.fill(digests: digests, augmentations: augmentations, into: buffer) }
            fill.group.leave()
        }
        pending = fill
    }
}
