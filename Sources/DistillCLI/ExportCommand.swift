// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillExport
import DistillService
import Foundation

extension ExportFormat: ExpressibleByArgument {}

extension ExportError: UserFacingError {
    var isUsersToFix: Bool { code == .invalidArgument }
}

/// `distill export RUN --format onnx|tflite`: writes a finished student as a deployable model file.
///
/// Exit codes: 0 written; 1 the file cannot be written or serialisation failed; 2 an unknown or unfinished run.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a finished student as an ONNX or TensorFlow Lite model (batch norm folded).",
        discussion: """
            RUN is JOB/run-name (JOB a job id or name, e.g. 3/alpha0.25-res128; see `distill show JOB`) or a \
            run id. The student is read from the run's last checkpoint; batch norm is folded into the \
            convolutions. ONNX: input "input" (N, 3, R, R) float32, any N. TensorFlow Lite: input "input" \
            (1, R, R, 3) float32 (NHWC). Input values are (pixel − 127.5) / 127.5 for RGB pixels 0…255 of the \
            centred square crop resized to R×R. The output is named "logits", "attribute_logits" or "embedding" \
            after the teacher's kind. The preprocessing, output kind and names are recorded in the file's \
            metadata (key "distill", JSON). --int8 writes an ONNX QDQ model (float input and output) or a \
            full-integer TensorFlow Lite model (int8 input and output; their scales and zero points are in the \
            tensors and the metadata). See README.md, "Deploy".
            Examples: distill export 3/alpha0.25-res128 --format onnx
                      distill export fashion/alpha0.5-res160 --format tflite --out student.tflite --json
                      distill export 3/alpha0.25-res128 --format tflite --int8
            Exit codes: 0 written, 1 write or serialisation failure, 2 unknown or unfinished run, bad options.
            """)

    @Argument(help: "The run: JOB/run-name (JOB a job id or name) or a run id.")
    var run: String

    @Option(help: "onnx or tflite.")
    var format: ExportFormat

    @Flag(
        help: """
            Quantize to int8 (weights per output channel, activations per tensor, calibrated on the run's \
            training images): an ONNX QDQ model or a full-integer TensorFlow Lite model.
            """)
    var int8 = false

    @Option(help: "With --int8: training images that calibrate the activation ranges.")
    var calibrationImages: Int = TrainedStudent.calibrationImageCount

    @Option(help: "The file to write (default: JOBNAME-RUNNAME[-int8].onnx or .tflite in the current directory).")
    var out: String?

    @Flag(help: "Print what was written as JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if let out, out.isEmpty { throw ValidationError("--out is empty; give a file name or leave it out.") }
        if !(1...100_000).contains(calibrationImages) {
            throw ValidationError(
                "--calibration-images \(calibrationImages) is outside 1…100000; a few hundred is usual.")
        }
    }

    func run() async throws {
        let database = try store.open()
        let student = try TrainedStudent.load(reference: run, store: database)
        let path = out ?? StudentExporter.defaultPath(student, format: format, int8: int8)
        let quantized = int8 ? try student.quantized(calibrationCount: calibrationImages, store: database) : nil
        let summary = try StudentExporter.export(student, format: format, quantized: quantized, to: path)
        if json {
            print(try Output.json(summary))
        } else {
            print(
                "wrote \(summary.path): \(summary.format.rawValue) \(summary.precision), \(summary.bytes) bytes, "
                    + "input \(summary.inputShape.map { $0 < 0 ? "N" : "\($0)" }.joined(separator: "x")), "
                    + "output \(summary.outputName)")
        }
    }
}
