// Copyright 2026 The Distill authors.
// The int8 ONNX model in QDQ form, one or a few nodes per node of FoldedMobileNet.nodes: float input and output,
// every tensor passed through QuantizeLinear / DequantizeLinear with its calibrated per-tensor scale and zero point (one shared initializer per zero point
// value), weights stored int8 (per output channel for convolutions, axis 0) and biases int32, each behind a
// DequantizeLinear; ReLU and ReLU6 are left to the quantization ranges that already clip, and a
// squeeze-and-excitation gate is QuantizedMobileNet's gate convolution saturating onto [0, 1]. Runtimes such as
// onnxruntime fuse the pairs into integer kernels (QLinearConv, QLinearAdd, …).

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
        let folded = network.folded
        let quantization = network.activations
        let fullNames = folded.tensorNames
        let names = fullNames.map(compactLayerName)
        var graph = GraphBuilder()
        var values = [String](repeating: "", count: folded.tensorCount)
        values[0] = graph.quantizeDequantize("input", quantization[0], name: "image")
        var usesHardSwish = false
        /// Conv with dequantized int8 weights and int32 bias, its ReLU/ReLU6 left to the output's quantization
        /// when that already clips; returns the float output's name (before its QuantizeLinear).
        func convolution(
            _ convolution: QuantizedMobileNet.Convolution, name: String, nodeName: String, source: Int, output: Int,
            fused: Activation?
        ) -> String {
            let layer = convolution.folded.layer
            let channels = layer.outputChannels
            let weights = graph.dequantized(
                "\(name).w", bytes: convolution.weights.withUnsafeBytes { Data($0) }, type: .int8,
                dims: [channels, layer.inputChannels / convolution.folded.groups, layer.kernel, layer.kernel],
                scales: convolution.weightScales)
            let inputScale = quantization[source].scale
            let bias = graph.dequantized(
                "\(name).b", bytes: convolution.bias.withUnsafeBytes { Data($0) }, type: .int32, dims: [channels],
                scales: convolution.weightScales.map { $0 * inputScale })
            graph.node(
                "Conv", name: nodeName, inputs: [values[source], weights, bias], outputs: ["\(name).y"],
                attributes: convolutionAttributes(convolution.folded))
            // ReLU and ReLU6 are left to the QuantizeLinear after them when its range already clips (as
            // calibration arranges): one node fewer per layer, and what integer kernels do anyway.
            if let fused, !quantization[output].subsumes(fused) {
                return graph.activation(fused, input: "\(name).y", output: "\(name).a", name: "\(nodeName).act")
            }
            return "\(name).y"
        }
        for node in folded.nodes {
            let output = node.output
            let name = names[output]
            switch node {
            case .convolution(let index, let source, _, let fused):
                let result = convolution(
                    network.convolutions[index], name: name, nodeName: fullNames[output], source: source,
                    output: output, fused: fused)
                values[output] = graph.quantizeDequantize(result, quantization[output], name: name)
            case .add(let first, let second, _):
                graph.node(
                    "Add", name: fullNames[output], inputs: [values[first], values[second]], outputs: ["\(name).y"])
                values[output] = graph.quantizeDequantize("\(name).y", quantization[output], name: name)
            case .activation(let activation, let source, _):
                usesHardSwish = usesHardSwish || activation == .hardSwish
                let result = graph.activation(
                    activation, input: values[source], output: "\(name).y", name: fullNames[output])
                values[output] = graph.quantizeDequantize(result, quantization[output], name: name)
            case .squeezeExcitation(let index, let source, let pooled, let hidden, let gate, _):
                let excitation = network.excitations[index]
                graph.node(
                    "GlobalAveragePool", name: fullNames[pooled], inputs: [values[source]],
                    outputs: ["\(names[pooled]).y"])
                values[pooled] = graph.quantizeDequantize(
                    "\(names[pooled]).y", quantization[pooled], name: names[pooled])
                let reduced = convolution(
                    excitation.reduce, name: names[hidden], nodeName: fullNames[hidden], source: pooled, output: hidden,
                    fused: .relu)
                values[hidden] = graph.quantizeDequantize(reduced, quantization[hidden], name: names[hidden])
                // The gate convolution's output quantized onto [0, 1]: QuantizeLinear saturates, which is the
                // hard-sigmoid's clamp.
                let gated = convolution(
                    excitation.gate, name: names[gate], nodeName: fullNames[gate], source: hidden, output: gate,
                    fused: nil)
                values[gate] = graph.quantizeDequantize(gated, quantization[gate], name: names[gate])
                graph.node(
                    "Mul", name: fullNames[output], inputs: [values[source], values[gate]], outputs: ["\(name).y"])
                values[output] = graph.quantizeDequantize("\(name).y", quantization[output], name: name)
            case .pool(let source, _):
                graph.node("GlobalAveragePool", name: "pool", inputs: [values[source]], outputs: ["pool.y"])
                let pooledValues = graph.quantizeDequantize("pool.y", quantization[output], name: "pool")
                graph.node(
                    "Flatten", name: "flatten", inputs: [pooledValues], outputs: ["features"],
                    attributes: [.int("axis", 1)])
                values[output] = "features"
            case .dense(let index, let source, _):
                let layer = index < network.hidden.count ? network.hidden[index] : network.dense
                let floatLayer = folded.denseLayers[index]
                let weights = graph.dequantized(
                    "\(name).w", bytes: layer.weights.withUnsafeBytes { Data($0) }, type: .int8,
                    dims: [floatLayer.outputs, floatLayer.inputs], scales: [layer.weightScale])
                let bias = graph.dequantized(
                    "\(name).b", bytes: layer.bias.withUnsafeBytes { Data($0) }, type: .int32,
                    dims: [floatLayer.outputs], scales: [layer.weightScale * quantization[source].scale])
                graph.node(
                    "Gemm", name: fullNames[output], inputs: [values[source], weights, bias], outputs: ["\(name).y"],
                    attributes: [.int("transB", 1)])
                let last = output == folded.tensorCount - 1
                values[output] = graph.quantizeDequantize(
                    "\(name).y", quantization[output], name: name, output: last ? metadata.outputName : nil)
            }
        }
        return try serialize(
            graph.model(
                input: "input", resolution: folded.spec.resolution, output: values[folded.tensorCount - 1],
                outputs: folded.spec.outputs, inputType: .float, metadata: metadata,
                opset: usesHardSwish ? 14 : opset))
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
