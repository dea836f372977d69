// Copyright 2026 The Distill authors.
// The full-integer TensorFlow Lite model: int8 input (1, R, R, 3) and int8 output, every tensor int8 with its
// calibrated per-tensor scale and zero point, convolution filters int8 per output channel (quantized dimension
// 0 for CONV_2D's (O, K, K, I), 3 for DEPTHWISE_CONV_2D's (1, K, K, C)), the fully connected weights per tensor,
// biases int32 with scale input scale × filter scale. A device quantizes its float input with the input
// tensor's scale and zero point and dequantizes the output with the output tensor's. Tensor names are compact
// (see compactLayerName): per layer L, "L.w" the filter, "L.b" the bias, "L" the output, "L.pad" the padded
// input of a stride-2 layer.

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
        let writer = try TFLiteWriter()
        let resolution = network.folded.spec.resolution
        func activation(_ name: String, shape: [Int], _ quantization: ActivationQuantization) throws -> Int32 {
            try writer.tensor(
                name, type: DISTILL_TFLITE_INT8, shape: shape, scales: [quantization.scale],
                zeroPoints: [Int64(quantization.zeroPoint)])
        }
        var current = try activation("input", shape: [1, resolution, resolution, 3], network.activations[0])
        let input = current
        var paddings: Int32?
        for (index, convolution) in network.convolutions.enumerated() {
            let layer = convolution.folded.layer
            let name = compactLayerName(layer.name)
            let source = network.activations[index]
            if layer.stride == 2 {
                if paddings == nil {
                    paddings = try writer.constant("paddings", int32: [0, 0, 1, 1, 1, 1, 0, 0], shape: [4, 2])
                }
                let padded = try activation(
                    "\(name).pad", shape: [1, layer.inputHeight + 2, layer.inputWidth + 2, layer.inputChannels],
                    source)
                try writer.operator(
                    DISTILL_TFLITE_PAD, version: 2, inputs: [current, paddings ?? 0], outputs: [padded])
                current = padded
            }
            let depthwise = convolution.folded.groups > 1
            let channels = layer.outputChannels
            let filterValues = filterNHWC(convolution.folded, values: convolution.weights)
            let filter = try writer.constant(
                "\(name).w", bytes: filterValues.map { UInt8(bitPattern: $0) }, type: DISTILL_TFLITE_INT8,
                shape: depthwise
                    ? [1, layer.kernel, layer.kernel, channels]
                    : [channels, layer.kernel, layer.kernel, layer.inputChannels],
                scales: convolution.weightScales, zeroPoints: [Int64](repeating: 0, count: channels),
                quantizedDimension: depthwise ? 3 : 0)
            let bias = try writer.constant(
                "\(name).b", bytes: convolution.bias.withUnsafeBytes { Array($0) }, type: DISTILL_TFLITE_INT32,
                shape: [channels], scales: convolution.weightScales.map { $0 * source.scale },
                zeroPoints: [Int64](repeating: 0, count: channels))
            let output = try activation(
                name, shape: [1, layer.outputHeight, layer.outputWidth, channels],
                network.activations[index + 1])
            try writer.operator(
                depthwise ? DISTILL_TFLITE_DEPTHWISE_CONV_2D : DISTILL_TFLITE_CONV_2D, version: 3,
                inputs: [current, filter, bias], outputs: [output], options: convolutionOptions(convolution.folded))
            current = output
        }
        let dense = network.folded.dense
        let pooledQuantization = network.activations[network.convolutions.count + 1]
        let axes = try writer.constant("mean.axes", int32: [1, 2], shape: [2])
        let pooled = try activation("pool", shape: [1, dense.inputs], pooledQuantization)
        try writer.operator(DISTILL_TFLITE_MEAN, version: 2, inputs: [current, axes], outputs: [pooled])
        let weights = try writer.constant(
            "fc.w", bytes: network.dense.weights.map { UInt8(bitPattern: $0) }, type: DISTILL_TFLITE_INT8,
            shape: [dense.outputs, dense.inputs], scales: [network.dense.weightScale], zeroPoints: [0])
        let bias = try writer.constant(
            "fc.b", bytes: network.dense.bias.withUnsafeBytes { Array($0) }, type: DISTILL_TFLITE_INT32,
            shape: [dense.outputs], scales: [network.dense.weightScale * pooledQuantization.scale], zeroPoints: [0])
        let output = try activation(metadata.outputName, shape: [1, dense.outputs], network.output)
        try writer.operator(
            DISTILL_TFLITE_FULLY_CONNECTED, version: 4, inputs: [pooled, weights, bias], outputs: [output])
        writer.setInputsOutputs(inputs: [input], outputs: [output])
        return try writer.finish(metadata: metadata)
    }
}
