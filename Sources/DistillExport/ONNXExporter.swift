// Copyright 2026 The Distill authors.
// A folded MobileNet as an ONNX model (IR version 8, opset 13; 14 where V3 uses HardSwish), built with the
// SwiftProtobuf messages generated from schemas/onnx_subset.proto, node by node of FoldedMobileNet.nodes.
// Graph: input "input" (N, 3, R, R) float, N symbolic; per convolution Conv (+ Relu or Clip to [0, 6]); V2/V3:
// Add for a residual, HardSwish, squeeze-and-excitation as pool, two 1x1 Conv, HardSigmoid and Mul;
// GlobalAveragePool, Flatten, Gemm (transB) to the output named by the metadata ("logits", "attribute_logits" or
// "embedding"), (N, outputs).

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

    /// Every family, node by node (``FoldedMobileNet/nodes``): Conv with bias per folded convolution (+ Relu or
    /// Clip), Add for a residual, HardSwish, squeeze-and-excitation as GlobalAveragePool → Conv → Relu → Conv →
    /// HardSigmoid(1/6, 1/2) → Mul, then GlobalAveragePool, Flatten and one Gemm per fully connected layer.
    /// Opset 13, or 14 when HardSwish is used.
    static func layerGraphModel(_ network: FoldedMobileNet, metadata: ExportMetadata) throws -> Data {
        let layerNames = network.tensorNames
        var names = layerNames
        names[0] = "input"
        names[names.count - 1] = metadata.outputName
        let layers = network.denseLayers
        var graph = GraphBuilder()
        var usesHardSwish = false
        /// Conv with the convolution's weights and bias as initializers named `prefix.weights` / `prefix.bias`.
        func convolution(_ convolution: FoldedMobileNet.Convolution, prefix: String, input: String, output: String) {
            let layer = convolution.layer
            let weights = graph.constant(
                "\(prefix).weights", floats: convolution.weights,
                dims: [layer.outputChannels, layer.inputChannels / convolution.groups, layer.kernel, layer.kernel])
            let bias = graph.constant("\(prefix).bias", floats: convolution.bias, dims: [layer.outputChannels])
            graph.node(
                "Conv", name: prefix, inputs: [input, weights, bias], outputs: [output],
                attributes: convolutionAttributes(convolution))
        }
        for node in network.nodes {
            let output = node.output
            let name = names[output]
            switch node {
            case .convolution(let index, let source, _, let fused):
                let convolved = fused == nil ? name : "\(name).conv"
                convolution(network.convolutions[index], prefix: name, input: names[source], output: convolved)
                if let fused { _ = graph.activation(fused, input: convolved, output: name, name: "\(name).act") }
            case .add(let first, let second, _):
                graph.node("Add", name: name, inputs: [names[first], names[second]], outputs: [name])
            case .activation(let activation, let source, _):
                usesHardSwish = usesHardSwish || activation == .hardSwish
                _ = graph.activation(activation, input: names[source], output: name, name: name)
            case .squeezeExcitation(let index, let source, let pooled, let hidden, let gate, _):
                let excitation = network.squeezeExcitations[index]
                graph.node("GlobalAveragePool", name: names[pooled], inputs: [names[source]], outputs: [names[pooled]])
                convolution(
                    excitation.reduceConvolution, prefix: "\(name).reduce", input: names[pooled],
                    output: "\(name).reduced")
                graph.node("Relu", name: names[hidden], inputs: ["\(name).reduced"], outputs: [names[hidden]])
                convolution(
                    excitation.expandConvolution, prefix: "\(name).expand", input: names[hidden],
                    output: "\(name).excitation")
                graph.node(
                    "HardSigmoid", name: names[gate], inputs: ["\(name).excitation"], outputs: [names[gate]],
                    attributes: [.float("alpha", 1.0 / 6), .float("beta", 0.5)])
                graph.node("Mul", name: name, inputs: [names[source], names[gate]], outputs: [name])
            case .pool(let source, _):
                graph.node("GlobalAveragePool", name: "pool", inputs: [names[source]], outputs: ["pool.out"])
                graph.node(
                    "Flatten", name: "flatten", inputs: ["pool.out"], outputs: [name], attributes: [.int("axis", 1)])
            case .dense(let index, let source, _):
                let dense = layers[index]
                let prefix = layerNames[output]
                let weights = graph.constant(
                    "\(prefix).weights", floats: dense.weights, dims: [dense.outputs, dense.inputs])
                let bias = graph.constant("\(prefix).bias", floats: dense.bias, dims: [dense.outputs])
                graph.node(
                    "Gemm", name: prefix, inputs: [names[source], weights, bias], outputs: [name],
                    attributes: [.int("transB", 1)])
            }
        }
        return try serialize(
            graph.model(
                input: "input", resolution: network.spec.resolution, output: names[network.tensorCount - 1],
                outputs: network.spec.outputs, inputType: .float, metadata: metadata, opset: usesHardSwish ? 14 : opset)
        )
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
