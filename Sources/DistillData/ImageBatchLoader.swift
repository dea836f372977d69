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
    /// Source images that augmented samples are cropped from (see ``DecodedImageStore``), if the loader has a
    /// store and was given their side.
    public let sourceStore: DecodedImageStore?
    private let workers: [ImagePreprocessor]
    /// Per worker: one sample's resized bytes.
    private let pixels: [PixelBuffer]
    private let cpuTime = LockedSeconds()

    /// CPU seconds the worker threads have spent in `fill` so far (reading, decoding, resizing, normalising;
    /// not the stores' background writes): what preparing batches took from the cores the engine shares.
    public var fillCPUSeconds: Double { cpuTime.value }

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
    ///   - augmentedSourceSide: With a store, augmented samples are cut from the crop mode's region resized to
    ///     this side (kept in the store too), whether or not it was stored yet, so results do not depend on
    ///     the store's state; nil: augmented samples are decoded from the image every time.
    /// - Throws: `DataError.invalidArgument` for a bad resolution or thread count; `.io` when the store's
    ///   directory cannot be created.
    public init(
        cache: ImageCache, resolution: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        cropMode: CropMode = .centerSquare, normalization: Normalization = .mobileNet,
        limits: ImageLimits = ImageLimits(), decodedStoreBytes: Int64 = 0, augmentedSourceSide: Int? = nil
    ) throws {
        guard (1...256).contains(threads) else {
            throw DataError(.invalidArgument, "The batch loader needs 1…256 threads, got \(threads).")
        }
        self.cache = cache
        self.resolution = resolution
        self.threads = threads
        let dataDirectory = (cache.directory as NSString).deletingLastPathComponent
        decodedStore =
            decodedStoreBytes > 0
            ? try DecodedImageStore(
                dataDirectory: dataDirectory, resolution: resolution, cropMode: cropMode,
                maximumBytes: decodedStoreBytes)
            : nil
        if decodedStoreBytes > 0, let side = augmentedSourceSide {
            guard (1...4096).contains(side) else {
                throw DataError(.invalidArgument, "The augmented source side \(side) is outside 1…4096.")
            }
            sourceStore = try DecodedImageStore(
                dataDirectory: dataDirectory, sourceSide: side, cropMode: cropMode, maximumBytes: decodedStoreBytes)
        } else {
            sourceStore = nil
        }
        pixels = (0..<threads).map { _ in PixelBuffer(count: 3 * resolution * resolution) }
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
            let started = Self.threadCPUSeconds()
            defer { cpuTime.add(Self.threadCPUSeconds() - started) }
            let preprocessor = workers[worker]
            var index = worker
            while index < digests.count {
                // Each worker writes only its own samples (index ≡ worker mod workerCount).
                let output = UnsafeMutableBufferPointer(
                    start: UnsafeMutablePointer<Float>(bitPattern: address).map { $0 + index * sample }, count: sample)
                do {
                    let augmentation = augmentations?[index]
                    if let augmentation {
                        if let sources = sourceStore {
                            // Crops and flips are cut from the stored source image, made and kept when missing.
                            let image = try sourceImage(
                                digest: digests[index], store: sources, preprocessor: preprocessor)
                            try preprocessor.process(source: image, into: output, augmentation: augmentation)
                        } else {
                            let bytes = try cache.load(digest: digests[index], verify: false)
                            try bytes.withUnsafeBytes {
                                try preprocessor.process($0, into: output, augmentation: augmentation)
                            }
                        }
                    } else {
                        // A sample without augmentation is the same bytes every time: read them from the store
                        // when they are there, else decode them and keep them for next time.
                        try pixels[worker].withUnsafeMutableBufferPointer { pixels in
                            if let store = decodedStore,
                                store.load(digest: digests[index], into: UnsafeMutableRawBufferPointer(pixels)) != nil
                            {
                                preprocessor.normalize(UnsafeBufferPointer(pixels), into: output)
                                return
                            }
                            let bytes = try cache.load(digest: digests[index], verify: false)
                            try bytes.withUnsafeBytes { try preprocessor.resizedBytes($0, into: pixels) }
                            preprocessor.normalize(UnsafeBufferPointer(pixels), into: output)
                            decodedStore?.saveInBackground(
                                digest: digests[index], bytes: UnsafeRawBufferPointer(pixels))
                        }
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

    /// CPU time of the calling thread, in seconds (0 where the clock is unavailable).
    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time) == 0 else { return 0 }
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Waits for the stores' background writes (for reports and tests; batches never wait for them).
    public func flushStores() {
        decodedStore?.flush()
        sourceStore?.flush()
    }

    /// What ``store(digests:augmented:progress:shouldStop:)`` did.
    public struct StoreCounts: Sendable, Equatable {
        /// Images decoded and written to the store now.
        public var stored = 0
        /// Images whose file was there already.
        public var present = 0
        /// Images not stored: they failed to read or decode, or the store was full.
        public var failed = 0

        /// All zero.
        public init() {}
    }

    /// Decodes images into the store ahead of training (`distill prepare`, a daemon's look-ahead): for samples
    /// without augmentation their `(3, R, R)` bytes, for augmented ones their source images. Images already
    /// stored are skipped (their files are checked when read). Writes land before it returns.
    /// - Parameters:
    ///   - digests: The images' cache keys.
    ///   - augmented: Store the source images augmented samples are cut from (needs ``sourceStore``).
    ///   - progress: Called after each chunk of images with the number done so far.
    ///   - shouldStop: Checked between chunks; true → `CancellationError`.
    /// - Returns: The counts.
    /// - Throws: `DataError.invalidArgument` when the loader has no such store; `CancellationError`.
    public func store(
        digests: [String], augmented: Bool, progress: (Int) -> Void = { _ in }, shouldStop: () -> Bool = { false }
    ) throws -> StoreCounts {
        guard let target = augmented ? sourceStore : decodedStore else {
            throw DataError(
                .invalidArgument,
                augmented
                    ? "This loader keeps no source images (no store, or no augmented source side)."
                    : "This loader has no decoded-image store.")
        }
        let counts = LockedCounts()
        let chunk = 16 * threads
        var start = 0
        while start < digests.count {
            if shouldStop() { throw CancellationError() }
            let part = Array(digests[start..<min(digests.count, start + chunk)])
            let workerCount = min(threads, part.count)
            DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
                var local = StoreCounts()
                for index in stride(from: worker, to: part.count, by: workerCount) {
                    let digest = part[index]
                    if target.contains(digest: digest) {
                        local.present += 1
                        continue
                    }
                    do {
                        let bytes = try cache.load(digest: digest, verify: false)
                        let saved =
                            try augmented
                            ? bytes.withUnsafeBytes {
                                try saveSourceImage($0, digest: digest, store: target, preprocessor: workers[worker])
                            }
                            : pixels[worker].withUnsafeMutableBufferPointer { pixels in
                                try bytes.withUnsafeBytes { try workers[worker].resizedBytes($0, into: pixels) }
                                return target.save(digest: digest, bytes: UnsafeRawBufferPointer(pixels))
                            }
                        if saved { local.stored += 1 } else { local.failed += 1 }
                    } catch {
                        local.failed += 1
                    }
                }
                counts.add(local)
            }
            start += part.count
            progress(start)
        }
        return counts.value
    }

    /// The side of the source images in `store` (a square of RGB bytes).
    private static func side(of store: DecodedImageStore) -> Int {
        Int((Double(store.payloadBytes / 3)).squareRoot().rounded())
    }

    /// An image's source image for augmented samples: from the store, else decoded, resized and stored (its
    /// width and height in the file's tag, its pixels at the front of the fixed-size payload).
    private func sourceImage(
        digest: String, store: DecodedImageStore, preprocessor: ImagePreprocessor
    ) throws -> RGBImage {
        let side = Self.side(of: store)
        var payload = [UInt8](repeating: 0, count: store.payloadBytes)
        if let tag = payload.withUnsafeMutableBytes({ store.load(digest: digest, into: $0) }) {
            let width = Int(tag >> 16)
            let height = Int(tag & 0xFFFF)
            if width >= 1, height >= 1, width <= side, height <= side {
                return try RGBImage(width: width, height: height, pixels: Array(payload.prefix(3 * width * height)))
            }
            store.discard(digest: digest)  // not a source image of this side: made again below
        }
        let bytes = try cache.load(digest: digest, verify: false)
        let image = try bytes.withUnsafeBytes { try preprocessor.sourceImage($0, side: side) }
        Self.payload(of: image, count: store.payloadBytes).withUnsafeBytes {
            store.saveInBackground(digest: digest, bytes: $0, tag: Self.tag(image))
        }
        return image
    }

    /// Decodes an image's source image and writes it to `store` now; whether it was written.
    private func saveSourceImage(
        _ bytes: UnsafeRawBufferPointer, digest: String, store: DecodedImageStore, preprocessor: ImagePreprocessor
    ) throws -> Bool {
        let image = try preprocessor.sourceImage(bytes, side: Self.side(of: store))
        return Self.payload(of: image, count: store.payloadBytes).withUnsafeBytes {
            store.save(digest: digest, bytes: $0, tag: Self.tag(image))
        }
    }

    /// A source image's pixels at the front of a zero-padded payload of `count` bytes.
    private static func payload(of image: RGBImage, count: Int) -> [UInt8] {
        var payload = image.pixels
        payload.append(contentsOf: repeatElement(0, count: max(0, count - payload.count)))
        return payload
    }

    /// A source image's width and height as the file's tag.
    private static func tag(_ image: RGBImage) -> UInt32 { UInt32(image.width) << 16 | UInt32(image.height) }
}

/// One worker's scratch bytes (a class, so each worker mutates its own without copying the array of them).
private final class PixelBuffer: @unchecked Sendable {
    var bytes: [UInt8]

    init(count: Int) { bytes = [UInt8](repeating: 0, count: count) }

    func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeMutableBufferPointer { try body($0) }
    }
}

/// Store counts added up from the worker threads.
private final class LockedCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var counts = ImageBatchLoader.StoreCounts()

    func add(_ part: ImageBatchLoader.StoreCounts) {
        lock.withLock {
            counts.stored += part.stored
            counts.present += part.present
            counts.failed += part.failed
        }
    }

    var value: ImageBatchLoader.StoreCounts { lock.withLock { counts } }
}

/// Seconds added up from the worker threads.
private final class LockedSeconds: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds = 0.0

    func add(_ part: Double) { lock.withLock { seconds += part } }

    var value: Double { lock.withLock { seconds } }
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
