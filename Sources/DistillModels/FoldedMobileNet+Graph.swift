// Copyright 2026 The Distill authors.
// The deployed network as a list of operations on numbered tensors: what folded inference (MobileNetInference)
// and the float and int8 references compute, what int8 calibration observes and what the exporters write, for
// every family. Tensors are numbered in
// execution order, 0 the input and the last one the output. A V1 network is C convolutions (tensors 1…C), the
// pool (C + 1) and the fully connected layer (C + 2). V2 and V3 add residual sums, stand-alone activations
// (h-swish, and any activation after a residual sum), squeeze-and-excitation (four tensors: the pooled channels,
// the ReLU of the reduction, the hard-sigmoid gate and the scaled input) and V3's hidden fully connected layer.

import DistillEngine

extension FoldedMobileNet {
    /// One operation of the deployed network.
    public enum Node: Sendable, Equatable {
        /// ``FoldedMobileNet/convolutions``[index] with its bias, and its activation when `fused` (ReLU or
        /// ReLU6; nil when the activation follows as a node of its own or there is none).
        case convolution(index: Int, input: Int, output: Int, fused: Activation?)
        /// The elementwise sum of two tensors of one shape (a residual).
        case add(Int, Int, output: Int)
        /// An activation on its own: h-swish, or any activation after a residual sum.
        case activation(Activation, input: Int, output: Int)
        /// ``FoldedMobileNet/squeezeExcitations``[index]: `pooled` the channel means of `input`, `hidden`
        /// ReLU(reduce · pooled + bias), `gate` hard-sigmoid(expand · hidden + bias), `output` each channel of
        /// `input` times its gate.
        case squeezeExcitation(index: Int, input: Int, pooled: Int, hidden: Int, gate: Int, output: Int)
        /// The global average pool to one value per channel.
        case pool(input: Int, output: Int)
        /// ``FoldedMobileNet/denseLayers``[index] with its bias (its activation, if any, follows as a node).
        case dense(index: Int, input: Int, output: Int)

        /// The tensor the node writes (for squeeze-and-excitation, the scaled input).
        public var output: Int {
            switch self {
            case .convolution(_, _, let output, _), .add(_, _, let output), .activation(_, _, let output),
                .squeezeExcitation(_, _, _, _, _, let output), .pool(_, let output), .dense(_, _, let output):
                output
            }
        }

        /// The tensors the node reads.
        public var inputs: [Int] {
            switch self {
            case .convolution(_, let input, _, _), .activation(_, let input, _),
                .squeezeExcitation(_, let input, _, _, _, _), .pool(let input, _), .dense(_, let input, _):
                [input]
            case .add(let first, let second, _): [first, second]
            }
        }
    }

    /// The fully connected layers in order: ``hidden`` then ``dense``.
    public var denseLayers: [Dense] { hidden + [dense] }

    /// The network's operations in execution order; tensor 0 is the input, ``tensorCount`` − 1 the output.
    public var nodes: [Node] { graph.nodes }

    /// How many tensors ``nodes`` use, the input and output included.
    public var tensorCount: Int { graph.tensors }

    /// The nodes and tensor count, derived from the spec's layer order.
    private var graph: (nodes: [Node], tensors: Int) {
        var nodes: [Node] = []
        var next = 1
        var current = 0
        var blockInput = 0
        var convolutionIndex = 0
        var excitationIndex = 0
        var denseIndex = 0
        func produce() -> Int {
            defer { next += 1 }
            return next
        }
        for layer in spec.layers {
            if layer.startsBlock { blockInput = current }
            switch layer.kind {
            case .convolution, .depthwise, .pointwise:
                guard convolutionIndex < convolutions.count else { continue }
                let activation = convolutions[convolutionIndex].activation
                let fusable = !layer.addsResidual && (activation == .relu || activation == .relu6)
                let output = produce()
                nodes.append(
                    .convolution(
                        index: convolutionIndex, input: current, output: output, fused: fusable ? activation : nil))
                current = output
                convolutionIndex += 1
                if layer.addsResidual {
                    let sum = produce()
                    nodes.append(.add(current, blockInput, output: sum))
                    current = sum
                }
                if let activation, !fusable {
                    let activated = produce()
                    nodes.append(.activation(activation, input: current, output: activated))
                    current = activated
                }
            case .squeezeExcite:
                guard excitationIndex < squeezeExcitations.count else { continue }
                let (pooled, hidden, gate, output) = (produce(), produce(), produce(), produce())
                nodes.append(
                    .squeezeExcitation(
                        index: excitationIndex, input: current, pooled: pooled, hidden: hidden, gate: gate,
                        output: output))
                current = output
                excitationIndex += 1
            case .averagePool:
                let output = produce()
                nodes.append(.pool(input: current, output: output))
                current = output
            case .fullyConnected:
                let layers = denseLayers
                guard denseIndex < layers.count else { continue }
                let output = produce()
                nodes.append(.dense(index: denseIndex, input: current, output: output))
                current = output
                if let activation = layers[denseIndex].activation {
                    let activated = produce()
                    nodes.append(.activation(activation, input: current, output: activated))
                    current = activated
                }
                denseIndex += 1
            }
        }
        return (nodes, next)
    }

    /// The shape of every tensor as (channels, height, width), indexed like ``nodes``' tensors.
    public var tensorShapes: [(channels: Int, height: Int, width: Int)] {
        let resolution = spec.resolution
        var shapes = [(channels: Int, height: Int, width: Int)](
            repeating: (0, 0, 0), count: tensorCount)
        shapes[0] = (MobileNetSpec.inputChannels, resolution, resolution)
        let layers = denseLayers
        for node in nodes {
            switch node {
            case .convolution(let index, _, let output, _):
                let layer = convolutions[index].layer
                shapes[output] = (layer.outputChannels, layer.outputHeight, layer.outputWidth)
            case .add(let first, _, let output):
                shapes[output] = shapes[first]
            case .activation(_, let input, let output):
                shapes[output] = shapes[input]
            case .squeezeExcitation(let index, let input, let pooled, let hidden, let gate, let output):
                let layer = squeezeExcitations[index].layer
                shapes[pooled] = (layer.inputChannels, 1, 1)
                shapes[hidden] = (layer.squeezeChannels, 1, 1)
                shapes[gate] = (layer.inputChannels, 1, 1)
                shapes[output] = shapes[input]
            case .pool(let input, let output):
                shapes[output] = (shapes[input].channels, 1, 1)
            case .dense(let index, _, let output):
                shapes[output] = (layers[index].outputs, 1, 1)
            }
        }
        return shapes
    }

    /// A name per tensor for exported graphs: "input"; a convolution's layer name ("block3.pw"); "….sum" for a
    /// residual sum and "….act" for an activation of its own after the tensor it reads; "blockN.se.pooled",
    /// ".hidden", ".gate" and "blockN.se" for squeeze-and-excitation; "pool"; the fully connected layer's name.
    public var tensorNames: [String] {
        var names = [String](repeating: "", count: tensorCount)
        names[0] = "input"
        let denseNames = spec.layers.filter { $0.kind == .fullyConnected }.map(\.name)
        for node in nodes {
            switch node {
            case .convolution(let index, _, let output, _):
                names[output] = convolutions[index].layer.name
            case .add(let first, _, let output):
                names[output] = "\(names[first]).sum"
            case .activation(_, let input, let output):
                names[output] = "\(names[input]).act"
            case .squeezeExcitation(let index, _, let pooled, let hidden, let gate, let output):
                let name = squeezeExcitations[index].layer.name
                names[pooled] = "\(name).pooled"
                names[hidden] = "\(name).hidden"
                names[gate] = "\(name).gate"
                names[output] = name
            case .pool(_, let output):
                names[output] = "pool"
            case .dense(let index, _, let output):
                names[output] = index < denseNames.count ? denseNames[index] : "fc\(index)"
            }
        }
        return names
    }

    /// The gates of squeeze-and-excitation: tensors whose int8 range is fixed to [0, 1].
    public var gateTensors: Set<Int> {
        Set(
            nodes.compactMap { node in
                if case .squeezeExcitation(_, _, _, _, let gate, _) = node { return gate }
                return nil
            })
    }
}

extension FoldedMobileNet.SqueezeExcitation {
    /// The reduction as a 1x1 convolution on the pooled channels (1x1 map), ReLU after it.
    public var reduceConvolution: FoldedMobileNet.Convolution {
        Self.pointwise(
            "\(layer.name).reduce", inputs: layer.inputChannels, outputs: layer.squeezeChannels,
            weights: reduceWeights, bias: reduceBias, activation: .relu)
    }

    /// The expansion as a 1x1 convolution on the reduction's output (1x1 map), the hard-sigmoid after it.
    public var expandConvolution: FoldedMobileNet.Convolution {
        Self.pointwise(
            "\(layer.name).expand", inputs: layer.squeezeChannels, outputs: layer.inputChannels,
            weights: expandWeights, bias: expandBias, activation: nil)
    }

    /// The expansion folded into the hard-sigmoid's affine part: weights / 6 and (bias + 3) / 6, so the gate is
    /// this convolution's output clamped to [0, 1] (int8: quantized onto ``ActivationQuantization/unitInterval``).
    public var gateConvolution: FoldedMobileNet.Convolution {
        var gate = expandConvolution
        gate.weights = expandWeights.map { $0 / 6 }
        gate.bias = expandBias.map { ($0 + 3) / 6 }
        return gate
    }

    private static func pointwise(
        _ name: String, inputs: Int, outputs: Int, weights: [Float], bias: [Float], activation: Activation?
    ) -> FoldedMobileNet.Convolution {
        let layer = LayerSpec(
            name: name, kind: .pointwise, kernel: 1, stride: 1, inputChannels: inputs, outputChannels: outputs,
            inputHeight: 1, inputWidth: 1, outputHeight: 1, outputWidth: 1, hasBatchNorm: false)
        return FoldedMobileNet.Convolution(
            layer: layer, weights: weights, bias: bias, groups: 1, activation: activation)
    }
}
