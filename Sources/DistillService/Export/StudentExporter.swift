// Copyright 2026 The Distill authors.
// `distill export`: a trained student folded and written as an ONNX or TensorFlow Lite file.

import DistillExport
import DistillModels
import DistillStore
import Foundation

/// The file formats `distill export` writes.
public enum ExportFormat: String, Sendable, Codable, CaseIterable {
    /// ONNX (protobuf), input (N, 3, R, R).
    case onnx
    /// TensorFlow Lite (FlatBuffers), input (1, R, R, 3).
    case tflite

    /// The usual file extension.
    public var fileExtension: String { rawValue }
}

/// What an export wrote.
public struct ExportSummary: Sendable, Codable, Equatable {
    /// The run, `JOB/run-name`.
    public var run: String
    /// The format.
    public var format: ExportFormat
    /// "float32" or "int8".
    public var precision: String
    /// The file written.
    public var path: String
    /// Its size in bytes.
    public var bytes: Int
    /// The input tensor's shape (-1: any batch size).
    public var inputShape: [Int]
    /// The output tensor's name.
    public var outputName: String
}

/// Writes trained students as deployable files.
public enum StudentExporter {
    /// The file's bytes for a student in a format.
    /// - Parameters:
    ///   - student: The trained student.
    ///   - format: ONNX or TensorFlow Lite.
    /// - Returns: The bytes and the metadata recorded in them.
    /// - Throws: `ExportError` if serialisation fails; `ModelsError` if the network cannot be folded.
    public static func serialize(_ student: TrainedStudent, format: ExportFormat) throws -> (Data, ExportMetadata) {
        let folded = try FoldedMobileNet(network: student.network)
        var metadata = student.exportMetadata()
        metadata.precision = "float32"
        switch format {
        case .onnx: return (try ONNXExporter.float32Model(folded, metadata: metadata), metadata)
        case .tflite: return (try TFLiteExporter.float32Model(folded, metadata: metadata), metadata)
        }
    }

    /// The file's bytes for a student quantized to int8.
    /// - Parameters:
    ///   - network: The quantized student (see `TrainedStudent.quantized(calibrationCount:store:)`).
    ///   - student: The trained student, for the metadata.
    ///   - format: ONNX (QDQ) or TensorFlow Lite (full integer).
    /// - Returns: The bytes and the metadata recorded in them.
    /// - Throws: `ExportError` if serialisation fails.
    public static func serialize(_ network: QuantizedMobileNet, of student: TrainedStudent, format: ExportFormat)
        throws -> (Data, ExportMetadata)
    {
        var metadata = student.exportMetadata()
        metadata.precision = "int8"
        switch format {
        case .onnx: return (try ONNXExporter.int8Model(network, metadata: metadata), metadata)
        case .tflite: return (try TFLiteExporter.int8Model(network, metadata: metadata), metadata)
        }
    }

    /// Writes a student to a file.
    /// - Parameters:
    ///   - student: The trained student.
    ///   - format: ONNX or TensorFlow Lite.
    ///   - quantized: The student quantized to int8, to write an int8 model; nil for float32.
    ///   - path: The file to write (replaced atomically if it exists).
    /// - Returns: What was written.
    /// - Throws: `ServiceError.io` naming the path when it cannot be written; serialisation errors.
    public static func export(
        _ student: TrainedStudent, format: ExportFormat, quantized: QuantizedMobileNet? = nil, to path: String
    ) throws -> ExportSummary {
        let (data, metadata) =
            try quantized.map { try serialize($0, of: student, format: format) }
            ?? serialize(student, format: format)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ServiceError(
                .io, "Cannot write \(path): \(error.localizedDescription); choose another --out or check the directory."
            )
        }
        let resolution = student.run.resolution
        return ExportSummary(
            run: student.reference, format: format, precision: metadata.precision, path: path, bytes: data.count,
            inputShape: format == .onnx ? [-1, 3, resolution, resolution] : [1, resolution, resolution, 3],
            outputName: metadata.outputName)
    }

    /// The default file name: `JOBNAME-RUNNAME.EXT` (`-int8` before the extension for int8).
    public static func defaultPath(_ student: TrainedStudent, format: ExportFormat, int8: Bool = false) -> String {
        let safe = { (text: String) in
            String(text.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "-" })
        }
        return "\(safe(student.job.name))-\(safe(student.run.name))\(int8 ? "-int8" : "").\(format.fileExtension)"
    }
}
