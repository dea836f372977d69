// Copyright 2026 The Distill authors.
// Cached images → one NCHW float32 batch, decoded on several threads. Layout of the batch:
// (N, 3, resolution, resolution), sample i at offset i · 3 · resolution², channels R, G, B, values
// normalised as the loader's `Normalization` says.

import Foundation

/// Decodes cached images into student input batches on several threads.
///
/// Owns one `ImagePreprocessor` per thread; call `fill` from one thread at a time.
public final class ImageBatchLoader: @unchecked Sendable {
    /// Output height and width of each sample.
    public let resolution: Int
    /// Decoding threads.
    public let threads: Int
    /// Where the images are read from.
    public let cache: ImageCache
    /// Decoded images kept for later batches (samples without augmentation), if the loader has a store.
    public let decodedStore: DecodedImageStore?
    private let workers: [ImagePreprocessor]

    /// Floats per sample: `3 * resolution * resolution`.
    public var sampleCount: Int { 3 * resolution * resolution }

    /// Creates a loader.
    /// - Parameters:
    ///   - cache: The image cache.
    ///   - resolution: The student's input size.
    ///   - threads: Decoding threads (default: all cores).
    ///   - cropMode: Crop before resizing.
    ///   - normalization: Value scaling (default MobileNet's [-1, 1]).
    ///   - limits: Dimension limits checked before decoding.
    ///   - decodedStoreBytes: Keep decoded samples without augmentation in a ``DecodedImageStore`` beside the
    ///     cache that may grow to this many bytes (0: no store, every batch is decoded).
    /// - Throws: `DataError.invalidArgument` for a bad resolution or thread count; `.io` when the store's
    ///   directory cannot be created.
    public init(
        cache: ImageCache, resolution: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        cropMode: CropMode = .centerSquare, normalization: Normalization = .mobileNet,
        limits: ImageLimits = ImageLimits(), decodedStoreBytes: Int64 = 0
    ) throws {
        guard (1...256).contains(threads) else {
            throw DataError(.invalidArgument, "The batch loader needs 1…256 threads, got \(threads).")
        }
        self.cache = cache
        self.resolution = resolution
        self.threads = threads
        decodedStore =
            decodedStoreBytes > 0
            ? try DecodedImageStore(
                dataDirectory: (cache.directory as NSString).deletingLastPathComponent, resolution: resolution,
                cropMode: cropMode, normalization: normalization, maximumBytes: decodedStoreBytes)
            : nil
        workers = try (0..<threads).map { _ in
            try ImagePreprocessor(
                resolution: resolution, cropMode: cropMode, normalization: normalization, limits: limits)
        }
    }

    /// Fills a batch with the images stored under `digests`, in order.
    ///
    /// A sample that cannot be read or decoded is filled with zeros and reported; the others are unaffected.
    /// - Parameters:
    ///   - digests: The SHA-256 cache keys, one per sample.
    ///   - destination: `(N, 3, resolution, resolution)` floats with `N = digests.count`.
    /// - Returns: The failed samples by index, with the reason.
    /// - Throws: `DataError.invalidArgument` when the destination is smaller than `N` samples.
    public func fill(digests: [String], into destination: UnsafeMutableBufferPointer<Float>) throws -> [Int: DataError]
    {
        try fill(digests: digests, augmentations: nil, into: destination)
    }

    /// Fills a batch, each sample cropped and flipped as its augmentation says (training batches).
    /// - Parameters:
    ///   - digests: The SHA-256 cache keys, one per sample.
    ///   - augmentations: One per sample, or nil for none.
    ///   - destination: `(N, 3, resolution, resolution)` floats with `N = digests.count`.
    /// - Returns: The failed samples by index, with the reason (their floats are zero).
    /// - Throws: `DataError.invalidArgument` when the destination is too small or the counts differ.
    public func fill(
        digests: [String], augmentations: [Augmentation]?, into destination: UnsafeMutableBufferPointer<Float>
    ) throws -> [Int: DataError] {
        if let augmentations, augmentations.count != digests.count {
            throw DataError(
                .invalidArgument, "\(augmentations.count) augmentations given for \(digests.count) samples.")
        }
        let sample = sampleCount
        guard destination.count >= digests.count * sample, let base = destination.baseAddress else {
            if digests.isEmpty { return [:] }
            throw DataError(
                .invalidArgument,
                "A batch of \(digests.count) samples at \(resolution)x\(resolution) needs \(digests.count * sample) floats, "
                    + "got \(destination.count).")
        }
        let failures = FailureList()
        let address = UInt(bitPattern: base)
        let workerCount = min(threads, digests.count)
        DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
            let preprocessor = workers[worker]
            var index = worker
            while index < digests.count {
                // Each worker writes only its own samples (index ≡ worker mod workerCount).
                let output = UnsafeMutableBufferPointer(
                    start: UnsafeMutablePointer<Float>(bitPattern: address).map { $0 + index * sample }, count: sample)
                // A sample without augmentation is the same tensor every time: read it from the store when
                // it is there, else decode it and keep it for next time.
                let augmentation = augmentations?[index]
                if augmentation == nil, let store = decodedStore, store.load(digest: digests[index], into: output) {
                    index += workerCount
                    continue
                }
                do {
                    let bytes = try cache.load(digest: digests[index], verify: false)
                    try bytes.withUnsafeBytes {
                        try preprocessor.process($0, into: output, augmentation: augmentation)
                    }
                    if augmentation == nil, let store = decodedStore {
                        store.save(digest: digests[index], values: UnsafeBufferPointer(output))
                    }
                } catch {
                    output.update(repeating: 0)
                    failures.add(index, error as? DataError ?? DataError(.io, "\(error)"))
                }
                index += workerCount
            }
        }
        return failures.all
    }
}

/// Failures collected from the worker threads.
private final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [Int: DataError] = [:]

    func add(_ index: Int, _ error: DataError) {
        lock.lock()
        failures[index] = error
        lock.unlock()
    }

    var all: [Int: DataError] {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }
}
