// Copyright 2026 The Distill authors.
// A folded MobileNet as a TensorFlow Lite model, written through CTFLiteWriter (FlatBuffers code generated
// from schemas/tflite_subset.fbs), one operator or a few per node of FoldedMobileNet.nodes. Input "input"
// (1, R, R, 3) float NHWC; a convolution is CONV_2D or DEPTHWISE_CONV_2D with ReLU or ReLU6 fused (a stride-2
// layer gets an explicit PAD of kernel / 2 on each side and VALID padding, since SAME pads only the
// bottom/right for even inputs, unlike Distill's symmetric padding); a residual is ADD; h-swish HARD_SWISH;
// squeeze-and-excitation MEAN (dimensions kept) → 1x1 CONV_2D + ReLU → 1x1 CONV_2D with bias + 3 and ReLU6 →
// MUL by 1/6 (the hard-sigmoid) → MUL with the input; the pool MEAN over H and W; FULLY_CONNECTED layers to the
// output (1, outputs). Filters: CONV_2D (O, K, K, I), DEPTHWISE_CONV_2D (1, K, K, C), FULLY_CONNECTED (O, I).

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
        var metadata = metadata
        metadata.inputLayout = "NHWC"
        metadata.precision = "float32"
        let writer = try TFLiteWriter()
        let shapes = network.tensorShapes
        var names = network.tensorNames
        names[names.count - 1] = metadata.outputName
        let layers = network.denseLayers
        let flat = flatTensors(network)
        var tensors = [Int32](repeating: -1, count: network.tensorCount)
        func tensor(_ index: Int) throws -> Int32 {
            tensors[index] = try writer.tensor(
                names[index], type: DISTILL_TFLITE_FLOAT32, shape: tensorShape(index, shapes: shapes, flat: flat))
            return tensors[index]
        }
        var paddings = Paddings()
        /// CONV_2D or DEPTHWISE_CONV_2D with constants `prefix.weights` / `prefix.bias`, stride-2 input padded.
        func convolution(
            _ convolution: FoldedMobileNet.Convolution, prefix: String, input: Int32, output: Int32, fused: Activation?
        ) throws {
            let layer = convolution.layer
            let padded = try paddings.pad(
                input, layer: layer, writer: writer, name: "\(prefix).padded", type: DISTILL_TFLITE_FLOAT32)
            let depthwise = convolution.groups > 1
            let filter = try writer.constant(
                "\(prefix).weights", floats: filterNHWC(convolution),
                shape: depthwise
                    ? [1, layer.kernel, layer.kernel, layer.outputChannels]
                    : [layer.outputChannels, layer.kernel, layer.kernel, layer.inputChannels])
            let bias = try writer.constant("\(prefix).bias", floats: convolution.bias, shape: [layer.outputChannels])
            try writer.operator(
                depthwise ? DISTILL_TFLITE_DEPTHWISE_CONV_2D : DISTILL_TFLITE_CONV_2D,
                inputs: [padded, filter, bias], outputs: [output],
                options: convolutionOptions(convolution, fused: fused))
        }
        let input = try tensor(0)
        for node in network.nodes {
            switch node {
            case .convolution(let index, let source, let output, let fused):
                let folded = network.convolutions[index]
                try convolution(
                    folded, prefix: folded.layer.name, input: tensors[source], output: try tensor(output), fused: fused)
            case .add(let first, let second, let output):
                try writer.operator(
                    DISTILL_TFLITE_ADD, inputs: [tensors[first], tensors[second]], outputs: [try tensor(output)])
            case .activation(let activation, let source, let output):
                try activationOperator(activation, writer: writer, input: tensors[source], output: try tensor(output))
            case .squeezeExcitation(let index, let source, let pooled, let hidden, let gate, let output):
                let excitation = network.squeezeExcitations[index]
                let name = excitation.layer.name
                let axes = try writer.constant("\(name).axes", int32: [1, 2], shape: [2])
                var keep = DistillTFLiteOptions()
                keep.keepDimensions = 1
                try writer.operator(
                    DISTILL_TFLITE_MEAN, inputs: [tensors[source], axes], outputs: [try tensor(pooled)], options: keep)
                try convolution(
                    excitation.reduceConvolution, prefix: "\(name).reduce", input: tensors[pooled],
                    output: try tensor(hidden), fused: .relu)
                // hard-sigmoid(z) = ReLU6(z + 3) / 6: the + 3 in the bias, ReLU6 fused, then a MUL by 1/6.
                var expand = excitation.expandConvolution
                expand.bias = expand.bias.map { $0 + 3 }
                let expanded = try writer.tensor(
                    "\(name).expanded", type: DISTILL_TFLITE_FLOAT32, shape: [1, 1, 1, excitation.layer.inputChannels])
                try convolution(
                    expand, prefix: "\(name).expand", input: tensors[hidden], output: expanded, fused: .relu6)
                let sixth = try writer.constant("\(name).sixth", floats: [1.0 / 6], shape: [1])
                try writer.operator(DISTILL_TFLITE_MUL, inputs: [expanded, sixth], outputs: [try tensor(gate)])
                try writer.operator(
                    DISTILL_TFLITE_MUL, inputs: [tensors[source], tensors[gate]], outputs: [try tensor(output)])
            case .pool(let source, let output):
                let axes = try writer.constant("mean.axes", int32: [1, 2], shape: [2])
                try writer.operator(
                    DISTILL_TFLITE_MEAN, inputs: [tensors[source], axes], outputs: [try tensor(output)])
            case .dense(let index, let source, let output):
                let dense = layers[index]
                let name = names[output]
                let weights = try writer.constant(
                    "\(name).weights", floats: dense.weights, shape: [dense.outputs, dense.inputs])
                let bias = try writer.constant("\(name).bias", floats: dense.bias, shape: [dense.outputs])
                try writer.operator(
                    DISTILL_TFLITE_FULLY_CONNECTED, inputs: [tensors[source], weights, bias],
                    outputs: [try tensor(output)])
            }
        }
        writer.setInputsOutputs(inputs: [input], outputs: [tensors[network.tensorCount - 1]])
        return try writer.finish(metadata: metadata)
    }

    /// The tensors after the pool, (1, features); every other tensor is (1, H, W, C).
    static func flatTensors(_ network: FoldedMobileNet) -> Set<Int> {
        var flat = Set<Int>()
        for node in network.nodes {
            switch node {
            case .pool(_, let output), .dense(_, _, let output): flat.insert(output)
            case .activation(_, let input, let output) where flat.contains(input): flat.insert(output)
            default: break
            }
        }
        return flat
    }

    /// A tensor's TensorFlow Lite shape.
    static func tensorShape(
        _ index: Int, shapes: [(channels: Int, height: Int, width: Int)], flat: Set<Int>
    ) -> [Int] {
        let shape = shapes[index]
        return flat.contains(index) ? [1, shape.channels] : [1, shape.height, shape.width, shape.channels]
    }

    /// A stand-alone activation: HARD_SWISH. (ReLU and ReLU6 stand alone only after a residual sum, which no
    /// family has; they are refused rather than written untested.)
    static func activationOperator(_ activation: Activation, writer: TFLiteWriter, input: Int32, output: Int32) throws {
        switch activation {
        case .hardSwish:
            try writer.operator(DISTILL_TFLITE_HARD_SWISH, inputs: [input], outputs: [output])
        case .relu, .relu6:
            throw ExportError(
                .encodingFailed,
                "A stand-alone \(activation.rawValue) has no TensorFlow Lite operator in Distill's writer.")
        }
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

    static func convolutionOptions(_ convolution: FoldedMobileNet.Convolution, fused: Activation?)
        -> DistillTFLiteOptions
    {
        var options = DistillTFLiteOptions()
        options.validPadding = convolution.layer.stride == 2 ? 1 : 0
        options.strideWidth = Int32(convolution.layer.stride)
        options.strideHeight = Int32(convolution.layer.stride)
        options.depthMultiplier = 1
        switch fused {
        case .relu: options.activation = Int32(DISTILL_TFLITE_ACTIVATION_RELU)
        case .relu6: options.activation = Int32(DISTILL_TFLITE_ACTIVATION_RELU6)
        // h-swish is never fused: it is a node (HARD_SWISH) of its own.
        case nil, .hardSwish: options.activation = Int32(DISTILL_TFLITE_ACTIVATION_NONE)
        }
        return options
    }

    /// The explicit PAD before stride-2 convolutions, one paddings constant per amount.
    struct Paddings {
        private var constants: [Int: Int32] = [:]

        /// The tensor a convolution reads: `input` itself at stride 1, else `input` padded by kernel / 2 on each
        /// side (same type and quantization as `input`).
        mutating func pad(
            _ input: Int32, layer: LayerSpec, writer: TFLiteWriter, name: String, type: Int,
            quantization: ActivationQuantization? = nil, version: Int = 1
        ) throws -> Int32 {
            guard layer.stride == 2 else { return input }
            let amount = layer.kernel / 2
            let paddings: Int32
            if let existing = constants[amount] {
                paddings = existing
            } else {
                paddings = try writer.constant(
                    amount == 1 ? "paddings" : "paddings\(amount)",
                    int32: [0, 0, Int32(amount), Int32(amount), Int32(amount), Int32(amount), 0, 0], shape: [4, 2])
                constants[amount] = paddings
            }
            let padded = try writer.tensor(
                name, type: type,
                shape: [1, layer.inputHeight + 2 * amount, layer.inputWidth + 2 * amount, layer.inputChannels],
                scales: quantization.map { [$0.scale] } ?? [],
                zeroPoints: quantization.map { [Int64($0.zeroPoint)] } ?? [])
            try writer.operator(DISTILL_TFLITE_PAD, version: version, inputs: [input, paddings], outputs: [padded])
            return padded
        }
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
