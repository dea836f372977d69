// Copyright 2026 The Distill authors.
// oneDNN convolution (full, depthwise, pointwise) without bias.
// Activations: input (N, C, H, W), output (N, O, H', W') in oneDNN's chosen layout.
// Weights and their gradients: plain (O, I/groups, K, K) slices of the network's buffers; reordered to
// the primitive's blocked layout on each forward, and gradients added back with a summing reorder.

import CDNNL

/// A convolution on oneDNN with forward, backward-data and backward-weights primitives built once.
public final class ConvolutionLayer: EngineLayer {
    /// The hyperparameters.
    public let configuration: ConvolutionConfiguration
    public let kind: String
    public let outputDescriptor: MemoryDescriptor
    private let inputDimensions: [Int]

    private let forwardPrimitive: Primitive
    private let backwardDataPrimitive: Primitive?
    private let backwardWeightsPrimitive: Primitive
    private let inputAdapter: LayoutAdapter
    private let forwardWeights: LayoutAdapter
    private let backwardWeights: LayoutAdapter?
    private let backwardUsesForwardWeights: Bool
    private let inputGradientAdapter: LayoutAdapter?
    private let weights: Memory
    private let weightGradients: Memory
    private let output: Memory
    private let inputGradient: Memory?
    private let weightGradientScratch: Memory
    private let accumulateWeights: Primitive
    /// The host kernel that replaces oneDNN's reference backward-weights for depthwise shapes it has no JIT
    /// kernel for (5x5); `nil` when oneDNN's choice is a JIT kernel.
    private let hostWeightGradient: DepthwiseWeightGradient?
    private let context: ComputeContext
    private var cachedInput: Memory?
    private var cachedWeights: Memory?

    /// Builds the primitives for one input shape.
    /// - Parameters:
    ///   - configuration: Channels, kernel, stride, padding, groups.
    ///   - batch: N.
    ///   - height: Input H.
    ///   - width: Input W.
    ///   - inputDescriptor: The layout inputs arrive in (the previous layer's ``outputDescriptor``), or
    ///     `nil` for plain NCHW.
    ///   - parameters: Where the (O, I/groups, K, K) weights and their gradients live.
    ///   - computeInputGradient: Whether ``backward(_:)`` returns dLoss/dInput (false for the first layer).
    ///   - inputGradientStorage: Shared storage for dLoss/dInput (the network's gradient buffers), or
    ///     `nil` for memory of the layer's own.
    ///   - context: The engine.
    ///   - kind: A label for profiles ("convolution", "depthwise", "pointwise").
    ///   - narrowBlocking: Keep tensors of at most 8 channels in 8-channel blocks (nChw8c) instead of
    ///     letting oneDNN pad them to 16: half the memory traffic for α ≤ 0.25's first layers (≈5% of
    ///     a training step at α0.25/128), at the cost of AVX2 kernels for those layers; a depthwise
    ///     convolution whose input arrives in 8-channel blocks keeps them.
    /// - Throws: ``EngineError`` if oneDNN rejects the shapes.
    public init(
        configuration: ConvolutionConfiguration, batch: Int, height: Int, width: Int,
        inputDescriptor: MemoryDescriptor?, parameters: ParameterBinding, computeInputGradient: Bool,
        inputGradientStorage: FloatBuffer? = nil, context: ComputeContext, kind: String = "convolution",
        narrowBlocking: Bool = false
    ) throws {
        self.configuration = configuration
        self.kind = kind
        let c = configuration
        let outputHeight = c.outputSize(height)
        let outputWidth = c.outputSize(width)
        guard batch >= 1, outputHeight >= 1, outputWidth >= 1 else {
            throw EngineError(
                .invalidArgument,
                "Convolution on input (\(batch), \(c.inputChannels), \(height), \(width)) has an empty output.")
        }
        inputDimensions = [batch, c.inputChannels, height, width]
        let outputDimensions = [batch, c.outputChannels, outputHeight, outputWidth]
        let given = try inputDescriptor ?? MemoryDescriptor.plain(inputDimensions)

        // A depthwise convolution whose input arrives in 8-channel blocks keeps them (its output too): the change
        // to 16-channel blocks then happens at the next pointwise convolution, after the depthwise's stride, not
        // on the larger tensor before it (at α0.25/128 the first 1x1's output, 16 channels at 64x64: 8 MB each way
        // per step at batch 32).
        let depthwiseKeepsNarrow =
            try narrowBlocking && inputDescriptor != nil && c.groups > 1 && c.groups == c.inputChannels
            && c.groups == c.outputChannels && given.channelBlock() == 8
        let sourceAny =
            try narrowBlocking && (c.inputChannels <= 8 || depthwiseKeepsNarrow) && inputDescriptor != nil
            ? given : MemoryDescriptor.any(inputDimensions)
        let weightsAny = try MemoryDescriptor.any(c.weightDimensions)
        let destinationAny =
            try narrowBlocking && (c.outputChannels <= 8 || depthwiseKeepsNarrow)
            ? MemoryDescriptor(dimensions: outputDimensions, tag: dnnl_nChw8c) : MemoryDescriptor.any(outputDimensions)
        let strides: [dnnl_dim_t] = [dnnl_dim_t(c.stride), dnnl_dim_t(c.stride)]
        let padding: [dnnl_dim_t] = [dnnl_dim_t(c.padding), dnnl_dim_t(c.padding)]

        var forward = dnnl_convolution_desc_t()
        var source = sourceAny.raw
        var weightsDescriptor = weightsAny.raw
        var destination = destinationAny.raw
        try dnnlCheck(
            dnnl_convolution_forward_desc_init(
                &forward, dnnl_forward_training, dnnl_convolution_direct, &source, &weightsDescriptor, nil,
                &destination, strides, padding, padding),
            "dnnl_convolution_forward_desc_init(\(inputDimensions)→\(outputDimensions))")
        forwardPrimitive = try Primitive(operation: forward, context: context, name: "\(kind) forward")
        let chosenSource = try forwardPrimitive.memoryDescriptor(dnnl_query_src_md)
        let chosenWeights = try forwardPrimitive.memoryDescriptor(dnnl_query_weights_md)
        let chosenDestination = try forwardPrimitive.memoryDescriptor(dnnl_query_dst_md)
        outputDescriptor = chosenDestination

        var backwardWeightsDescriptor = dnnl_convolution_desc_t()
        source = chosenSource.raw
        destination = chosenDestination.raw
        weightsDescriptor = weightsAny.raw
        try dnnlCheck(
            dnnl_convolution_backward_weights_desc_init(
                &backwardWeightsDescriptor, dnnl_convolution_direct, &source, &weightsDescriptor, nil, &destination,
                strides, padding, padding),
            "dnnl_convolution_backward_weights_desc_init")
        backwardWeightsPrimitive = try Primitive(
            operation: backwardWeightsDescriptor, context: context, hint: forwardPrimitive,
            name: "\(kind) backward weights")

        let plainWeights = try MemoryDescriptor.plain(c.weightDimensions)
        weights = try Memory(
            plainWeights, context: context, viewing: parameters.values, offset: parameters.offset)
        weightGradients = try Memory(
            plainWeights, context: context, viewing: parameters.gradients, offset: parameters.offset)
        let scratchDescriptor = try backwardWeightsPrimitive.memoryDescriptor(dnnl_query_diff_weights_md)
        weightGradientScratch = try Memory(scratchDescriptor, context: context)
        accumulateWeights = try Primitive(
            reorderFrom: scratchDescriptor, to: plainWeights, accumulate: true, context: context)

        self.context = context
        if c.groups > 1, c.groups == c.inputChannels, c.groups == c.outputChannels,
            backwardWeightsPrimitive.implementation.hasPrefix("ref"),
            let sourceBlock = try chosenSource.channelBlock(), try chosenDestination.channelBlock() == sourceBlock
        {
            hostWeightGradient = DepthwiseWeightGradient(
                batch: batch, channels: c.inputChannels, height: height, width: width, outputHeight: outputHeight,
                outputWidth: outputWidth, kernel: c.kernel, stride: c.stride, padding: c.padding, block: sourceBlock)
        } else {
            hostWeightGradient = nil
        }
        inputAdapter = try LayoutAdapter(from: given, to: chosenSource, context: context)
        forwardWeights = try LayoutAdapter(from: plainWeights, to: chosenWeights, context: context)
        output = try Memory(chosenDestination, context: context)

        if computeInputGradient {
            var backwardData = dnnl_convolution_desc_t()
            source = chosenSource.raw
            destination = chosenDestination.raw
            weightsDescriptor = weightsAny.raw
            try dnnlCheck(
                dnnl_convolution_backward_data_desc_init(
                    &backwardData, dnnl_convolution_direct, &source, &weightsDescriptor, &destination, strides,
                    padding, padding),
                "dnnl_convolution_backward_data_desc_init")
            let primitive = try Primitive(
                operation: backwardData, context: context, hint: forwardPrimitive, name: "\(kind) backward data")
            backwardDataPrimitive = primitive
            let dataWeights = try primitive.memoryDescriptor(dnnl_query_weights_md)
            backwardUsesForwardWeights = dataWeights.sameLayout(as: chosenWeights)
            backwardWeights = try LayoutAdapter(from: plainWeights, to: dataWeights, context: context)
            inputGradient = try makeGradientMemory(chosenSource, storage: inputGradientStorage, context: context)
            inputGradientAdapter = try LayoutAdapter(from: chosenSource, to: given, context: context)
        } else {
            backwardDataPrimitive = nil
            backwardUsesForwardWeights = false
            backwardWeights = nil
            inputGradient = nil
            inputGradientAdapter = nil
        }
    }

    public func forward(_ input: Memory, training: Bool) throws -> Memory {
        try checkDimensions(input, expected: inputDimensions, operation: "\(kind) forward")
        let source = try inputAdapter.apply(input)
        let blockedWeights = try forwardWeights.apply(weights)
        try forwardPrimitive.execute([
            (DNNLArgument.source, source), (DNNLArgument.weights, blockedWeights),
            (DNNLArgument.destination, output),
        ])
        cachedInput = training ? source : nil
        cachedWeights = training ? blockedWeights : nil
        return output
    }

    public func backward(_ outputGradient: Memory) throws -> Memory? {
        guard let source = cachedInput, let forwardWeightsMemory = cachedWeights else {
            throw EngineError(.invalidArgument, "\(kind) backward called without a training-mode forward first.")
        }
        if let hostWeightGradient {
            try context.wait()
            source.withFloats { x in
                outputGradient.withFloats { dy in
                    weightGradients.withFloats { dw in
                        hostWeightGradient.accumulate(source: x, outputGradient: dy, weightGradient: dw)
                    }
                }
            }
        } else {
            try backwardWeightsPrimitive.execute([
                (DNNLArgument.source, source), (DNNLArgument.destinationGradient, outputGradient),
                (DNNLArgument.weightsGradient, weightGradientScratch),
            ])
            try accumulateWeights.execute([
                (DNNLArgument.from, weightGradientScratch), (DNNLArgument.to, weightGradients),
            ])
        }
        guard let backwardDataPrimitive, let inputGradient, let inputGradientAdapter, let backwardWeights else {
            return nil
        }
        let dataWeights = backwardUsesForwardWeights ? forwardWeightsMemory : try backwardWeights.apply(weights)
        try backwardDataPrimitive.execute([
            (DNNLArgument.destinationGradient, outputGradient), (DNNLArgument.weights, dataWeights),
            (DNNLArgument.sourceGradient, inputGradient),
        ])
        return try inputGradientAdapter.apply(inputGradient)
    }

    /// The implementations oneDNN picked (forward, backward data, backward weights), for diagnostics; the last
    /// is "host depthwise" where Distill's own kernel replaces oneDNN's reference one.
    public var implementations: [String] {
        [
            forwardPrimitive.implementation, backwardDataPrimitive?.implementation ?? "-",
            hostWeightGradient == nil ? backwardWeightsPrimitive.implementation : "host depthwise",
        ]
    }
}
