// Copyright 2026 The Distill authors.
// The full-integer TensorFlow Lite model: int8 input (1, R, R, 3) and int8 output, every tensor int8 with its
// calibrated per-tensor scale and zero point, convolution filters int8 per output channel (quantized dimension
// 0 for CONV_2D's (O, K, K, I), 3 for DEPTHWISE_CONV_2D's (1, K, K, C)), the fully connected weights per tensor,
// biases int32 with scale input scale × filter scale. The operators are the float model's, except that a
// squeeze-and-excitation gate is one 1x1 CONV_2D (QuantizedMobileNet's gate convolution) onto [0, 1], whose
// saturation is the hard-sigmoid. A device quantizes its float input with the input tensor's scale and zero
// point and dequantizes the output with the output tensor's. Tensor names are compact (see
// compactLayerName): per layer L, "L.w" the filter, "L.b" the bias, "L" the output, "L.pad" the padded input of
// a stride-2 layer.

import CTFLiteWriter
import DistillEngine
import DistillModels
import Foundation

extension TFLiteExporter {
    /// Serialises a quantized network as a full-integer TensorFlow Lite model.
    /// - Parameters:
    ///   - network: The quantized network.
    ///   - metadata: Its self-description (layout and precision are set here).
    /// - Returns: The file's bytes.
    /// - Throws: ``ExportError`` if the FlatBuffers writer fails.
    public static func int8Model(_ network: QuantizedMobileNet, metadata: ExportMetadata) throws -> Data {
        var metadata = metadata
        metadata.inputLayout = "NHWC"
        metadata.precision = "int8"
        metadata.inputQuantization = network.input
        metadata.outputQuantization = network.output
        metadata.calibrationImages = network.calibrationImages
        let folded = network.folded
        let writer = try TFLiteWriter()
        let shapes = folded.tensorShapes
        let flat = flatTensors(folded)
        var names = folded.tensorNames.map(compactLayerName)
        names[names.count - 1] = metadata.outputName
        let quantization = network.activations
        var tensors = [Int32](repeating: -1, count: folded.tensorCount)
        func tensor(_ index: Int) throws -> Int32 {
            tensors[index] = try writer.tensor(
                names[index], type: DISTILL_TFLITE_INT8, shape: tensorShape(index, shapes: shapes, flat: flat),
                scales: [quantization[index].scale], zeroPoints: [Int64(quantization[index].zeroPoint)])
            return tensors[index]
        }
        func convolution(
            _ convolution: QuantizedMobileNet.Convolution, name: String, input: Int32, source: Int, output: Int,
            fused: Activation?
        ) throws {
            let layer = convolution.folded.layer
            let depthwise = convolution.folded.groups > 1
            let channels = layer.outputChannels
            let filter = try writer.constant(
                "\(name).w",
                bytes: filterNHWC(convolution.folded, values: convolution.weights).map { UInt8(bitPattern: $0) },
                type: DISTILL_TFLITE_INT8,
                shape: depthwise
                    ? [1, layer.kernel, layer.kernel, channels]
                    : [channels, layer.kernel, layer.kernel, layer.inputChannels],
                scales: convolution.weightScales, zeroPoints: [Int64](repeating: 0, count: channels),
                quantizedDimension: depthwise ? 3 : 0)
            let bias = try writer.constant(
                "\(name).b", bytes: convolution.bias.withUnsafeBytes { Array($0) }, type: DISTILL_TFLITE_INT32,
                shape: [channels], scales: convolution.weightScales.map { $0 * quantization[source].scale },
                zeroPoints: [Int64](repeating: 0, count: channels))
            try writer.operator(
                depthwise ? DISTILL_TFLITE_DEPTHWISE_CONV_2D : DISTILL_TFLITE_CONV_2D, version: 3,
                inputs: [input, filter, bias], outputs: [try tensor(output)],
                options: convolutionOptions(convolution.folded, fused: fused))
        }
        let input = try tensor(0)
        var paddings = Paddings()
        for node in folded.nodes {
            switch node {
            case .convolution(let index, let source, let output, let fused):
                let layer = network.convolutions[index].folded.layer
                let padded = try paddings.pad(
                    tensors[source], layer: layer, writer: writer, name: "\(names[output]).pad",
                    type: DISTILL_TFLITE_INT8, quantization: quantization[source], version: 2)
                try convolution(
                    network.convolutions[index], name: names[output], input: padded, source: source, output: output,
                    fused: fused)
            case .add(let first, let second, let output):
                try writer.operator(
                    DISTILL_TFLITE_ADD, version: 2, inputs: [tensors[first], tensors[second]],
                    outputs: [try tensor(output)])
            case .activation(let activation, let source, let output):
                try activationOperator(activation, writer: writer, input: tensors[source], output: try tensor(output))
            case .squeezeExcitation(let index, let source, let pooled, let hidden, let gate, let output):
                let excitation = network.excitations[index]
                let axes = try writer.constant("\(names[output]).axes", int32: [1, 2], shape: [2])
                var keep = DistillTFLiteOptions()
                keep.keepDimensions = 1
                try writer.operator(
                    DISTILL_TFLITE_MEAN, version: 2, inputs: [tensors[source], axes], outputs: [try tensor(pooled)],
                    options: keep)
                try convolution(
                    excitation.reduce, name: "\(names[output]).r", input: tensors[pooled], source: pooled,
                    output: hidden, fused: .relu)
                try convolution(
                    excitation.gate, name: "\(names[output]).e", input: tensors[hidden], source: hidden, output: gate,
                    fused: nil)
                try writer.operator(
                    DISTILL_TFLITE_MUL, version: 2, inputs: [tensors[source], tensors[gate]],
                    outputs: [try tensor(output)])
            case .pool(let source, let output):
                let axes = try writer.constant("mean.axes", int32: [1, 2], shape: [2])
                try writer.operator(
                    DISTILL_TFLITE_MEAN, version: 2, inputs: [tensors[source], axes], outputs: [try tensor(output)])
            case .dense(let index, let source, let output):
                let layer = index < network.hidden.count ? network.hidden[index] : network.dense
                let floatLayer = folded.denseLayers[index]
                let name = compactLayerName(folded.tensorNames[output])
                let weights = try writer.constant(
                    "\(name).w", bytes: layer.weights.map { UInt8(bitPattern: $0) }, type: DISTILL_TFLITE_INT8,
                    shape: [floatLayer.outputs, floatLayer.inputs], scales: [layer.weightScale], zeroPoints: [0])
                let bias = try writer.constant(
                    "\(name).b", bytes: layer.bias.withUnsafeBytes { Array($0) }, type: DISTILL_TFLITE_INT32,
                    shape: [floatLayer.outputs], scales: [layer.weightScale * quantization[source].scale],
                    zeroPoints: [0])
                try writer.operator(
                    DISTILL_TFLITE_FULLY_CONNECTED, version: 4, inputs: [tensors[source], weights, bias],
                    outputs: [try tensor(output)])
            }
        }
        writer.setInputsOutputs(inputs: [input], outputs: [tensors[folded.tensorCount - 1]])
        return try writer.finish(metadata: metadata)
    }
}
