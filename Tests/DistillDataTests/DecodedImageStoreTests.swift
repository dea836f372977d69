// Copyright 2026 The Distill authors.
// The decoded-image store: batches read from it equal decoded ones bit for bit, it is reused by a new loader
// (a later run, a resumed one), stops at its bound and falls back to decoding, and a damaged file is
// detected, never used, and replaced.

import DistillData
import DistillTestSupport
import Foundation
import Testing

@Suite("Decoded-image store")
struct DecodedImageStoreTests {
    /// Six PNG and JPEG images of different sizes in a cache under `root`; returns the cache and digests.
    static func images(in root: String) throws -> (ImageCache, [String]) {
        let cache = try ImageCache(dataDirectory: root)
        let jpegCodec = try JPEGCodec()
        let digests = try (0..<6).map { index in
            let image = try TestImages.randomRGB(
                width: 25 + index * 7, height: 31 + index * 3, seed: UInt64(50 + index))
            return try cache.store(
                index % 2 == 0
                    ? try PNGCodec.encode(
                        samples: image.pixels, width: image.width, height: image.height, colorType: .truecolor)
                    : try jpegCodec.encode(image, quality: 80))
        }
        return (cache, digests)
    }

    static func fill(_ loader: ImageBatchLoader, _ digests: [String]) throws -> [Float] {
        var batch = [Float](repeating: .nan, count: digests.count * loader.sampleCount)
        let failures = try batch.withUnsafeMutableBufferPointer { try loader.fill(digests: digests, into: $0) }
        #expect(failures.isEmpty, "\(failures)")
        loader.flushStores()  // the writes run in the background; an epoch's end waits for them the same way
        return batch
    }

    @Test("batches from the store equal decoded batches bit for bit, also through a new loader (a later run)")
    func storedBatchesAreIdentical() throws {
        let root = try TemporaryDirectory()
        let (cache, digests) = try Self.images(in: root.path)
        let plain = try Self.fill(try ImageBatchLoader(cache: cache, resolution: 20, threads: 2), digests)

        let first = try ImageBatchLoader(cache: cache, resolution: 20, threads: 2, decodedStoreBytes: 1 << 30)
        let store = try #require(first.decodedStore)
        #expect(try Self.fill(first, digests) == plain, "the epoch that fills the store")
        #expect(store.counts.writes == 6 && store.counts.hits == 0, "\(store.counts)")
        #expect(try Self.fill(first, digests) == plain, "the epoch that reads it")
        #expect(store.counts.hits == 6 && store.counts.writes == 6, "\(store.counts)")
        #expect(store.byteCount == Int64(6 * (16 + first.sampleCount)), "uint8: one byte per value")

        // A new loader (another run at this resolution, or a resumed one) reads what the first one stored.
        let second = try ImageBatchLoader(cache: cache, resolution: 20, threads: 1, decodedStoreBytes: 1 << 30)
        #expect(try Self.fill(second, Array(digests.reversed())) == Self.reversedSamples(plain, second.sampleCount))
        #expect(second.decodedStore?.counts.hits == 6 && second.decodedStore?.counts.writes == 0)
        // Another resolution has a store of its own.
        let other = try ImageBatchLoader(cache: cache, resolution: 12, threads: 1, decodedStoreBytes: 1 << 30)
        _ = try Self.fill(other, digests)
        #expect(other.decodedStore?.counts.hits == 0 && other.decodedStore?.counts.writes == 6)
    }

    static func reversedSamples(_ batch: [Float], _ sample: Int) -> [Float] {
        stride(from: batch.count / sample - 1, through: 0, by: -1).flatMap {
            batch[($0 * sample)..<(($0 + 1) * sample)]
        }
    }

    @Test("the store stops at its bound and the images beyond it are decoded every time, with the same values")
    func boundAndFallback() throws {
        let root = try TemporaryDirectory()
        let (cache, digests) = try Self.images(in: root.path)
        let plain = try Self.fill(try ImageBatchLoader(cache: cache, resolution: 16, threads: 1), digests)
        let fileBytes = Int64(16 + 3 * 16 * 16)
        let loader = try ImageBatchLoader(cache: cache, resolution: 16, threads: 1, decodedStoreBytes: 2 * fileBytes)
        let store = try #require(loader.decodedStore)
        #expect(try Self.fill(loader, digests) == plain)
        #expect(try Self.fill(loader, digests) == plain)
        #expect(store.counts.writes == 2 && store.counts.hits == 2, "\(store.counts)")
        #expect(store.counts.refused == 8, "four refused in each of two epochs: \(store.counts)")
        #expect(store.byteCount == 2 * fileBytes)
    }

    @Test("a damaged or truncated file is detected, never used, and stored again from the decoded image")
    func damagedFiles() throws {
        let root = try TemporaryDirectory()
        let (cache, digests) = try Self.images(in: root.path)
        let plain = try Self.fill(try ImageBatchLoader(cache: cache, resolution: 16, threads: 1), digests)
        let loader = try ImageBatchLoader(cache: cache, resolution: 16, threads: 1, decodedStoreBytes: 1 << 30)
        let store = try #require(loader.decodedStore)
        _ = try Self.fill(loader, digests)
        func file(_ digest: String) -> String { store.directory + "/" + digest.prefix(2) + "/" + digest }
        // One byte of the floats flipped, one file cut short, one with a byte appended.
        var flipped = try Data(contentsOf: URL(fileURLWithPath: file(digests[0])))
        flipped[100] ^= 0x40
        try flipped.write(to: URL(fileURLWithPath: file(digests[0])))
        let cut = try Data(contentsOf: URL(fileURLWithPath: file(digests[1])))
        try cut.prefix(cut.count - 4).write(to: URL(fileURLWithPath: file(digests[1])))
        try (try Data(contentsOf: URL(fileURLWithPath: file(digests[2]))) + Data([0]))
            .write(to: URL(fileURLWithPath: file(digests[2])))
        #expect(try Self.fill(loader, digests) == plain, "a damaged file's values reached the batch")
        #expect(store.counts.damaged == 3 && store.counts.writes == 9 && store.counts.hits == 3, "\(store.counts)")
        #expect(try Self.fill(loader, digests) == plain)
        #expect(store.counts.hits == 9 && store.counts.damaged == 3, "the replaced files are read: \(store.counts)")
    }

    @Test("samples with augmentation are decoded, not read from or written to the store")
    func augmentedSamplesBypassTheStore() throws {
        let root = try TemporaryDirectory()
        let (cache, digests) = try Self.images(in: root.path)
        let loader = try ImageBatchLoader(cache: cache, resolution: 16, threads: 1, decodedStoreBytes: 1 << 30)
        let flips = digests.map { _ in Augmentation(crop: nil, flip: true) }
        var batch = [Float](repeating: 0, count: digests.count * loader.sampleCount)
        _ = try batch.withUnsafeMutableBufferPointer {
            try loader.fill(digests: digests, augmentations: flips, into: $0)
        }
        #expect(loader.decodedStore?.counts == DecodedImageStore.Counters())
    }

    @Test("augmented samples are cut from stored source images: the same values whether stored yet or not")
    func augmentedSamplesFromSourceImages() throws {
        let root = try TemporaryDirectory()
        let (cache, digests) = try Self.images(in: root.path)
        let loader = try ImageBatchLoader(
            cache: cache, resolution: 16, threads: 2, decodedStoreBytes: 1 << 30, augmentedSourceSide: 24)
        let sources = try #require(loader.sourceStore)
        let augmentations = digests.indices.map { index in
            Augmentation(
                crop: .init(x: 0.1 * Double(index % 3), y: 0.2, width: 0.7, height: 0.65), flip: index % 2 == 0)
        }
        func fill() throws -> [Float] {
            var batch = [Float](repeating: .nan, count: digests.count * loader.sampleCount)
            let failures = try batch.withUnsafeMutableBufferPointer {
                try loader.fill(digests: digests, augmentations: augmentations, into: $0)
            }
            #expect(failures.isEmpty, "\(failures)")
            loader.flushStores()
            return batch
        }
        let first = try fill()
        #expect(sources.counts.writes == 6 && sources.counts.hits == 0, "\(sources.counts)")
        #expect(loader.decodedStore?.counts.writes == 0, "augmented tensors are not stored")
        let second = try fill()
        #expect(second == first, "a stored source image gave other values than the freshly made one")
        #expect(sources.counts.hits == 6, "\(sources.counts)")
        // The documented pipeline: source image of the crop mode's region at 24x24, cropped, resized, flipped.
        let preprocessor = try ImagePreprocessor(resolution: 16)
        for (index, digest) in digests.enumerated() {
            let bytes = try cache.load(digest: digest)
            let source = try bytes.withUnsafeBytes { try preprocessor.sourceImage($0, side: 24) }
            var expected = [Float](repeating: 0, count: loader.sampleCount)
            try expected.withUnsafeMutableBufferPointer {
                try preprocessor.process(source: source, into: $0, augmentation: augmentations[index])
            }
            #expect(Array(first[(index * loader.sampleCount)..<((index + 1) * loader.sampleCount)]) == expected)
        }
        // A damaged source file is replaced, and the values stay the same.
        let file = sources.directory + "/" + digests[3].prefix(2) + "/" + digests[3]
        var damaged = try Data(contentsOf: URL(fileURLWithPath: file))
        damaged[40] ^= 0x01
        try damaged.write(to: URL(fileURLWithPath: file))
        #expect(try fill() == first)
        #expect(sources.counts.damaged == 1 && sources.counts.writes == 7, "\(sources.counts)")
        // An intact file whose tag is no source image of this side (0x0) is discarded and made again.
        let hits = sources.counts.hits
        try [UInt8](repeating: 7, count: sources.payloadBytes).withUnsafeBytes {
            try #require(sources.save(digest: digests[4], bytes: $0, tag: 0))
        }
        #expect(try fill() == first)
        #expect(sources.counts.damaged == 2 && sources.counts.hits == hits + 5, "\(sources.counts)")
    }

    @Test("a source image smaller than the side keeps its own pixels: augmented PNG samples equal decoding's")
    func smallSourcesAreNotUpsampled() throws {
        let root = try TemporaryDirectory()
        let (cache, digests) = try Self.images(in: root.path)
        let augmentations = digests.indices.map { index in
            Augmentation(crop: .init(x: 0.15, y: 0.05 * Double(index), width: 0.6, height: 0.7), flip: index % 3 == 0)
        }
        func fill(_ loader: ImageBatchLoader) throws -> [Float] {
            var batch = [Float](repeating: .nan, count: digests.count * loader.sampleCount)
            _ = try batch.withUnsafeMutableBufferPointer {
                try loader.fill(digests: digests, augmentations: augmentations, into: $0)
            }
            loader.flushStores()
            return batch
        }
        let decoding = try fill(try ImageBatchLoader(cache: cache, resolution: 16, threads: 1))
        let stored = try ImageBatchLoader(
            cache: cache, resolution: 16, threads: 1, decodedStoreBytes: 1 << 30, augmentedSourceSide: 64)
        let first = try fill(stored)
        #expect(try fill(stored) == first)
        #expect(stored.sourceStore?.counts.hits == 6)
        let sample = stored.sampleCount
        for index in stride(from: 0, to: digests.count, by: 2) {  // the PNGs (JPEGs decode through YCbCr planes)
            #expect(
                Array(first[(index * sample)..<((index + 1) * sample)])
                    == Array(decoding[(index * sample)..<((index + 1) * sample)]), "image \(index)")
        }
    }

    @Test("storing ahead (`distill prepare`) fills both kinds; batches then read them, with the same values")
    func storeAhead() throws {
        let root = try TemporaryDirectory()
        let (cache, digests) = try Self.images(in: root.path)
        let plain = try Self.fill(try ImageBatchLoader(cache: cache, resolution: 16, threads: 1), digests)
        let augmentations = digests.map { _ in
            Augmentation(crop: .init(x: 0.1, y: 0.2, width: 0.7, height: 0.6), flip: true)
        }
        func augmented(_ loader: ImageBatchLoader) throws -> [Float] {
            var batch = [Float](repeating: .nan, count: digests.count * loader.sampleCount)
            let failures = try batch.withUnsafeMutableBufferPointer {
                try loader.fill(digests: digests, augmentations: augmentations, into: $0)
            }
            #expect(failures.isEmpty, "\(failures)")
            return batch
        }
        let reference = try ImageBatchLoader(
            cache: cache, resolution: 16, threads: 1, decodedStoreBytes: 1 << 30, augmentedSourceSide: 24)
        let expectedAugmented = try augmented(reference)
        reference.flushStores()
        try FileManager.default.removeItem(atPath: root.path + "/decoded")

        let ahead = try ImageBatchLoader(
            cache: cache, resolution: 16, threads: 2, decodedStoreBytes: 1 << 30, augmentedSourceSide: 24)
        var seen: [Int] = []
        let inputs = try ahead.store(digests: digests + [String(repeating: "0", count: 64)], augmented: false) {
            seen.append($0)
        }
        #expect(inputs.stored == 6 && inputs.present == 0 && inputs.failed == 1, "an uncached image fails: \(inputs)")
        #expect(seen.last == 7)
        let sources = try ahead.store(digests: digests, augmented: true)
        #expect(sources.stored == 6 && sources.failed == 0)
        #expect(try ahead.store(digests: digests, augmented: false).present == 6, "stored images are skipped")

        // A run's loader reads everything and decodes nothing.
        let run = try ImageBatchLoader(
            cache: cache, resolution: 16, threads: 1, decodedStoreBytes: 1 << 30, augmentedSourceSide: 24)
        #expect(try Self.fill(run, digests) == plain)
        #expect(try augmented(run) == expectedAugmented)
        #expect(run.decodedStore?.counts.hits == 6 && run.decodedStore?.counts.writes == 0)
        #expect(run.sourceStore?.counts.hits == 6 && run.sourceStore?.counts.writes == 0)

        // A stop request ends it between chunks; a loader without a store refuses.
        #expect(throws: CancellationError.self) {
            _ = try ahead.store(digests: digests, augmented: false, shouldStop: { true })
        }
        #expect(throws: DataError.self) {
            _ = try ImageBatchLoader(cache: cache, resolution: 16, threads: 1).store(digests: digests, augmented: false)
        }
        // At the bound, the rest is counted as not stored.
        let bounded = try ImageBatchLoader(
            cache: cache, resolution: 8, threads: 1,
            decodedStoreBytes: DecodedImageStore.usage(
                dataDirectory: root.path
            ).bytes + 2 * (16 + 3 * 8 * 8))
        let counts = try bounded.store(digests: digests, augmented: false)
        #expect(counts.stored == 2 && counts.failed == 4, "\(counts)")
    }

    @Test("the source side leaves the smallest crop at least the resolution across")
    func sourceSide() {
        #expect(DecodedImageStore.sourceSide(resolution: 32, cropScale: 0.5) == 53)  // ⌈32 / √0.375⌉
        #expect(DecodedImageStore.sourceSide(resolution: 128, cropScale: 0.5) == 210)
        #expect(DecodedImageStore.sourceSide(resolution: 40, cropScale: nil) == 40, "flips only: no margin")
        #expect(DecodedImageStore.sourceSide(resolution: 4000, cropScale: 0.05) == 4096)
    }
}
