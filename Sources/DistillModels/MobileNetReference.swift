// Copyright 2026 The Distill authors.
// The plain-Swift twin of MobileNet: the same spec, options and parameter layout, built from the
// reference layers. Slow (scalar NCHW loops); used to check the oneDNN network and its gradients.
// Images (N, 3, R, R), outputs (N, outputs), parameters and statistics as MobileNetParameterLayout.

import DistillEngine

/// MobileNet (V1, V2 or V3) on the reference layers.
public struct MobileNetReference: Sendable {
    /// What one layer's forward pass keeps for backward.
    public struct LayerCache: Sendable {
        /// The layer's input.
        public var input: [Float]
        /// Batch-norm cache (training mode, layers with batch norm).
        public var normalization: ReferenceBatchNorm.Cache?
        /// The batch-norm (or fully connected) output before the activation.
        public var preActivation: [Float]?
        /// Squeeze-and-excitation cache.
        public var excitation: ReferenceSqueezeExcitation.Cache?
    }

    /// The architecture.
    public let spec: MobileNetSpec
    /// Activation and batch-norm settings.
    public let options: MobileNetOptions
    /// The parameter layout shared with ``MobileNet``.
    public let layout: MobileNetParameterLayout

    /// Creates the reference network.
    /// - Parameters:
    ///   - spec: The architecture.
    ///   - options: Activation and batch-norm settings.
    public init(spec: MobileNetSpec, options: MobileNetOptions = MobileNetOptions()) {
        self.spec = spec
        self.options = options
        self.layout = MobileNetParameterLayout(spec: spec)
    }

    private func slice(_ values: [Float], _ parameter: MobileNetParameter?) -> [Float] {
        guard let parameter else { return [] }
        return Array(values[parameter.offset..<(parameter.offset + parameter.count)])
    }

    private func convolution(_ layer: LayerSpec) -> ReferenceConvolution? {
        guard
            let configuration = try? ConvolutionConfiguration(
                inputChannels: layer.inputChannels, outputChannels: layer.outputChannels, kernel: layer.kernel,
                stride: layer.stride, padding: layer.kernel / 2,
                groups: layer.kind == .depthwise ? layer.inputChannels : 1)
        else { return nil }
        return ReferenceConvolution(configuration: configuration)
    }

    private func weightRole(_ layer: LayerSpec) -> MobileNetParameter.Role {
        layer.kind == .depthwise ? .depthwiseWeights : .weights
    }

    /// Runs the network.
    /// - Parameters:
    ///   - images: (N, 3, R, R).
    ///   - batch: N.
    ///   - parameters: ``MobileNetParameterLayout/parameterCount`` floats.
    ///   - statistics: Running statistics; updated in training mode.
    ///   - training: Batch statistics (true) or running statistics.
    /// - Returns: Outputs (N, outputs) and one cache per spec layer.
    public func forward(
        images: [Float], batch: Int, parameters: [Float], statistics: inout [Float], training: Bool
    ) -> (output: [Float], caches: [LayerCache]) {
        var current = images
        var caches: [LayerCache] = []
        var blockInput: [Float] = []
        for layer in spec.layers {
            var cache = LayerCache(input: current)
            if layer.startsBlock { blockInput = current }
            let activation = layer.activation(network: options.activation)
            switch layer.kind {
            case .convolution, .depthwise, .pointwise:
                guard let convolution = convolution(layer) else { break }
                current = convolution.forward(
                    input: current,
                    weights: slice(parameters, layout.parameter(layer: layer.name, role: weightRole(layer))),
                    batch: batch, height: layer.inputHeight, width: layer.inputWidth)
                if layer.hasBatchNorm, let entry = layout.statistics(layer: layer.name) {
                    let normalization = ReferenceBatchNorm(
                        channels: layer.outputChannels, epsilon: options.batchNormEpsilon,
                        momentum: options.batchNormMomentum)
                    let scale = slice(parameters, layout.parameter(layer: layer.name, role: .scale))
                    let shift = slice(parameters, layout.parameter(layer: layer.name, role: .shift))
                    let c = entry.channels
                    var mean = Array(statistics[entry.offset..<(entry.offset + c)])
                    var variance = Array(statistics[(entry.offset + c)..<(entry.offset + 2 * c)])
                    let spatial = layer.outputHeight * layer.outputWidth
                    if training {
                        let result = normalization.forwardTraining(
                            input: current, scale: scale, shift: shift, runningMean: &mean, runningVariance: &variance,
                            batch: batch, spatial: spatial)
                        current = result.output
                        cache.normalization = result.cache
                        statistics.replaceSubrange(entry.offset..<(entry.offset + 2 * c), with: mean + variance)
                    } else {
                        current = normalization.forwardInference(
                            input: current, scale: scale, shift: shift, runningMean: mean, runningVariance: variance,
                            batch: batch, spatial: spatial)
                    }
                    if layer.addsResidual {
                        for i in current.indices { current[i] += blockInput[i] }
                    }
                    if let activation {
                        cache.preActivation = current
                        current = ReferenceActivation(activation: activation).forward(input: current)
                    }
                }
            case .squeezeExcite:
                let result = ReferenceSqueezeExcitation(channels: layer.inputChannels, squeeze: layer.squeezeChannels)
                    .forward(
                        input: current,
                        reduceWeights: slice(parameters, layout.parameter(layer: "\(layer.name).reduce", role: .weights)),
                        reduceBias: slice(parameters, layout.parameter(layer: "\(layer.name).reduce", role: .bias)),
                        expandWeights: slice(parameters, layout.parameter(layer: "\(layer.name).expand", role: .weights)),
                        expandBias: slice(parameters, layout.parameter(layer: "\(layer.name).expand", role: .bias)),
                        batch: batch, spatial: layer.inputHeight * layer.inputWidth)
                current = result.output
                cache.excitation = result.cache
            case .averagePool:
                current = ReferenceGlobalAveragePool().forward(
                    input: current, batch: batch, channels: layer.inputChannels,
                    spatial: layer.inputHeight * layer.inputWidth)
            case .fullyConnected:
                current = ReferenceFullyConnected(inputs: layer.inputChannels, outputs: layer.outputChannels).forward(
                    input: current, weights: slice(parameters, layout.parameter(layer: layer.name, role: .weights)),
                    bias: slice(parameters, layout.parameter(layer: layer.name, role: .bias)), batch: batch)
                if let activation {
                    cache.preActivation = current
                    current = ReferenceActivation(activation: activation).forward(input: current)
                }
            }
            caches.append(cache)
        }
        return (current, caches)
    }

    /// Back-propagates through a training-mode forward pass.
    /// - Parameters:
    ///   - outputGradient: dLoss/dOutputs (N, outputs).
    ///   - caches: From ``forward(images:batch:parameters:statistics:training:)``.
    ///   - batch: N.
    ///   - parameters: The parameters the forward pass used.
    ///   - gradients: ``MobileNetParameterLayout/parameterCount`` floats; dLoss/dParameters is added.
    /// - Returns: dLoss/dImages (N, 3, R, R).
    @discardableResult
    public func backward(
        outputGradient: [Float], caches: [LayerCache], batch: Int, parameters: [Float], gradients: inout [Float]
    ) -> [Float] {
        var current = outputGradient
        var residualGradient: [Float] = []
        func accumulate(_ parameter: MobileNetParameter?, _ body: (inout [Float]) -> Void) {
            guard let parameter else { return }
            let range = parameter.offset..<(parameter.offset + parameter.count)
            var part = Array(gradients[range])
            body(&part)
            gradients.replaceSubrange(range, with: part)
        }
        for (layer, cache) in zip(spec.layers, caches).reversed() {
            let activation = layer.activation(network: options.activation)
            if let activation, let preActivation = cache.preActivation {
                current = ReferenceActivation(activation: activation).backward(
                    outputGradient: current, input: preActivation)
            }
            if layer.addsResidual { residualGradient = current }
            switch layer.kind {
            case .convolution, .depthwise, .pointwise:
                guard let convolution = convolution(layer) else { continue }
                if layer.hasBatchNorm, let normalizationCache = cache.normalization {
                    let normalization = ReferenceBatchNorm(
                        channels: layer.outputChannels, epsilon: options.batchNormEpsilon,
                        momentum: options.batchNormMomentum)
                    let scale = slice(parameters, layout.parameter(layer: layer.name, role: .scale))
                    var scaleGradient = [Float](repeating: 0, count: layer.outputChannels)
                    var shiftGradient = [Float](repeating: 0, count: layer.outputChannels)
                    current = normalization.backward(
                        outputGradient: current, cache: normalizationCache, scale: scale, scaleGradient: &scaleGradient,
                        shiftGradient: &shiftGradient, batch: batch, spatial: layer.outputHeight * layer.outputWidth)
                    accumulate(layout.parameter(layer: layer.name, role: .scale)) { part in
                        for i in part.indices { part[i] += scaleGradient[i] }
                    }
                    accumulate(layout.parameter(layer: layer.name, role: .shift)) { part in
                        for i in part.indices { part[i] += shiftGradient[i] }
                    }
                }
                let weights = layout.parameter(layer: layer.name, role: weightRole(layer))
                let weightValues = slice(parameters, weights)
                var inputGradient: [Float] = []
                accumulate(weights) { part in
                    inputGradient = convolution.backward(
                        outputGradient: current, input: cache.input, weights: weightValues, weightGradient: &part,
                        batch: batch, height: layer.inputHeight, width: layer.inputWidth)
                }
                current = inputGradient
            case .squeezeExcite:
                guard let excitationCache = cache.excitation,
                    let reduceWeights = layout.parameter(layer: "\(layer.name).reduce", role: .weights),
                    let reduceBias = layout.parameter(layer: "\(layer.name).reduce", role: .bias),
                    let expandWeights = layout.parameter(layer: "\(layer.name).expand", role: .weights),
                    let expandBias = layout.parameter(layer: "\(layer.name).expand", role: .bias)
                else { continue }
                var dW1 = [Float](repeating: 0, count: reduceWeights.count)
                var db1 = [Float](repeating: 0, count: reduceBias.count)
                var dW2 = [Float](repeating: 0, count: expandWeights.count)
                var db2 = [Float](repeating: 0, count: expandBias.count)
                current = ReferenceSqueezeExcitation(channels: layer.inputChannels, squeeze: layer.squeezeChannels)
                    .backward(
                        outputGradient: current, cache: excitationCache,
                        reduceWeights: slice(parameters, reduceWeights), expandWeights: slice(parameters, expandWeights),
                        reduceWeightGradient: &dW1, reduceBiasGradient: &db1, expandWeightGradient: &dW2,
                        expandBiasGradient: &db2, batch: batch, spatial: layer.inputHeight * layer.inputWidth)
                for (parameter, values) in [(reduceWeights, dW1), (reduceBias, db1), (expandWeights, dW2), (expandBias, db2)] {
                    accumulate(parameter) { part in
                        for i in part.indices { part[i] += values[i] }
                    }
                }
            case .averagePool:
                current = ReferenceGlobalAveragePool().backward(
                    outputGradient: current, spatial: layer.inputHeight * layer.inputWidth)
            case .fullyConnected:
                let reference = ReferenceFullyConnected(inputs: layer.inputChannels, outputs: layer.outputChannels)
                let weights = layout.parameter(layer: layer.name, role: .weights)
                let bias = layout.parameter(layer: layer.name, role: .bias)
                var biasGradient = [Float](repeating: 0, count: layer.outputChannels)
                var inputGradient: [Float] = []
                let weightValues = slice(parameters, weights)
                accumulate(weights) { part in
                    inputGradient = reference.backward(
                        outputGradient: current, input: cache.input, weights: weightValues, weightGradient: &part,
                        biasGradient: &biasGradient, batch: batch)
                }
                accumulate(bias) { part in
                    for i in part.indices { part[i] += biasGradient[i] }
                }
                current = inputGradient
            }
            if layer.startsBlock {
                for i in current.indices { current[i] += residualGradient[i] }
            }
        }
        return current
    }
}
