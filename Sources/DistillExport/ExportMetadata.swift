// Copyright 2026 The Distill authors.
// What an exported model records about itself, so that a device can feed it and read it without Distill:
// the input layout and preprocessing, what the output is, its names, the architecture and where it came
// from. Written as one JSON object (key "distill") into ONNX metadata_props and TFLite metadata, and the
// main fields again as separate ONNX keys.

import DistillModels
import Foundation

/// The self-description stored inside an exported model.
public struct ExportMetadata: Sendable, Codable, Equatable {
    /// "logits", "attributes" or "embedding": what the output vector is.
    public var outputKind: String
    /// The output tensor's name: "logits", "attribute_logits" or "embedding".
    public var outputName: String
    /// One name per output value when known (class, attribute names), else empty.
    public var outputNames: [String]
    /// "NCHW" (ONNX) or "NHWC" (TFLite); set by the exporter.
    public var inputLayout: String
    /// Input height = width in pixels.
    public var resolution: Int
    /// Per-channel (R, G, B) value subtracted from 0…255 pixels.
    public var mean: [Float]
    /// Per-channel (R, G, B) divisor applied after the mean: input = (pixel − mean) / std.
    public var standardDeviation: [Float]
    /// How the image is cropped and resized before normalisation.
    public var resize: String
    /// The width multiplier α.
    public var alpha: Double
    /// "separable", "shallow" or "full-convolution".
    public var variant: String
    /// "relu" or "relu6".
    public var activation: String
    /// "float32" or "int8"; set by the exporter.
    public var precision: String
    /// "JOB/run-name" of the run the weights come from.
    public var run: String
    /// The teacher the student was distilled from.
    public var teacher: String
    /// "distill 0.1.0".
    public var producer: String
    /// The student family: "mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large" or "mobilenet_v3_small".
    public var architecture = "mobilenet_v1"
    /// int8 models: the input tensor's quantization (a device quantizes q = round(x / scale) + zero point).
    public var inputQuantization: ActivationQuantization?
    /// int8 models: the output tensor's quantization (x = scale · (q − zero point)).
    public var outputQuantization: ActivationQuantization?
    /// int8 models: how many training images calibrated the activation ranges.
    public var calibrationImages: Int?

    /// Creates metadata (layout and precision are filled in by the exporter).
    /// - Parameters:
    ///   - outputKind: "logits", "attributes" or "embedding".
    ///   - outputNames: Names per output value, or empty.
    ///   - resolution: The input size.
    ///   - mean: Three per-channel means in pixel units.
    ///   - standardDeviation: Three per-channel deviations in pixel units.
    ///   - alpha: The width multiplier.
    ///   - variant: The body variant.
    ///   - activation: The activation.
    ///   - run: "JOB/run-name".
    ///   - teacher: The teacher's name.
    public init(
        outputKind: String, outputNames: [String], resolution: Int, mean: [Float], standardDeviation: [Float],
        alpha: Double, variant: String, activation: String, run: String, teacher: String
    ) {
        self.outputKind = outputKind
        self.outputName =
            switch outputKind {
            case "attributes": "attribute_logits"
            case "embedding": "embedding"
            default: "logits"
            }
        self.outputNames = outputNames
        self.inputLayout = "NCHW"
        self.resolution = resolution
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.resize = "decode to RGB, crop the centred square, resize to \(resolution)x\(resolution)"
        self.alpha = alpha
        self.variant = variant
        self.activation = activation
        self.precision = "float32"
        self.run = run
        self.teacher = teacher
        self.producer = "distill 0.1.0"
    }

    /// The metadata as one compact JSON object with snake_case keys and sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw ExportError(.encodingFailed, "Cannot encode the export metadata as JSON: \(error).")
        }
    }

    /// The separate key/value pairs an ONNX file carries beside "distill" (the whole JSON).
    var keyValues: [(String, String)] {
        [
            ("output_kind", outputKind), ("input_layout", inputLayout),
            ("input_mean", mean.map { "\($0)" }.joined(separator: ",")),
            ("input_std", standardDeviation.map { "\($0)" }.joined(separator: ",")),
            ("resolution", "\(resolution)"), ("precision", precision), ("run", run),
            ("output_names", outputNames.joined(separator: ",")),
        ]
    }
}
