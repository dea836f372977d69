// Copyright 2026 The Distill authors.
// oneDNN element-wise ReLU, ReLU6 (bounded ReLU, α = 6) or h-swish on activations of any shape, kept in the
// incoming layout. Used where the activation cannot be fused into batch norm (ReLU6, h-swish) and after a
// fully connected layer. h-swish's backward needs its input, so it never runs in place.

import CDNNL

/// ReLU, ReLU6 or h-swish on oneDNN.
public final class ActivationLayer: EngineLayer {
    public let kind: String
    public let outputDescriptor: MemoryDescriptor
    private let dimensions: [Int]
    private let forwardPrimitive: Primitive
    private let backwardPrimitive: Primitive
    private let output: Memory?
    private let inputGradient: Memory
    private let inPlace: Bool
    private var cachedInput: Memory?

    /// Builds the primitives for one shape.
    /// - Parameters:
    ///   - activation: ReLU, ReLU6 or h-swish.
    ///   - dimensions: (N, C, H, W), or (N, C) after a fully connected layer.
    ///   - inputDescriptor: The layout inputs arrive in (kept for the output), or `nil` for plain NCHW.
    ///   - inputGradientStorage: Shared storage for dLoss/dInput (the network's gradient buffers), or
    ///     `nil` for memory of the layer's own.
    ///   - inPlace: Overwrite the input with the output (and back-propagate from the output), saving one
    ///     activation-sized buffer; the input memory must not be needed afterwards. Ignored for h-swish,
    ///     whose derivative cannot be computed from its output.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` if oneDNN rejects the shape.
    public init(
        activation: Activation, dimensions: [Int], inputDescriptor: MemoryDescriptor?,
        inputGradientStorage: FloatBuffer? = nil, inPlace: Bool = false, context: ComputeContext
    ) throws {
        kind = activation.rawValue
        self.dimensions = dimensions
        let data = try inputDescriptor ?? MemoryDescriptor.plain(dimensions)
        let algorithm: dnnl_alg_kind_t
        let alpha: Float
        let beta: Float
        let inPlace = inPlace && activation != .hardSwish
        switch (activation, inPlace) {
        case (.relu, false): (algorithm, alpha, beta) = (dnnl_eltwise_relu, 0, 0)
        case (.relu6, false): (algorithm, alpha, beta) = (dnnl_eltwise_bounded_relu, 6, 0)
        case (.relu, true): (algorithm, alpha, beta) = (dnnl_eltwise_relu_use_dst_for_bwd, 0, 0)
        case (.relu6, true): (algorithm, alpha, beta) = (dnnl_eltwise_clip_v2_use_dst_for_bwd, 0, 6)
        case (.hardSwish, _): (algorithm, alpha, beta) = (dnnl_eltwise_hardswish, 0, 0)
        }
        self.inPlace = inPlace
        var raw = data.raw
        var forward = dnnl_eltwise_desc_t()
        try dnnlCheck(
            dnnl_eltwise_forward_desc_init(&forward, dnnl_forward_training, algorithm, &raw, alpha, beta),
            "dnnl_eltwise_forward_desc_init(\(activation.rawValue), \(dimensions))")
        forwardPrimitive = try Primitive(operation: forward, context: context, name: "\(kind) forward")
        var backward = dnnl_eltwise_desc_t()
        var diff = data.raw
        try dnnlCheck(
            dnnl_eltwise_backward_desc_init(&backward, algorithm, &diff, &raw, alpha, beta),
            "dnnl_eltwise_backward_desc_init(\(activation.rawValue), \(dimensions))")
        backwardPrimitive = try Primitive(
            operation: backward, context: context, hint: forwardPrimitive, name: "\(kind) backward")
        outputDescriptor = data
        output = inPlace ? nil : try Memory(data, context: context)
        inputGradient = try makeGradientMemory(data, storage: inputGradientStorage, context: context)
    }

    public func forward(_ input: Memory, training: Bool) throws -> Memory {
        try checkDimensions(input, expected: dimensions, operation: "\(kind) forward")
        let destination = output ?? input
        try forwardPrimitive.execute([(DNNLArgument.source, input), (DNNLArgument.destination, destination)])
        // Backward reads the input, or in place the output (the `use_dst_for_bwd` algorithms).
        cachedInput = training ? (inPlace ? destination : input) : nil
        return destination
    }

    public func backward(_ outputGradient: Memory) throws -> Memory? {
        guard let input = cachedInput else {
            throw EngineError(.invalidArgument, "\(kind) backward called without a training-mode forward first.")
        }
        try backwardPrimitive.execute([
            (inPlace ? DNNLArgument.destination : DNNLArgument.source, input),
            (DNNLArgument.destinationGradient, outputGradient),
            (DNNLArgument.sourceGradient, inputGradient),
        ])
        return inputGradient
    }
}
