// Copyright 2026 The Distill authors.

import DistillData
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
        let failures = try batch.withUnsafeMutableBufferPointer { try loader.fill(digests: digests, into: $0) }
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
}
