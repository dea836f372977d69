// Copyright 2026 The Distill authors.
// The int8 ONNX model in QDQ form: float input and output, every activation passed through QuantizeLinear /
// DequantizeLinear with its calibrated per-tensor scale and zero point (one shared initializer per zero point
// value), weights stored int8 (per output channel for convolutions, axis 0) and biases int32, each behind a
// DequantizeLinear; ReLU and ReLU6 are left to the quantization ranges that already clip. Runtimes such as
// onnxruntime fuse the pairs into integer kernels (QLinearConv, …).

import DistillEngine
import DistillModels
import Foundation

extension ONNXExporter {
    // Tensor names (see compactLayerName): per layer L, "L.w" / "L.b" the dequantized weights and bias ("L.wq" /
    // "L.bq" stored int8 / int32, "L.ws" / "L.bs" their scales), "L.y" the convolution's float output, "L.q" its
    // int8 form, "L.s" its scale and "L" the dequantized output; "zero_point.Z" is shared by every activation
    // with zero point Z; the input's int8 form is "image.q", dequantized "image".
    /// Serialises a quantized network as an ONNX QDQ model.
    /// - Parameters:
    ///   - network: The quantized network.
    ///   - metadata: Its self-description (layout and precision are set here).
    /// - Returns: The file's bytes.
    /// - Throws: ``ExportError`` if SwiftProtobuf cannot serialise the model.
    public static func int8Model(_ network: QuantizedMobileNet, metadata: ExportMetadata) throws -> Data {
        var metadata = metadata
        metadata.inputLayout = "NCHW"
        metadata.precision = "int8"
        metadata.inputQuantization = network.input
        metadata.outputQuantization = network.output
        metadata.calibrationImages = network.calibrationImages
        var graph = GraphBuilder()
        var current = graph.quantizeDequantize("input", network.activations[0], name: "image")
        for (index, convolution) in network.convolutions.enumerated() {
            let layer = convolution.folded.layer
            let name = compactLayerName(layer.name)
            let channels = layer.outputChannels
            let weights = graph.dequantized(
                "\(name).w", bytes: convolution.weights.withUnsafeBytes { Data($0) }, type: .int8,
                dims: [channels, layer.inputChannels / convolution.folded.groups, layer.kernel, layer.kernel],
                scales: convolution.weightScales)
            let inputScale = network.activations[index].scale
            let bias = graph.dequantized(
                "\(name).b", bytes: convolution.bias.withUnsafeBytes { Data($0) }, type: .int32, dims: [channels],
                scales: convolution.weightScales.map { $0 * inputScale })
            graph.node(
                "Conv", name: layer.name, inputs: [current, weights, bias], outputs: ["\(name).y"],
                attributes: convolutionAttributes(convolution.folded))
            current = "\(name).y"
            // ReLU and ReLU6 are left to the QuantizeLinear after them when its range already clips (as
            // calibration arranges): one node fewer per layer, and what integer kernels do anyway.
            if let activation = convolution.folded.activation, !network.activations[index + 1].subsumes(activation) {
                current = graph.activation(activation, input: current, output: "\(name).a", name: "\(layer.name).act")
            }
            current = graph.quantizeDequantize(current, network.activations[index + 1], name: name)
        }
        let pooled = network.activations[network.convolutions.count + 1]
        graph.node("GlobalAveragePool", name: "pool", inputs: [current], outputs: ["pool.y"])
        current = graph.quantizeDequantize("pool.y", pooled, name: "pool")
        graph.node("Flatten", name: "flatten", inputs: [current], outputs: ["features"], attributes: [.int("axis", 1)])
        let dense = network.folded.dense
        let weights = graph.dequantized(
            "fc.w", bytes: network.dense.weights.withUnsafeBytes { Data($0) }, type: .int8,
            dims: [dense.outputs, dense.inputs], scales: [network.dense.weightScale])
        let bias = graph.dequantized(
            "fc.b", bytes: network.dense.bias.withUnsafeBytes { Data($0) }, type: .int32, dims: [dense.outputs],
            scales: [network.dense.weightScale * pooled.scale])
        graph.node(
            "Gemm", name: "fc", inputs: ["features", weights, bias], outputs: ["fc.y"],
            attributes: [.int("transB", 1)])
        let output = graph.quantizeDequantize("fc.y", network.output, name: "fc", output: metadata.outputName)
        return try serialize(
            graph.model(
                input: "input", resolution: network.folded.spec.resolution, output: output,
                outputs: network.folded.spec.outputs, inputType: .float, metadata: metadata))
    }
}

extension GraphBuilder {
    /// QuantizeLinear then DequantizeLinear with a per-tensor int8 quantization; returns the dequantized name.
    mutating func quantizeDequantize(
        _ input: String, _ quantization: ActivationQuantization, name: String, output: String? = nil
    ) -> String {
        let scale = constant("\(name).s", floats: [quantization.scale], dims: [])
        // One initializer per zero point value, shared by every activation with it (after ReLU: −128).
        let zeroPoint = "zero_point.\(quantization.zeroPoint)"
        if !initializers.contains(where: { $0.name == zeroPoint }) {
            _ = constant(
                zeroPoint, bytes: Data([UInt8(bitPattern: Int8(quantization.zeroPoint))]), type: .int8, dims: [])
        }
        node("QuantizeLinear", name: "", inputs: [input, scale, zeroPoint], outputs: ["\(name).q"])
        let result = output ?? name
        node("DequantizeLinear", name: "", inputs: ["\(name).q", scale, zeroPoint], outputs: [result])
        return result
    }

    /// A symmetric quantized constant (zero point 0, DequantizeLinear's default, so none is stored) behind a
    /// DequantizeLinear, per axis 0 when there are several scales; returns the dequantized name.
    mutating func dequantized(
        _ name: String, bytes: Data, type: Onnx_TensorProto.DataType, dims: [Int], scales: [Float]
    ) -> String {
        let perAxis = scales.count > 1
        let quantized = constant("\(name)q", bytes: bytes, type: type, dims: dims)
        let scale = constant("\(name)s", floats: scales, dims: perAxis ? [scales.count] : [])
        node(
            "DequantizeLinear", name: "", inputs: [quantized, scale], outputs: [name],
            attributes: perAxis ? [.int("axis", 0)] : [])
        return name
    }
}
