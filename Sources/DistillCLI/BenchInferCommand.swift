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
            forward passes; the last line is one JSON object.
            """
    )

    @OptionGroup var network: BenchNetworkOptions

    @Option(help: "Timed forward passes of each kind (after 3 warm-up passes).")
    var repeats: Int = 50

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats \(repeats) must be at least 1.") }
    }

    func run() async throws {
        let spec = try network.prepare()
        let result = try MobileNetBenchmark.infer(
            spec: spec, batch: network.batch, options: network.options, repeats: repeats)
        print(
            "MobileNet \(network.variant) α\(result.alpha)/\(result.resolution) \(network.activation), "
                + "\(result.threads) threads, \(repeats) passes each")
        print(String(format: "  batch 1: %.3f ms median latency", result.batchOneMilliseconds))
        print(
            String(
                format: "  batch %d: %.2f ms per batch, %.1f images/s", result.batch, result.batchMilliseconds,
                result.imagesPerSecond))
        try print(benchJSONLine(result))
    }
}
