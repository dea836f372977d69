// Copyright 2026 The Distill authors.
// Where each MobileNet parameter lives in the network's one contiguous parameter buffer (and the same
// offsets in the gradient buffer). Weight-decayed tensors (full and pointwise convolution weights, fully
// connected weights) come first, so an optimizer updates the network in two calls: [0, decayedCount)
// with weight decay and [decayedCount, parameterCount) without (depthwise filters, batch-norm scales and
// shifts, biases; paper §3.2). Shapes: convolution (O, I/groups, K, K), fully connected (O, I), vectors (C).
// A squeeze-and-excitation layer "blockN.se" has two 1x1 convolutions with bias, laid out under the layer
// names "blockN.se.reduce" and "blockN.se.expand".

import DistillEngine

/// One parameter tensor of a MobileNet.
public struct MobileNetParameter: Sendable, Equatable {
    /// What the tensor is.
    public enum Role: String, Sendable, Codable {
        /// Full or pointwise convolution, or fully connected weights (weight-decayed).
        case weights
        /// Depthwise filters (never weight-decayed).
        case depthwiseWeights
        /// Batch-norm γ.
        case scale
        /// Batch-norm β.
        case shift
        /// Fully connected bias.
        case bias
    }

    /// "conv1.weights", "block1.dw.weights", "block1.dw.scale", "fc.bias", ….
    public var name: String
    /// The layer's name in the spec ("conv1", "block1.dw", "fc").
    public var layer: String
    /// What the tensor is.
    public var role: Role
    /// The tensor's shape.
    public var shape: [Int]
    /// First float in the parameter buffer.
    public var offset: Int

    /// Number of floats.
    public var count: Int { shape.reduce(1, *) }
    /// Whether weight decay applies (only full, pointwise and fully connected weights).
    public var applyWeightDecay: Bool { role == .weights }
}

/// The running statistics of one batch norm in the statistics buffer: mean (C floats) at `offset`,
/// variance (C floats) right after.
public struct BatchNormStatistics: Sendable, Equatable {
    /// The layer the batch norm follows.
    public var layer: String
    /// First float of the running mean.
    public var offset: Int
    /// Channels C.
    public var channels: Int
}

/// The parameter and statistics layout of a MobileNet built from a ``MobileNetSpec``.
public struct MobileNetParameterLayout: Sendable, Equatable {
    /// Every tensor, in buffer order.
    public var parameters: [MobileNetParameter]
    /// Every batch norm's running statistics.
    public var statistics: [BatchNormStatistics]
    /// Floats in the parameter buffer.
    public var parameterCount: Int
    /// Floats at the start of the buffer that get weight decay.
    public var decayedCount: Int
    /// Floats in the statistics buffer.
    public var statisticsCount: Int

    /// Lays out the parameters of `spec`.
    /// - Parameter spec: The network.
    public init(spec: MobileNetSpec) {
        var decayed: [MobileNetParameter] = []
        var others: [MobileNetParameter] = []
        var statistics: [BatchNormStatistics] = []
        var statisticsOffset = 0
        for layer in spec.layers {
            switch layer.kind {
            case .convolution, .pointwise, .depthwise:
                let depthwise = layer.kind == .depthwise
                let shape = [
                    layer.outputChannels, depthwise ? 1 : layer.inputChannels, layer.kernel, layer.kernel,
                ]
                let weights = MobileNetParameter(
                    name: "\(layer.name).weights", layer: layer.name, role: depthwise ? .depthwiseWeights : .weights,
                    shape: shape, offset: 0)
                if depthwise { others.append(weights) } else { decayed.append(weights) }
                if layer.hasBatchNorm {
                    others.append(
                        MobileNetParameter(
                            name: "\(layer.name).scale", layer: layer.name, role: .scale,
                            shape: [layer.outputChannels], offset: 0))
                    others.append(
                        MobileNetParameter(
                            name: "\(layer.name).shift", layer: layer.name, role: .shift,
                            shape: [layer.outputChannels], offset: 0))
                    statistics.append(
                        BatchNormStatistics(layer: layer.name, offset: statisticsOffset, channels: layer.outputChannels)
                    )
                    statisticsOffset += 2 * layer.outputChannels
                }
            case .fullyConnected:
                decayed.append(
                    MobileNetParameter(
                        name: "\(layer.name).weights", layer: layer.name, role: .weights,
                        shape: [layer.outputChannels, layer.inputChannels], offset: 0))
                others.append(
                    MobileNetParameter(
                        name: "\(layer.name).bias", layer: layer.name, role: .bias, shape: [layer.outputChannels],
                        offset: 0))
            case .squeezeExcite:
                // Two 1x1 convolutions with bias: "<layer>.reduce" (S, C, 1, 1) and "<layer>.expand" (C, S, 1, 1).
                let channels = layer.inputChannels
                let squeeze = layer.squeezeChannels
                for (part, outputs, inputs) in [("reduce", squeeze, channels), ("expand", channels, squeeze)] {
                    let name = "\(layer.name).\(part)"
                    decayed.append(
                        MobileNetParameter(
                            name: "\(name).weights", layer: name, role: .weights, shape: [outputs, inputs, 1, 1],
                            offset: 0))
                    others.append(
                        MobileNetParameter(
                            name: "\(name).bias", layer: name, role: .bias, shape: [outputs], offset: 0))
                }
            case .averagePool:
                break
            }
        }
        var offset = 0
        var placed: [MobileNetParameter] = []
        for var parameter in decayed + others {
            parameter.offset = offset
            offset += parameter.count
            placed.append(parameter)
        }
        self.parameters = placed
        self.statistics = statistics
        self.parameterCount = offset
        self.decayedCount = decayed.reduce(0) { $0 + $1.count }
        self.statisticsCount = statisticsOffset
    }

    /// The tensor with a given role in a layer.
    /// - Parameters:
    ///   - layer: The layer's name in the spec.
    ///   - role: The tensor's role.
    /// - Returns: The tensor, or `nil` if the layer has none with that role.
    public func parameter(layer: String, role: MobileNetParameter.Role) -> MobileNetParameter? {
        parameters.first { $0.layer == layer && $0.role == role }
    }

    /// Where a squeeze-and-excitation layer's four tensors start.
    /// - Parameter layer: The layer's name in the spec ("block4.se").
    /// - Returns: The offsets of W1, b1, W2 and b2.
    /// - Throws: ``EngineError`` if the layout has no such layer.
    public func squeezeExcitationOffsets(layer: String) throws -> SqueezeExcitationLayer.Offsets {
        guard let reduce = parameter(layer: "\(layer).reduce", role: .weights),
            let reduceBias = parameter(layer: "\(layer).reduce", role: .bias),
            let expand = parameter(layer: "\(layer).expand", role: .weights),
            let expandBias = parameter(layer: "\(layer).expand", role: .bias)
        else { throw EngineError(.invalidArgument, "No weights laid out for layer \(layer).") }
        return SqueezeExcitationLayer.Offsets(
            reduceWeights: reduce.offset, reduceBias: reduceBias.offset, expandWeights: expand.offset,
            expandBias: expandBias.offset)
    }

    /// The running statistics of the batch norm after a layer.
    /// - Parameter layer: The layer's name in the spec.
    /// - Returns: Its statistics entry, or `nil` if the layer has no batch norm.
    public func statistics(layer: String) -> BatchNormStatistics? {
        statistics.first { $0.layer == layer }
    }

    /// Fills fresh parameters and statistics: He-normal convolution weights (fan-in I/groups·K·K),
    /// Glorot-uniform fully connected weights, γ = 1, β = 0, bias 0, running mean 0 and variance 1.
    /// - Parameters:
    ///   - parameters: ``parameterCount`` floats.
    ///   - statistics: ``statisticsCount`` floats.
    ///   - generator: The seeded random source.
    public func initialize(
        parameters: UnsafeMutableBufferPointer<Float>, statistics: UnsafeMutableBufferPointer<Float>,
        generator: inout SeededGenerator
    ) {
        for parameter in self.parameters {
            let slice = UnsafeMutableBufferPointer(
                rebasing: parameters[parameter.offset..<(parameter.offset + parameter.count)])
            switch parameter.role {
            case .weights where parameter.shape.count == 2:
                generator.fillGlorotUniform(slice, fanIn: parameter.shape[1], fanOut: parameter.shape[0])
            case .weights, .depthwiseWeights:
                generator.fillHeNormal(slice, fanIn: parameter.shape[1...].reduce(1, *))
            case .scale:
                slice.update(repeating: 1)
            case .shift, .bias:
                slice.update(repeating: 0)
            }
        }
        for entry in self.statistics {
            for c in 0..<entry.channels {
                statistics[entry.offset + c] = 0
                statistics[entry.offset + entry.channels + c] = 1
            }
        }
    }
}
