// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillEngine
import DistillModels
import Foundation

/// `distill cost`: parameters, Mult-Adds, FLOPs, memory access and an energy estimate of a MobileNet
/// student, per layer and in total; `--paper` recomputes the MobileNets paper's cost tables.
///
/// Exit codes: 0 success; 2 a bad value (architecture, alpha, resolution, classes, variant, format, or
/// `--paper` combined with a model option).
struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Print a MobileNet's parameters, Mult-Adds, FLOPs, memory access and energy estimate.",
        discussion: """
            Counts follow the MobileNets paper (arXiv 1704.04861): Mult-Adds of convolution, depthwise, \
            squeeze-excite and fully connected layers with batch norm folded and pooling ignored; parameters \
            as the paper counts them (weights only) and as stored or deployed (with biases and batch norm). \
            Energy is estimated from Horowitz's 45 nm per-operation energies (ISSCC 2014). `--architecture` \
            picks mobilenet_v1 (default), mobilenet_v2, mobilenet_v3_large or mobilenet_v3_small. `--paper` \
            prints the V1 paper's Tables 2-9 and the V2 and V3 papers' cost rows recomputed beside the \
            published numbers.
            Exit codes: 0 success, 2 bad value.
            """
    )

    @Option(
        help: "mobilenet_v1 (default), mobilenet_v2, mobilenet_v3_large or mobilenet_v3_small.")
    var architecture: String = MobileNetArchitecture.v1.rawValue

    @Option(help: "Width multiplier α: (0, 1] for V1, (0, 2] for V2 and V3; e.g. 1.0, 0.75, 0.5, 0.25.")
    var alpha: Double?

    @Option(help: "Input resolution in pixels (height = width), 32...4096, e.g. 224, 192, 160, 128.")
    var resolution: Int?

    @Option(help: "Outputs of the last layer (classes, attributes or embedding width).")
    var classes: Int = 1000

    @Option(help: "V1 body: separable (the paper's Table 1), full-convolution (Table 4) or shallow (Table 5).")
    var variant: String = MobileNetVariant.separable.rawValue

    @Option(help: "Output format: table or json.")
    var format: String = "table"

    @Flag(help: "Print the papers' cost tables (V1 Tables 2-9, V2 Table 4, V3 Table 3) beside their recomputation.")
    var paper = false

    @Flag(help: "Also measure batch-1 latency and batch-N throughput of the network on this machine.")
    var measure = false

    @Flag(help: "With --measure: also measure int8 inference (oneDNN int8 convolutions, as `export --int8` quantizes).")
    var int8 = false

    @Option(help: "With --measure: images per batch for the throughput figure.")
    var batch: Int = 32

    @Option(help: "With --measure: OpenMP threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "With --measure: timed forward passes of each kind (medians are reported).")
    var repeats: Int = 50

    func validate() throws {
        guard format == "table" || format == "json" else {
            throw ValidationError("--format \(format) is not supported; use table or json.")
        }
        guard MobileNetArchitecture(rawValue: architecture) != nil else {
            throw ValidationError(
                "--architecture \(architecture) is unknown; use one of \(MobileNetArchitecture.namesList).")
        }
        guard MobileNetVariant(rawValue: variant) != nil else {
            let names = MobileNetVariant.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--variant \(variant) is unknown; use one of \(names).")
        }
        if paper {
            guard alpha == nil, resolution == nil, classes == 1000, variant == MobileNetVariant.separable.rawValue,
                architecture == MobileNetArchitecture.v1.rawValue
            else {
                throw ValidationError(
                    "--paper prints fixed tables and takes no model options; drop --architecture, --alpha, "
                        + "--resolution, --classes and --variant, or drop --paper.")
            }
            return
        }
        if measure {
            guard batch >= 1, threads >= 1, repeats >= 1 else {
                throw ValidationError(
                    "--batch, --threads and --repeats must be at least 1 (got \(batch), \(threads), \(repeats)).")
            }
        }
        guard classes >= 1 else {
            throw ValidationError(
                "--classes \(classes) is less than 1; give the number of classes, attributes or the embedding width.")
        }
        guard alpha != nil, resolution != nil else {
            throw ValidationError(
                "give both --alpha and --resolution (e.g. --alpha 0.5 --resolution 160), or --paper.")
        }
        do {
            _ = try makeSpec()
        } catch let error as ModelsError {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        if paper {
            let tables = try CostPaperTables.tables()
            print(
                format == "json" ? try CostPaperTables.jsonText(tables) : CostPaperTables.text(tables), terminator: "")
            if format == "json" { print() }
            return
        }
        let spec = try makeSpec()
        if measure && int8 { try requireOneDNNInt8(spec) }
        let report = CostReport(spec: spec)
        let measured = measure ? try measureLatency(spec) : nil
        let measuredInt8 =
            measure && int8 ? try MobileNetBenchmark.inferInt8(spec: spec, batch: batch, repeats: repeats) : nil
        if format == "json" {
            var text = try report.jsonText()
            if let measured, let close = text.lastIndex(of: "}") {
                // One object: the report's keys plus "measured" (and "measured_int8").
                let int8Line = try measuredInt8.map { ",\n  \"measured_int8\": " + (try benchJSONLine($0)) } ?? ""
                text =
                    String(text[..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
                    + ",\n  \"measured\": " + (try benchJSONLine(measured)) + int8Line + "\n}"
            }
            print(text)
        } else {
            print(report.tableText(), terminator: "")
            if let measured {
                print("")
                print(
                    "Measured on this machine (\(measured.threads) threads, median of \(repeats) forward passes, "
                        + "batch norm folded):")
                print(String(format: "  batch 1:  %.3f ms per image", measured.batchOneMilliseconds))
                print(
                    String(
                        format: "  batch %d: %.2f ms per batch, %.3f ms per image, %.1f images/s", measured.batch,
                        measured.batchMilliseconds, measured.batchMilliseconds / Double(measured.batch),
                        measured.imagesPerSecond))
                if let measuredInt8 {
                    print(
                        String(
                            format: "  int8 batch 1:  %.3f ms per image; batch %d: %.2f ms per batch, %.1f images/s",
                            measuredInt8.batchOneMilliseconds, measuredInt8.batch, measuredInt8.batchMilliseconds,
                            measuredInt8.imagesPerSecond))
                }
            }
        }
    }

    /// Times the network's forward pass with the engine (batch norm folded, as deployed).
    private func measureLatency(_ spec: MobileNetSpec) throws -> InferenceBenchmarkResult {
        try ComputeContext.setThreadCount(threads)
        return try MobileNetBenchmark.infer(spec: spec, batch: batch, repeats: repeats)
    }

    private func makeSpec() throws -> MobileNetSpec {
        try MobileNetSpec(
            alpha: alpha ?? 1, resolution: resolution ?? 224, outputs: classes,
            variant: MobileNetVariant(rawValue: variant) ?? .separable,
            architecture: MobileNetArchitecture(rawValue: architecture) ?? .v1)
    }
}
