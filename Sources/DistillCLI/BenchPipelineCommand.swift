// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillData
import DistillEngine
import DistillModels
import Foundation

/// `distill bench pipeline`: the input pipeline's stages on a directory of images, beside `bench train`.
struct BenchPipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract:
            "Measure the input pipeline (decode, decoded-image store write and read, batch assembly) beside training.",
        discussion: """
            Copies up to --count JPEG and PNG files of --images into a temporary image cache, then times, on \
            --threads threads, each stage a run's batches go through (images/s):
              decode: read the cached file, decode (DCT-scaled for JPEG), crop, resize, round to bytes, \
            normalise into a batch: every epoch without a store, the first epoch with one;
              store write: decode and write the (3, R, R) bytes to the decoded-image store (`distill prepare`);
              store read: read the bytes back and normalise them into a batch: every later epoch;
              sources write / augmented read: the same for augmented training (source images of side S \
            for --crop-scale, random crops and flips cut from them);
            and `bench train` for the same student (α, resolution, batch, threads, --outputs classes). The \
            pipeline runs beside the engine on the same cores, so a stage costs a run about training / stage \
            of its time: the store's read path is the one that must be far above training.
            Example: distill bench pipeline --images photos --resolution 128 --alpha 0.25
            The temporary cache is deleted afterwards; the last line is one JSON object.
            """)

    @Option(help: "A directory of JPEG and PNG files (e.g. from `distill dataset photos`).")
    var images: String

    @Option(help: "Images used (the first, by name).")
    var count = 1500

    @Option(help: "Random-resized-crop scale whose source side is measured (0.05…1).")
    var cropScale = 0.5

    @Option(help: "Timed training steps (after 3 warm-up steps).")
    var steps = 20

    @OptionGroup var network: BenchNetworkOptions

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count \(count) must be at least 1.") }
        guard (0.05...1).contains(cropScale) else {
            throw ValidationError("--crop-scale \(cropScale) is outside 0.05…1.")
        }
        guard steps >= 1 else { throw ValidationError("--steps \(steps) must be at least 1.") }
        guard (1...4096).contains(network.resolution) else {
            throw ValidationError("--resolution \(network.resolution) is outside 1…4096.")
        }
    }

    /// The figures, in images per second.
    struct Result: Codable {
        var images: Int
        var megabytes: Double
        var resolution: Int
        var alpha: Double
        var threads: Int
        var sourceSide: Int
        var decode: Double
        var storeWrite: Double
        var storeRead: Double
        var sourcesWrite: Double
        var augmentedRead: Double
        var train: Double
    }

    func run() async throws {
        let names = try Self.imageFiles(in: images).prefix(count)
        guard !names.isEmpty else {
            throw ValidationError(
                "--images \(images) holds no .jpg, .jpeg or .png files; make some with `distill dataset photos --out DIR`."
            )
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "distill-bench-pipeline-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let cache = try ImageCache(dataDirectory: temporary)
        var bytes = 0
        var digests: [String] = []
        for name in names {
            let data = try Data(contentsOf: URL(fileURLWithPath: images).appendingPathComponent(name))
            bytes += data.count
            digests.append(try cache.store([UInt8](data)))
        }
        let threads = network.threads
        let resolution = network.resolution
        let side = DecodedImageStore.sourceSide(resolution: resolution, cropScale: cropScale)
        print(
            "\(digests.count) images, " + String(format: "%.1f MB", Double(bytes) / 1e6)
                + " (\(images)); \(resolution)x\(resolution), \(threads) threads, batch \(network.batch)")

        let batch = network.batch
        func timed(_ body: () throws -> Void) throws -> Double {
            let start = Date()
            try body()
            return Double(digests.count) / max(1e-9, Date().timeIntervalSince(start))
        }
        func batches(_ loader: ImageBatchLoader, augmented: Bool) throws {
            var buffer = [Float](repeating: 0, count: batch * loader.sampleCount)
            var generator = SystemRandomNumberGenerator()
            var failed = 0
            for start in stride(from: 0, to: digests.count, by: batch) {
                let part = Array(digests[start..<min(digests.count, start + batch)])
                let augmentations =
                    augmented
                    ? part.map { _ in
                        Augmentation.random(crop: true, flip: true, minimumScale: cropScale) {
                            Double.random(in: 0..<1, using: &generator)
                        }
                    } : nil
                failed += try buffer.withUnsafeMutableBufferPointer {
                    try loader.fill(digests: part, augmentations: augmentations, into: $0).count
                }
            }
            if failed > 0 { print("  (\(failed) images failed to decode and were left out)") }
        }
        let plain = try ImageBatchLoader(cache: cache, resolution: resolution, threads: threads)
        let stored = try ImageBatchLoader(
            cache: cache, resolution: resolution, threads: threads, decodedStoreBytes: Int64.max / 2,
            augmentedSourceSide: side)
        let decode = try timed { try batches(plain, augmented: false) }
        let storeWrite = try timed { _ = try stored.store(digests: digests, augmented: false) }
        let storeRead = try timed { try batches(stored, augmented: false) }
        let sourcesWrite = try timed { _ = try stored.store(digests: digests, augmented: true) }
        let augmentedRead = try timed { try batches(stored, augmented: true) }
        let spec = try network.prepare()
        let train = try MobileNetBenchmark.train(
            spec: spec, batch: batch, options: network.options, steps: steps, profile: false
        ).imagesPerSecond
        func line(_ label: String, _ rate: Double) -> String {
            label.padding(toLength: 40, withPad: " ", startingAt: 0)
                + String(format: "%8.0f images/s  %5.2f× training", rate, rate / train)
        }
        print(line("decode (no store; a store's 1st epoch)", decode))
        print(line("store write (`distill prepare`)", storeWrite))
        print(line("store read (later epochs)", storeRead))
        print(line("sources write, side \(side)", sourcesWrite))
        print(line("augmented read (crops of sources)", augmentedRead))
        print(
            "bench train α\(network.alpha)/\(resolution), batch \(batch):".padding(
                toLength: 40, withPad: " ", startingAt: 0) + String(format: "%8.0f images/s", train))
        try print(
            benchJSONLine(
                Result(
                    images: digests.count, megabytes: Double(bytes) / 1e6, resolution: resolution, alpha: network.alpha,
                    threads: threads, sourceSide: side, decode: decode, storeWrite: storeWrite, storeRead: storeRead,
                    sourcesWrite: sourcesWrite, augmentedRead: augmentedRead, train: train)))
    }

    /// JPEG and PNG file names in a directory, sorted.
    static func imageFiles(in directory: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ValidationError("--images \(directory) cannot be read: \(error.localizedDescription)")
        }
        return names.filter { name in
            let lower = name.lowercased()
            return lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") || lower.hasSuffix(".png")
        }.sorted()
    }
}
