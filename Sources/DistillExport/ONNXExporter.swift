// Copyright 2026 The Distill authors.
// A folded MobileNet as an ONNX model (IR version 8, opset 13; 14 for V2 and V3), built with the
// SwiftProtobuf messages generated from schemas/onnx_subset.proto. Graph: input "input" (N, 3, R, R) float,
// N symbolic; per convolution Conv (+ Relu, Clip to [0, 6] or HardSwish; V2/V3: Add for a residual,
// squeeze-and-excitation as pool, two 1x1 Conv, HardSigmoid and Mul); GlobalAveragePool, Flatten, Gemm
// (transB) to the output named by the metadata ("logits", "attribute_logits" or "embedding"), (N, outputs).

import DistillEngine
import DistillModels
import Foundation
import SwiftProtobuf

/// Writes ONNX models.
public enum ONNXExporter {
    /// The operator set the graph uses.
    static let opset: Int64 = 13
    /// The IR version written.
    static let irVersion: Int64 = 8

    /// Serialises a folded network as a float32 ONNX model.
    /// - Parameters:
    ///   - network: The folded network.
    ///   - metadata: Its self-description (layout and precision are set here).
    /// - Returns: The file's bytes.
    /// - Throws: ``ExportError`` if SwiftProtobuf cannot serialise the model.
    public static func float32Model(_ network: FoldedMobileNet, metadata: ExportMetadata) throws -> Data {
        var metadata = metadata
        metadata.inputLayout = "NCHW"
        metadata.precision = "float32"
        return try layerGraphModel(network, metadata: metadata)
    }

    /// Every family, layer by layer from the spec: Conv with bias per folded convolution (+ Relu, Clip or
    /// HardSwish), Add for a residual, squeeze-and-excitation as GlobalAveragePool → Conv → Relu → Conv →
    /// HardSigmoid(1/6, 1/2) → Mul, then GlobalAveragePool, Flatten and one Gemm per fully connected layer.
    /// Opset 13, or 14 when HardSwish is used.
    static func layerGraphModel(_ network: FoldedMobileNet, metadata: ExportMetadata) throws -> Data {
        let convolutions = Dictionary(network.convolutions.map { ($0.layer.name, $0) }, uniquingKeysWith: { a, _ in a })
        let excitations = Dictionary(
            network.squeezeExcitations.map { ($0.layer.name, $0) }, uniquingKeysWith: { a, _ in a })
        var denseLayers = (network.hidden + [network.dense]).makeIterator()
        var graph = GraphBuilder()
        var current = "input"
        var blockInput = current
        var usesHardSwish = false
        for layer in network.spec.layers {
            let name = layer.name
            if layer.startsBlock { blockInput = current }
            switch layer.kind {
            case .convolution, .depthwise, .pointwise:
                guard let convolution = convolutions[name] else {
                    throw ExportError(.encodingFailed, "The folded network has no convolution \(name).")
                }
                let weights = graph.constant(
                    "\(name).weights", floats: convolution.weights,
                    dims: [layer.outputChannels, layer.inputChannels / convolution.groups, layer.kernel, layer.kernel])
                let bias = graph.constant("\(name).bias", floats: convolution.bias, dims: [layer.outputChannels])
                graph.node(
                    "Conv", name: name, inputs: [current, weights, bias], outputs: ["\(name).conv"],
                    attributes: convolutionAttributes(convolution))
                current = "\(name).conv"
                if layer.addsResidual {
                    graph.node("Add", name: "\(name).residual", inputs: [current, blockInput], outputs: ["\(name).sum"])
                    current = "\(name).sum"
                }
                if let activation = convolution.activation {
                    current = graph.activation(activation, input: current, output: "\(name).out", name: "\(name).act")
                    usesHardSwish = usesHardSwish || activation == .hardSwish
                }
            case .squeezeExcite:
                guard let excitation = excitations[name] else {
                    throw ExportError(.encodingFailed, "The folded network has no squeeze-and-excitation \(name).")
                }
                let (channels, squeeze) = (layer.inputChannels, layer.squeezeChannels)
                graph.node("GlobalAveragePool", name: "\(name).pool", inputs: [current], outputs: ["\(name).pooled"])
                let reduce = graph.constant(
                    "\(name).reduce.weights", floats: excitation.reduceWeights, dims: [squeeze, channels, 1, 1])
                let reduceBias = graph.constant("\(name).reduce.bias", floats: excitation.reduceBias, dims: [squeeze])
                graph.node(
                    "Conv", name: "\(name).reduce", inputs: ["\(name).pooled", reduce, reduceBias],
                    outputs: ["\(name).reduced"])
                graph.node("Relu", name: "\(name).relu", inputs: ["\(name).reduced"], outputs: ["\(name).hidden"])
                let expand = graph.constant(
                    "\(name).expand.weights", floats: excitation.expandWeights, dims: [channels, squeeze, 1, 1])
                let expandBias = graph.constant("\(name).expand.bias", floats: excitation.expandBias, dims: [channels])
                graph.node(
                    "Conv", name: "\(name).expand", inputs: ["\(name).hidden", expand, expandBias],
                    outputs: ["\(name).excitation"])
                graph.node(
                    "HardSigmoid", name: "\(name).gate", inputs: ["\(name).excitation"], outputs: ["\(name).scale"],
                    attributes: [.float("alpha", 1.0 / 6), .float("beta", 0.5)])
                graph.node("Mul", name: "\(name).apply", inputs: [current, "\(name).scale"], outputs: ["\(name).out"])
                current = "\(name).out"
            case .averagePool:
                graph.node("GlobalAveragePool", name: "pool", inputs: [current], outputs: ["pool.out"])
                graph.node("Flatten", name: "flatten", inputs: ["pool.out"], outputs: ["features"], attributes: [.int("axis", 1)])
                current = "features"
            case .fullyConnected:
                guard let dense = denseLayers.next() else {
                    throw ExportError(.encodingFailed, "The folded network has no fully connected layer \(name).")
                }
                let weights = graph.constant("\(name).weights", floats: dense.weights, dims: [dense.outputs, dense.inputs])
                let bias = graph.constant("\(name).bias", floats: dense.bias, dims: [dense.outputs])
                let last = name == network.spec.layers.last?.name
                let output = last ? metadata.outputName : "\(name).linear"
                usesHardSwish = usesHardSwish || dense.activation == .hardSwish
                graph.node("Gemm", name: name, inputs: [current, weights, bias], outputs: [output], attributes: [.int("transB", 1)])
                current = output
                if let activation = dense.activation {
                    current = graph.activation(activation, input: current, output: "\(name).out", name: "\(name).act")
                }
            }
        }
        return try serialize(
            graph.model(
                input: "input", resolution: network.spec.resolution, output: current,
                outputs: network.spec.outputs, inputType: .float, metadata: metadata, opset: usesHardSwish ? 14 : opset))
    }

    // MARK: - Building blocks

    static func convolutionAttributes(_ convolution: FoldedMobileNet.Convolution) -> [Onnx_AttributeProto] {
        // Attributes at their defaults (strides 1, dilations 1, group 1) are left out.
        let layer = convolution.layer
        let padding = Int64(layer.kernel / 2)
        var attributes: [Onnx_AttributeProto] = [
            .ints("kernel_shape", [Int64(layer.kernel), Int64(layer.kernel)]),
            .ints("pads", [padding, padding, padding, padding]),
        ]
        if layer.stride != 1 { attributes.append(.ints("strides", [Int64(layer.stride), Int64(layer.stride)])) }
        if convolution.groups != 1 { attributes.append(.int("group", Int64(convolution.groups))) }
        return attributes
    }

    static func serialize(_ model: Onnx_ModelProto) throws -> Data {
        do {
            return try model.serializedData()
        } catch {
            throw ExportError(.encodingFailed, "SwiftProtobuf cannot serialise the ONNX model: \(error).")
        }
    }
}

/// Collects nodes and initializers of one ONNX graph.
struct GraphBuilder {
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []

    /// Adds a float initializer; returns its name.
    mutating func constant(_ name: String, floats: [Float], dims: [Int]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = dims.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.rawData = floats.withUnsafeBytes { Data($0) }
        initializers.append(tensor)
        return name
    }

    /// Adds an initializer of raw little-endian bytes; returns its name.
    mutating func constant(_ name: String, bytes: Data, type: Onnx_TensorProto.DataType, dims: [Int]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = dims.map(Int64.init)
        tensor.dataType = Int32(type.rawValue)
        tensor.rawData = bytes
        initializers.append(tensor)
        return name
    }

    mutating func node(
        _ operation: String, name: String, inputs: [String], outputs: [String],
        attributes: [Onnx_AttributeProto] = []
    ) {
        var node = Onnx_NodeProto()
        node.opType = operation
        node.name = name
        node.input = inputs
        node.output = outputs
        node.attribute = attributes
        nodes.append(node)
    }

    /// Relu, or Clip to [0, 6] for ReLU6; returns the output name.
    mutating func activation(
        _ activation: Activation, input: String, output: String, name: String
    ) -> String {
        switch activation {
        case .relu:
            node("Relu", name: name, inputs: [input], outputs: [output])
        case .relu6:
            if !initializers.contains(where: { $0.name == "relu6.min" }) {
                _ = constant("relu6.min", floats: [0], dims: [])
                _ = constant("relu6.max", floats: [6], dims: [])
            }
            node("Clip", name: name, inputs: [input, "relu6.min", "relu6.max"], outputs: [output])
        case .hardSwish:
            // Opset 14: the model declares it when a network uses h-swish (V3).
            node("HardSwish", name: name, inputs: [input], outputs: [output])
        }
        return output
    }

    /// The model around the graph: typed input (N, 3, R, R) and output (N, outputs), opset, metadata.
    func model(
        input: String, resolution: Int, output: String, outputs: Int, inputType: Onnx_TensorProto.DataType,
        metadata: ExportMetadata, opset operatorSet: Int64 = ONNXExporter.opset
    ) throws -> Onnx_ModelProto {
        var graph = Onnx_GraphProto()
        graph.name = "mobilenet"
        graph.node = nodes
        graph.initializer = initializers
        graph.input = [Self.valueInfo(input, type: inputType, dims: [nil, 3, resolution, resolution])]
        graph.output = [Self.valueInfo(output, type: .float, dims: [nil, outputs])]
        var model = Onnx_ModelProto()
        model.irVersion = ONNXExporter.irVersion
        model.producerName = "distill"
        model.producerVersion = "0.1.0"
        model.docString = "MobileNet student distilled by Distill from teacher '\(metadata.teacher)' (\(metadata.run))."
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = operatorSet
        model.opsetImport = [opset]
        model.graph = graph
        var properties = [("distill", try metadata.json())]
        properties += metadata.keyValues
        model.metadataProps = properties.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return model
    }

    /// A tensor value description; a nil dimension is the symbolic batch "N".
    static func valueInfo(_ name: String, type: Onnx_TensorProto.DataType, dims: [Int?]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { value in
            var dimension = Onnx_TensorShapeProto.Dimension()
            if let value { dimension.dimValue = Int64(value) } else { dimension.dimParam = "N" }
            return dimension
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(type.rawValue)
        tensor.shape = shape
        var typeProto = Onnx_TypeProto()
        typeProto.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = typeProto
        return info
    }
}

extension Onnx_AttributeProto {
    static func int(_ name: String, _ value: Int64) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = value
        return attribute
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }

    static func ints(_ name: String, _ values: [Int64]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values
        return attribute
    }
}
