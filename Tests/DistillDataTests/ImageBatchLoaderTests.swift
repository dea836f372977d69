// Copyright 2026 The Distill authors.

import DistillData
import DistillTestSupport
import Testing

@Suite("Batch loading from the cache")
struct ImageBatchLoaderTests {
    @Test("a batch equals the samples preprocessed one by one; a broken one is zeros and reported")
    func batchMatchesSingles() throws {
        let root = try TemporaryDirectory()
        let cache = try ImageCache(dataDirectory: root.path)
        let jpegCodec = try JPEGCodec()
        var files: [[UInt8]] = []
        for index in 0..<7 {
            let image = try TestImages.randomRGB(width: 20 + index * 9, height: 30 + index * 5, seed: UInt64(index))
            files.append(
                index % 2 == 0
                    ? try PNGCodec.encode(
                        samples: image.pixels, width: image.width, height: image.height, colorType: .truecolor)
                    : try jpegCodec.encode(image, quality: 85))
        }
        files.append(Array("<html>not an image</html>".utf8))
        var digests = try files.map { try cache.store($0) }
        digests.append(String(repeating: "0", count: 64))  // not in the cache
        let loader = try ImageBatchLoader(cache: cache, resolution: 24, threads: 3)
        var batch = [Float](repeating: .nan, count: digests.count * loader.sampleCount)
        #expect(loader.fillCPUSeconds == 0)
        let failures = try batch.withUnsafeMutableBufferPointer { try loader.fill(digests: digests, into: $0) }
        // The worker threads' CPU time is counted, and adds up over fills.
        let firstFill = loader.fillCPUSeconds
        #expect(firstFill > 0)
        _ = try batch.withUnsafeMutableBufferPointer { try loader.fill(digests: digests, into: $0) }
        #expect(loader.fillCPUSeconds > firstFill)
        #expect(Set(failures.keys) == [7, 8])
        #expect(failures[7]?.code == .unsupportedFormat)
        #expect(failures[8]?.code == .io)
        let single = try ImagePreprocessor(resolution: 24)
        for index in 0..<7 {
            let expected = try single.tensor(files[index])
            #expect(Array(batch[(index * loader.sampleCount)..<((index + 1) * loader.sampleCount)]) == expected)
        }
        #expect(batch[(7 * loader.sampleCount)...].allSatisfy { $0 == 0 })
    }

    @Test("a destination too small for the batch is refused")
    func shortDestination() throws {
        let root = try TemporaryDirectory()
        let loader = try ImageBatchLoader(cache: try ImageCache(dataDirectory: root.path), resolution: 8, threads: 1)
        var batch = [Float](repeating: 0, count: 10)
        #expect(throws: DataError.self) {
            _ = try batch.withUnsafeMutableBufferPointer { try loader.fill(digests: ["a", "b"], into: $0) }
        }
    }

    @Test("prefetched batches equal batches filled directly, and a prefetch of other images is not used")
    func prefetchedBatchesMatch() throws {
        let root = try TemporaryDirectory()
        let cache = try ImageCache(dataDirectory: root.path)
        let digests = try (0..<12).map { index in
            let image = try TestImages.randomRGB(width: 18 + index, height: 22, seed: UInt64(100 + index))
            return try cache.store(
                try PNGCodec.encode(
                    samples: image.pixels, width: image.width, height: image.height, colorType: .truecolor))
        }
        let loader = try ImageBatchLoader(cache: cache, resolution: 16, threads: 2)
        // A loader of its own for the reference: one loader decodes one batch at a time.
        let reference = try ImageBatchLoader(cache: cache, resolution: 16, threads: 2)
        func direct(_ chosen: [String]) throws -> [Float] {
            var batch = [Float](repeating: .nan, count: chosen.count * loader.sampleCount)
            _ = try batch.withUnsafeMutableBufferPointer { try reference.fill(digests: chosen, into: $0) }
            return batch
        }
        let batches = ImageBatchPrefetcher(loader: loader, batch: 4)
        let plan = [Array(digests[0..<4]), Array(digests[4..<8]), Array(digests[8..<12]), Array(digests[2..<6])]
        for (index, chosen) in plan.enumerated() {
            #expect(try batches.load(chosen).isEmpty)
            // Prefetch the planned next batch, except before the last: there a batch that is not asked for.
            if index + 1 < plan.count - 1 {
                batches.prefetch(plan[index + 1])
            } else if index + 1 == plan.count - 1 {
                batches.prefetch(Array(digests[0..<4]))
            }
            #expect(Array(batches.current) == (try direct(chosen)), "batch \(index)")
        }
    }
}
