// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillModels
import Foundation

/// `distill bench infer`: batch-1 latency and batch-N throughput of inference forward passes.
struct BenchInferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Time MobileNet inference (batch-1 latency and batch-N throughput) on this machine.",
        discussion: """
            Batch norm is folded into the convolutions (one oneDNN primitive per layer). Medians over --repeats
            forward passes; the last line is one JSON object. --int8 also times the int8 network (post-training \
            quantization as `distill export --int8` does it, calibrated here on random images; oneDNN int8 \
            convolutions; the timed call includes quantizing the input and the integer pool and classifier) \
            beside float32, same α, resolution and threads.
            """
    )

    @OptionGroup var network: BenchNetworkOptions

    @Option(help: "Timed forward passes of each kind (after 3 warm-up passes).")
    var repeats: Int = 50

    @Flag(help: "Also time int8 inference (oneDNN int8 convolutions) beside float32.")
    var int8 = false

    @Flag(help: "Print float32 time per layer kind at batch 1 and batch N (from further, profiled passes).")
    var profile = false

    @Option(
        help: ArgumentHelp(
            "Run batch N as this many single-threaded streams over slices of the batch, all at once; 0 runs it as "
                + "one pass using every thread.",
            discussion: "Default: one stream per thread when the batch has at least as many images, else 0."))
    var streams: Int?

    @Option(help: "Images each stream's network takes at a time (with streams).")
    var imagesPerPass: Int = 1

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats \(repeats) must be at least 1.") }
        if let streams, streams < 0 || streams > network.batch {
            throw ValidationError("--streams \(streams) must be between 0 and the batch size \(network.batch).")
        }
        // The upper bound (a stream's slice of the batch) is MobileNetInference's to check.
        guard imagesPerPass >= 1 else {
            throw ValidationError("--images-per-pass \(imagesPerPass) must be at least 1.")
        }
    }

    func run() async throws {
        let spec = try network.prepare()
        if int8 { try requireOneDNNInt8(spec) }
        let result = try MobileNetBenchmark.infer(
            spec: spec, batch: network.batch, options: network.options, repeats: repeats, profile: profile,
            streams: streams, imagesPerPass: imagesPerPass)
        print(
            "\(network.title(alpha: result.alpha, resolution: result.resolution)), "
                + "\(result.threads) threads, \(repeats) passes each")
        print(String(format: "  batch 1: %.3f ms median latency", result.batchOneMilliseconds))
        print(
            String(
                format: "  batch %d: %.2f ms per batch, %.1f images/s (%@)", result.batch,
                result.batchMilliseconds, result.imagesPerSecond, result.arrangement))
        for (label, table) in [("batch 1", result.profileBatchOne), ("batch \(result.batch)", result.profileBatch)] {
            guard let table else { continue }
            let total = table.values.reduce(0, +)
            print("  time per \(label) pass by layer kind (profiled: each layer waited for):")
            for (kind, milliseconds) in table.sorted(by: { $0.value > $1.value }) {
                let name = kind.padding(toLength: 16, withPad: " ", startingAt: 0)
                print(
                    "    " + name
                        + String(format: "%8.3f ms  %5.1f%%", milliseconds, milliseconds / max(total, 1e-12) * 100))
            }
        }
        guard int8 else {
            try print(benchJSONLine(result))
            return
        }
        let quantized = try MobileNetBenchmark.inferInt8(
            spec: spec, batch: network.batch, options: network.options, repeats: repeats)
        print(
            String(
                format: "  int8 batch 1: %.3f ms median latency (%.2fx float32)", quantized.batchOneMilliseconds,
                result.batchOneMilliseconds / quantized.batchOneMilliseconds))
        print(
            String(
                format: "  int8 batch %d: %.2f ms per batch, %.1f images/s", quantized.batch,
                quantized.batchMilliseconds, quantized.imagesPerSecond))
        try print(benchJSONLine(Int8Comparison(float32: result, int8: quantized)))
    }

    /// The JSON line of `--int8`.
    struct Int8Comparison: Encodable {
        var float32: InferenceBenchmarkResult
        var int8: InferenceBenchmarkResult
    }
}

/// Refuses `--int8` timing for a family oneDNN's int8 network does not run yet (before anything is timed).
/// - Parameter spec: The student to time.
/// - Throws: `ValidationError` (exit 2) naming the architecture and what to do instead.
func requireOneDNNInt8(_ spec: MobileNetSpec) throws {
    guard spec.architecture != .v1 else { return }
    throw ValidationError(
        "--int8 times oneDNN's int8 network, which runs mobilenet_v1 only so far; "
            + "\(spec.architecture.rawValue) students quantize and export to int8 (`distill export --int8`) "
            + "but have no oneDNN int8 path to time. Drop --int8, or time the exported file in its runtime.")
}
