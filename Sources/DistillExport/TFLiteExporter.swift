// Copyright 2026 The Distill authors.
// A folded MobileNet as a TensorFlow Lite model, written through CTFLiteWriter (FlatBuffers code generated
// from schemas/tflite_subset.fbs). Graph: input "input" (1, R, R, 3) float NHWC; per convolution CONV_2D or
// DEPTHWISE_CONV_2D with the activation fused (stride-2 layers get an explicit PAD of 1 on each side and
// VALID padding, since SAME pads only the bottom/right for even inputs, unlike Distill's symmetric padding);
// MEAN over H and W; FULLY_CONNECTED to the output (1, outputs). Filters: CONV_2D (O, K, K, I),
// DEPTHWISE_CONV_2D (1, K, K, C), FULLY_CONNECTED (O, I).

import CTFLiteWriter
import DistillEngine
import DistillModels
import Foundation

/// Writes TensorFlow Lite models.
public enum TFLiteExporter {
    /// Serialises a folded network as a float32 TensorFlow Lite model.
    /// - Parameters:
    ///   - network: The folded network.
    ///   - metadata: Its self-description (layout and precision are set here).
    /// - Returns: The file's bytes.
    /// - Throws: ``ExportError`` if the FlatBuffers writer fails.
    public static func float32Model(_ network: FoldedMobileNet, metadata: ExportMetadata) throws -> Data {
        try network.requireSequential(for: "TensorFlow Lite export")
        var metadata = metadata
        metadata.inputLayout = "NHWC"
        metadata.precision = "float32"
        let writer = try TFLiteWriter()
        let resolution = network.spec.resolution
        var current = try writer.tensor("input", type: DISTILL_TFLITE_FLOAT32, shape: [1, resolution, resolution, 3])
        let input = current
        var paddings: Int32?
        for convolution in network.convolutions {
            let layer = convolution.layer
            let name = layer.name
            if layer.stride == 2 {
                if paddings == nil {
                    paddings = try writer.constant(
                        "paddings", int32: [0, 0, 1, 1, 1, 1, 0, 0], shape: [4, 2])
                }
                let padded = try writer.tensor(
                    "\(name).padded", type: DISTILL_TFLITE_FLOAT32,
                    shape: [1, layer.inputHeight + 2, layer.inputWidth + 2, layer.inputChannels])
                try writer.operator(DISTILL_TFLITE_PAD, inputs: [current, paddings ?? 0], outputs: [padded])
                current = padded
            }
            let depthwise = convolution.groups > 1
            let filter = try writer.constant(
                "\(name).weights", floats: filterNHWC(convolution),
                shape: depthwise
                    ? [1, layer.kernel, layer.kernel, layer.outputChannels]
                    : [layer.outputChannels, layer.kernel, layer.kernel, layer.inputChannels])
            let bias = try writer.constant("\(name).bias", floats: convolution.bias, shape: [layer.outputChannels])
            let output = try writer.tensor(
                "\(name).out", type: DISTILL_TFLITE_FLOAT32,
                shape: [1, layer.outputHeight, layer.outputWidth, layer.outputChannels])
            try writer.operator(
                depthwise ? DISTILL_TFLITE_DEPTHWISE_CONV_2D : DISTILL_TFLITE_CONV_2D, inputs: [current, filter, bias],
                outputs: [output], options: convolutionOptions(convolution))
            current = output
        }
        let dense = network.dense
        let axes = try writer.constant("mean.axes", int32: [1, 2], shape: [2])
        let pooled = try writer.tensor("pool.out", type: DISTILL_TFLITE_FLOAT32, shape: [1, dense.inputs])
        try writer.operator(DISTILL_TFLITE_MEAN, inputs: [current, axes], outputs: [pooled])
        let weights = try writer.constant("fc.weights", floats: dense.weights, shape: [dense.outputs, dense.inputs])
        let bias = try writer.constant("fc.bias", floats: dense.bias, shape: [dense.outputs])
        let output = try writer.tensor(metadata.outputName, type: DISTILL_TFLITE_FLOAT32, shape: [1, dense.outputs])
        try writer.operator(DISTILL_TFLITE_FULLY_CONNECTED, inputs: [pooled, weights, bias], outputs: [output])
        writer.setInputsOutputs(inputs: [input], outputs: [output])
        return try writer.finish(metadata: metadata)
    }

    // MARK: - Layout

    /// Folded weights (O, I/g, K, K) → CONV_2D (O, K, K, I) or DEPTHWISE_CONV_2D (1, K, K, C).
    static func filterNHWC<Element>(_ convolution: FoldedMobileNet.Convolution, values: [Element]) -> [Element] {
        let layer = convolution.layer
        let k = layer.kernel
        let perGroupInput = layer.inputChannels / convolution.groups
        var result = values
        if convolution.groups > 1 {
            // (C, 1, K, K) → (1, K, K, C)
            let c = layer.outputChannels
            for channel in 0..<c {
                for y in 0..<k {
                    for x in 0..<k { result[(y * k + x) * c + channel] = values[(channel * k + y) * k + x] }
                }
            }
        } else {
            for o in 0..<layer.outputChannels {
                for i in 0..<perGroupInput {
                    for y in 0..<k {
                        for x in 0..<k {
                            result[((o * k + y) * k + x) * perGroupInput + i] =
                                values[((o * perGroupInput + i) * k + y) * k + x]
                        }
                    }
                }
            }
        }
        return result
    }

    static func filterNHWC(_ convolution: FoldedMobileNet.Convolution) -> [Float] {
        filterNHWC(convolution, values: convolution.weights)
    }

    static func convolutionOptions(_ convolution: FoldedMobileNet.Convolution) -> DistillTFLiteOptions {
        var options = DistillTFLiteOptions()
        options.validPadding = convolution.layer.stride == 2 ? 1 : 0
        options.strideWidth = Int32(convolution.layer.stride)
        options.strideHeight = Int32(convolution.layer.stride)
        options.depthMultiplier = 1
        switch convolution.activation {
        case .relu: options.activation = Int32(DISTILL_TFLITE_ACTIVATION_RELU)
        case .relu6: options.activation = Int32(DISTILL_TFLITE_ACTIVATION_RELU6)
        // h-swish is no fused activation in TensorFlow Lite; float32Model refuses such networks first.
        case nil, .hardSwish: options.activation = Int32(DISTILL_TFLITE_ACTIVATION_NONE)
        }
        return options
    }
}

/// The Swift side of CTFLiteWriter: one model under construction, freed on deinit.
final class TFLiteWriter {
    private let model: OpaquePointer

    init() throws {
        guard let model = distill_tflite_create() else {
            throw ExportError(.encodingFailed, "The TensorFlow Lite writer could not be created (out of memory?).")
        }
        self.model = model
    }

    deinit { distill_tflite_destroy(model) }

    private func check(_ index: Int32, _ what: String) throws -> Int32 {
        guard index >= 0 else {
            throw ExportError(
                .encodingFailed,
                "The TensorFlow Lite writer failed on \(what): \(String(cString: distill_tflite_error(model))).")
        }
        return index
    }

    /// A tensor computed at run time (or a constant when `buffer` is given); returns its index.
    func tensor(
        _ name: String, type: Int, shape: [Int], buffer: Int32 = 0, scales: [Float] = [], zeroPoints: [Int64] = [],
        quantizedDimension: Int = 0
    ) throws -> Int32 {
        let shape32 = shape.map(Int32.init)
        let index = shape32.withUnsafeBufferPointer { shape in
            scales.withUnsafeBufferPointer { scales in
                zeroPoints.withUnsafeBufferPointer { zeroPoints in
                    distill_tflite_add_tensor(
                        model, name, Int32(type), shape.baseAddress, shape.count, buffer, scales.baseAddress,
                        zeroPoints.baseAddress, min(scales.count, zeroPoints.count), Int32(quantizedDimension))
                }
            }
        }
        return try check(index, "tensor \(name)")
    }

    /// A constant tensor of raw little-endian bytes; returns its index.
    func constant(
        _ name: String, bytes: [UInt8], type: Int, shape: [Int], scales: [Float] = [], zeroPoints: [Int64] = [],
        quantizedDimension: Int = 0
    ) throws -> Int32 {
        let buffer = bytes.withUnsafeBufferPointer { distill_tflite_add_buffer(model, $0.baseAddress, $0.count) }
        return try tensor(
            name, type: type, shape: shape, buffer: try check(buffer, "buffer of \(name)"), scales: scales,
            zeroPoints: zeroPoints, quantizedDimension: quantizedDimension)
    }

    func constant(_ name: String, floats: [Float], shape: [Int]) throws -> Int32 {
        try constant(name, bytes: floats.withUnsafeBytes { Array($0) }, type: DISTILL_TFLITE_FLOAT32, shape: shape)
    }

    func constant(_ name: String, int32 values: [Int32], shape: [Int]) throws -> Int32 {
        try constant(name, bytes: values.withUnsafeBytes { Array($0) }, type: DISTILL_TFLITE_INT32, shape: shape)
    }

    func `operator`(
        _ code: Int, version: Int = 1, inputs: [Int32], outputs: [Int32], options: DistillTFLiteOptions = .init()
    ) throws {
        let index = inputs.withUnsafeBufferPointer { inputs in
            outputs.withUnsafeBufferPointer { outputs in
                distill_tflite_add_operator(
                    model, Int32(code), Int32(version), inputs.baseAddress, inputs.count, outputs.baseAddress,
                    outputs.count, options)
            }
        }
        _ = try check(index, "operator \(code)")
    }

    func setInputsOutputs(inputs: [Int32], outputs: [Int32]) {
        inputs.withUnsafeBufferPointer { inputs in
            outputs.withUnsafeBufferPointer { outputs in
                distill_tflite_set_inputs_outputs(
                    model, inputs.baseAddress, inputs.count, outputs.baseAddress, outputs.count)
            }
        }
    }

    /// Adds the metadata and serialises; returns the file's bytes.
    func finish(metadata: ExportMetadata) throws -> Data {
        let json = Array(try metadata.json().utf8)
        json.withUnsafeBufferPointer { distill_tflite_add_metadata(model, "distill", $0.baseAddress, $0.count) }
        var bytes: UnsafePointer<UInt8>?
        var count = 0
        let description = "MobileNet student distilled by Distill from teacher '\(metadata.teacher)' (\(metadata.run))"
        _ = try check(distill_tflite_finish(model, description, &bytes, &count), "finishing the model")
        guard let bytes else { throw ExportError(.encodingFailed, "The TensorFlow Lite writer returned no bytes.") }
        return Data(bytes: bytes, count: count)
    }
}
