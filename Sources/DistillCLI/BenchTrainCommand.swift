// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillEngine
import DistillModels
import Foundation

/// One line of key-sorted, snake_case JSON: the last line of every benchmark.
func benchJSONLine(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Options shared by `bench train` and `bench infer`.
struct BenchNetworkOptions: ParsableArguments {
    @Option(help: "mobilenet_v1 (default), mobilenet_v2, mobilenet_v3_large or mobilenet_v3_small.")
    var architecture: String = MobileNetArchitecture.v1.rawValue

    @Option(help: "Width multiplier α: (0, 1] for V1, (0, 2] for V2 and V3.")
    var alpha: Double = 0.25

    @Option(help: "Input resolution (height = width), 32 or more.")
    var resolution: Int = 128

    @Option(help: "Images per batch.")
    var batch: Int = 32

    @Option(help: "OpenMP threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output width (classes of the random soft targets).")
    var outputs: Int = 1000

    @Option(help: "V1 body: separable (Table 1), full-convolution (Table 4) or shallow (Table 5).")
    var variant: String = MobileNetVariant.separable.rawValue

    @Option(help: "V1's activation after each batch norm: relu or relu6 (V2 and V3 fix their own).")
    var activation: String = Activation.relu.rawValue

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch \(batch) must be at least 1.") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) must be at least 1.") }
        guard MobileNetArchitecture(rawValue: architecture) != nil else {
            throw ValidationError(
                "--architecture \(architecture) is unknown; use one of \(MobileNetArchitecture.namesList).")
        }
        guard MobileNetVariant(rawValue: variant) != nil else {
            let names = MobileNetVariant.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--variant \(variant) is unknown; use one of \(names).")
        }
        guard activation == Activation.relu.rawValue || activation == Activation.relu6.rawValue else {
            throw ValidationError("--activation \(activation) is unknown; use relu or relu6.")
        }
    }

    /// "MobileNet separable α0.25/128 relu" for V1, "MobileNet V3-Small α1.0/224" for the others.
    func title(alpha: Double, resolution: Int) -> String {
        let family = MobileNetArchitecture(rawValue: architecture) ?? .v1
        return family == .v1
            ? "MobileNet \(variant) α\(alpha)/\(resolution) \(activation)"
            : "MobileNet \(family.shortName) α\(alpha)/\(resolution)"
    }

    /// The build options the flags select.
    var options: MobileNetOptions {
        MobileNetOptions(activation: Activation(rawValue: activation) ?? .relu)
    }

    /// Sets the thread count and builds the spec.
    func prepare() throws -> MobileNetSpec {
        try ComputeContext.setThreadCount(threads)
        return try MobileNetSpec(
            alpha: alpha, resolution: resolution, outputs: outputs,
            variant: MobileNetVariant(rawValue: variant) ?? .separable,
            architecture: MobileNetArchitecture(rawValue: architecture) ?? .v1)
    }
}

/// `distill bench train`: times full knowledge-distillation training steps.
struct BenchTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time MobileNet knowledge-distillation training steps on this machine.",
        discussion: """
            A step is forward, softmax KD loss (T = 4) against random soft targets, backward and an
            SGD-momentum update. Prints images/s, ms/step (median), achieved GFLOP/s (3x forward FLOPs per
            image) and the share of this machine's measured GEMM peak; the last line is one JSON object.
            """
    )

    @OptionGroup var network: BenchNetworkOptions

    @Option(help: "Timed steps (after 3 warm-up steps).")
    var steps: Int = 20

    @Flag(help: "Print time per layer kind.")
    var profile = false

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps \(steps) must be at least 1.") }
    }

    func run() async throws {
        let spec = try network.prepare()
        let result = try MobileNetBenchmark.train(
            spec: spec, batch: network.batch, options: network.options, steps: steps, profile: profile)
        print(
            "\(network.title(alpha: result.alpha, resolution: result.resolution)), batch \(result.batch), \(result.threads) threads, "
                + "\(result.steps) steps")
        print(String(format: "  %.1f images/s, %.2f ms/step", result.imagesPerSecond, result.millisecondsPerStep))
        print(
            String(
                format:
                    "  %.1f GFLOP/s achieved (%.1f MFLOP forward per image x3), %.0f%% of the %.0f GFLOP/s GEMM peak",
                result.achievedGFLOPs, result.forwardFLOPsPerImage / 1e6, result.shareOfPeak * 100,
                result.gemmPeakGFLOPs))
        if let profile = result.profile {
            let total = profile.values.reduce(0, +)
            print("  time per step by layer kind:")
            // As wide as the longest kind ("batchnorm+hard_swish"), so no name is cut.
            let width = max(16, profile.keys.map(\.count).max() ?? 0)
            for (kind, milliseconds) in profile.sorted(by: { $0.value > $1.value }) {
                let label = kind.padding(toLength: width, withPad: " ", startingAt: 0)
                print("    " + label + String(format: "%8.2f ms  %5.1f%%", milliseconds, milliseconds / total * 100))
            }
        }
        try print(benchJSONLine(result))
    }
}
