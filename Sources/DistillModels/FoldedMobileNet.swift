// Copyright 2026 The Distill authors.
// A trained MobileNet with batch norm folded into its convolutions: per convolution W' = W·s and
// b' = β − mean·s with s = γ / sqrt(running variance + ε), followed by the network's activation; then the
// global average pool and the fully connected layer. The one folding that inference, export and int8
// quantization share. Shapes: convolution weights (O, I/groups, K, K), fully connected (O, I).

import DistillEngine

/// The weights of a MobileNet ready for deployment: batch norm folded, nothing left that training needs.
public struct FoldedMobileNet: Sendable {
    /// One convolution (full, depthwise or pointwise) with its folded weights and bias.
    public struct Convolution: Sendable {
        /// The layer in the spec.
        public var layer: LayerSpec
        /// (O, I/groups, K, K) row-major.
        public var weights: [Float]
        /// O floats.
        public var bias: [Float]
        /// 1, or the channel count for a depthwise layer.
        public var groups: Int
        /// The activation after it, nil when it has no batch norm.
        public var activation: Activation?
    }

    /// A squeeze-and-excitation layer's two 1x1 convolutions with bias (V3).
    public struct SqueezeExcitation: Sendable {
        /// The layer in the spec (channels C, ``LayerSpec/squeezeChannels`` S).
        public var layer: LayerSpec
        /// (S, C) row-major.
        public var reduceWeights: [Float]
        /// S floats.
        public var reduceBias: [Float]
        /// (C, S) row-major.
        public var expandWeights: [Float]
        /// C floats.
        public var expandBias: [Float]
    }

    /// A fully connected layer.
    public struct Dense: Sendable {
        /// Features in.
        public var inputs: Int
        /// Outputs.
        public var outputs: Int
        /// (O, I) row-major.
        public var weights: [Float]
        /// O floats.
        public var bias: [Float]
        /// The activation after it (V3's hidden layer: h-swish), nil for none.
        public var activation: Activation? = nil
    }

    /// The architecture.
    public var spec: MobileNetSpec
    /// The nonlinearity after every convolution.
    public var activation: Activation
    /// The convolutions in order.
    public var convolutions: [Convolution]
    /// The classifier (or attribute / embedding head).
    public var dense: Dense
    /// Fully connected layers before ``dense`` (V3's hidden layer), in order.
    public var hidden: [Dense] = []
    /// Squeeze-and-excitation layers (V3), in order.
    public var squeezeExcitations: [SqueezeExcitation] = []
    /// Whether the network is a plain chain of convolutions with the network's activation (ReLU or ReLU6), one
    /// pool and one fully connected layer (every V1): what oneDNN int8 inference (``MobileNetInt8Inference``)
    /// runs. V2's and V3's residuals, squeeze-and-excitation, fixed activations and V3's two-layer head run in
    /// int8 on ``QuantizedMobileNet``'s reference only.
    public var isSequential: Bool {
        activation != .hardSwish && dense.activation == nil && hidden.isEmpty
            && spec.layers.allSatisfy { layer in
                layer.kind != .squeezeExcite && !layer.addsResidual
                    && (layer.kind == .fullyConnected || layer.activation == .network)
            }
    }

    /// Throws unless ``isSequential``: the check oneDNN int8 inference makes first.
    /// - Parameter purpose: What the caller was about to do, such as "ONNX export".
    /// - Throws: ``ModelsError`` naming the architecture.
    public func requireSequential(for purpose: String) throws {
        guard isSequential else {
            throw ModelsError(
                code: .invalidArgument,
                message: "\(purpose) is built for mobilenet_v1 students only so far; this student is "
                    + "\(spec.architecture.rawValue).")
        }
    }

    /// Folds a network's current parameters and running statistics.
    /// - Parameter network: The trained network.
    /// - Throws: ``ModelsError`` when the network's layout lacks a tensor its spec needs.
    public init(network: MobileNet) throws {
        try self.init(
            spec: network.spec, options: network.options, parameters: network.parameters.array,
            statistics: network.statistics.array)
    }

    /// Folds parameters and running statistics laid out by ``MobileNetParameterLayout``.
    /// - Parameters:
    ///   - spec: The architecture.
    ///   - options: Activation and batch-norm ε.
    ///   - parameters: ``MobileNetParameterLayout/parameterCount`` floats.
    ///   - statistics: ``MobileNetParameterLayout/statisticsCount`` floats.
    /// - Throws: ``ModelsError`` for buffers of the wrong size or a layout that lacks a tensor.
    public init(spec: MobileNetSpec, options: MobileNetOptions, parameters: [Float], statistics: [Float]) throws {
        let values = parameters
        let layout = MobileNetParameterLayout(spec: spec)
        guard values.count == layout.parameterCount, statistics.count == layout.statisticsCount else {
            throw ModelsError(
                code: .invalidArgument,
                message: "Got \(values.count) parameters and \(statistics.count) statistics; "
                    + "α\(spec.alpha)/\(spec.resolution) needs \(layout.parameterCount) and \(layout.statisticsCount).")
        }
        var convolutions: [Convolution] = []
        var squeezeExcitations: [SqueezeExcitation] = []
        var hidden: [Dense] = []
        var dense: Dense?
        for layer in spec.layers {
            switch layer.kind {
            case .convolution, .depthwise, .pointwise:
                let role: MobileNetParameter.Role = layer.kind == .depthwise ? .depthwiseWeights : .weights
                guard let weights = layout.parameter(layer: layer.name, role: role) else {
                    throw ModelsError(code: .invalidArgument, message: "No weights laid out for layer \(layer.name).")
                }
                var folded = Array(values[weights.offset..<(weights.offset + weights.count)])
                var bias = [Float](repeating: 0, count: layer.outputChannels)
                if layer.hasBatchNorm, let scale = layout.parameter(layer: layer.name, role: .scale),
                    let shift = layout.parameter(layer: layer.name, role: .shift),
                    let entry = layout.statistics(layer: layer.name)
                {
                    let perOutput = weights.count / layer.outputChannels
                    for o in 0..<layer.outputChannels {
                        let variance = statistics[entry.offset + entry.channels + o]
                        let factor = values[scale.offset + o] / (variance + options.batchNormEpsilon).squareRoot()
                        for index in (o * perOutput)..<((o + 1) * perOutput) { folded[index] *= factor }
                        bias[o] = values[shift.offset + o] - statistics[entry.offset + o] * factor
                    }
                }
                convolutions.append(
                    Convolution(
                        layer: layer, weights: folded, bias: bias,
                        groups: layer.kind == .depthwise ? layer.inputChannels : 1,
                        activation: layer.activation(network: options.activation)))
            case .averagePool:
                break
            case .squeezeExcite:
                func values(_ part: String, _ role: MobileNetParameter.Role) throws -> [Float] {
                    guard let tensor = layout.parameter(layer: "\(layer.name).\(part)", role: role) else {
                        throw ModelsError(
                            code: .invalidArgument, message: "No weights laid out for layer \(layer.name).")
                    }
                    return Array(parameters[tensor.offset..<(tensor.offset + tensor.count)])
                }
                squeezeExcitations.append(
                    SqueezeExcitation(
                        layer: layer, reduceWeights: try values("reduce", .weights),
                        reduceBias: try values("reduce", .bias),
                        expandWeights: try values("expand", .weights), expandBias: try values("expand", .bias)))
            case .fullyConnected:
                guard let weights = layout.parameter(layer: layer.name, role: .weights),
                    let bias = layout.parameter(layer: layer.name, role: .bias)
                else {
                    throw ModelsError(code: .invalidArgument, message: "No weights laid out for layer \(layer.name).")
                }
                if let previous = dense { hidden.append(previous) }
                dense = Dense(
                    inputs: layer.inputChannels, outputs: layer.outputChannels,
                    weights: Array(values[weights.offset..<(weights.offset + weights.count)]),
                    bias: Array(values[bias.offset..<(bias.offset + bias.count)]),
                    activation: layer.activation(network: options.activation))
            }
        }
        guard let dense else {
            throw ModelsError(code: .invalidArgument, message: "The spec has no fully connected layer.")
        }
        self.spec = spec
        self.activation = options.activation
        self.convolutions = convolutions
        self.dense = dense
        self.hidden = hidden
        self.squeezeExcitations = squeezeExcitations
    }
}
