// Copyright 2026 The Distill authors.
// Running exported models in the real runtimes (onnxruntime, LiteRT) from the tests: the Python environment
// scripts/runtimes-venv.sh builds under .build/venvs/runtimes and Tests/Fixtures/run_exported.py. Checking only;
// the product never runs Python.

import DistillData
import DistillModels
import DistillService
import DistillStore
import DistillTestSupport
import Foundation
import Testing

enum ExportRuntimes {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var python: String { root.appendingPathComponent(".build/venvs/runtimes/bin/python").path }
    static var script: String { root.appendingPathComponent("Tests/Fixtures/run_exported.py").path }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `model` on `images` ((N, 3, R, R) floats) in its runtime; returns (N, D) outputs and the JSON line.
    static func run(
        model: String, images: [Float], count: Int, resolution: Int, in directory: URL, extra: [String] = []
    )
        throws -> (outputs: [Float], info: [String: Any])
    {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(
                description: "No runtime environment at \(python); run `./scripts/runtimes-venv.sh` (or `make test`, "
                    + "which does) to install onnxruntime and ai-edge-litert from PyPI.")
        }
        let inputs = directory.appendingPathComponent("inputs-\(UUID().uuidString).f32")
        let outputs = directory.appendingPathComponent("outputs-\(UUID().uuidString).f32")
        try images.withUnsafeBytes { Data($0) }.write(to: inputs)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, model, inputs.path, outputs.path, "\(count)", "\(resolution)"] + extra
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "run_exported.py failed on \(model) (status \(process.terminationStatus)): "
                    + String(decoding: stderr, as: UTF8.self))
        }
        let data = try Data(contentsOf: outputs)
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let line = String(decoding: stdout, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "{}"
        let info = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        return (values, info)
    }

    /// The first `count` images of a `distill dataset` export, preprocessed as Distill trains: (N, 3, R, R).
    static func images(directory: URL, folder: String, count: Int, resolution: Int) throws -> [Float] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path)
            .filter { $0.hasSuffix(".png") }.sorted().prefix(count)
        let preprocessor = try ImagePreprocessor(resolution: resolution)
        let sample = 3 * resolution * resolution
        var values = [Float](repeating: 0, count: files.count * sample)
        for (index, file) in files.enumerated() {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(folder).appendingPathComponent(file))
            try values.withUnsafeMutableBufferPointer { all in
                try bytes.withUnsafeBytes { raw in
                    try preprocessor.process(
                        raw, into: UnsafeMutableBufferPointer(rebasing: all[(index * sample)..<((index + 1) * sample)]))
                }
            }
        }
        return values
    }

    /// Distill's own fp32 outputs (batch norm folded, oneDNN) for a run of the sandbox's database.
    static func distillOutputs(sandbox: Sandbox, run: String, images: [Float], count: Int) throws -> [Float] {
        let store = try Store(location: StoreLocation(database: sandbox.database))
        let student = try TrainedStudent.load(reference: run, store: store)
        let inference = try MobileNetInference(folding: student.network, batch: count)
        return try inference.predict(images: images)
    }

    /// Distill's own int8 outputs (the int8 reference, calibrated as `distill export --int8` calibrates) and the
    /// output quantization step, plus the fp32 outputs, for (N, 3, R, R) images.
    static func distillInt8Outputs(sandbox: Sandbox, run: String, images: [Float], count: Int) throws
        -> (int8: [Float], step: Float, float32: [Float])
    {
        let store = try Store(location: StoreLocation(database: sandbox.database))
        let student = try TrainedStudent.load(reference: run, store: store)
        let quantized = try student.quantized(store: store)
        let sample = images.count / count
        var int8: [Float] = []
        var float32: [Float] = []
        for index in 0..<count {
            let image = Array(images[(index * sample)..<((index + 1) * sample)])
            int8 += quantized.predict(image: image)
            float32 += quantized.folded.referenceForward(image: image)
        }
        return (int8, quantized.output.scale, float32)
    }

    /// The fraction of rows whose largest value sits at the same index.
    static func topOneAgreement(_ a: [Float], _ b: [Float], width: Int) -> Double {
        let rows = b.count / width
        var same = 0
        for row in 0..<rows {
            let range = (row * width)..<((row + 1) * width)
            let first = range.max { a[$0] < a[$1] }
            let second = range.max { b[$0] < b[$1] }
            if first == second { same += 1 }
        }
        return Double(same) / Double(max(rows, 1))
    }

    /// The largest |a − b| relative to the largest |b| of the same row (output vector).
    static func maximumRelativeError(_ a: [Float], _ b: [Float], width: Int) -> Double {
        var worst = 0.0
        for row in 0..<(b.count / width) {
            let range = (row * width)..<((row + 1) * width)
            let scale = max(Double(b[range].lazy.map { abs($0) }.largest() ?? 0), 1e-6)
            for index in range {
                let error = Double(abs(a[index] - b[index])) / scale
                if error.isNaN { return .nan }  // Swift's max would skip it
                worst = max(worst, error)
            }
        }
        return worst
    }
}
