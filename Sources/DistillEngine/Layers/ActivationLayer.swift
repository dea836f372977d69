// Copyright 2026 The Distill authors.
// oneDNN element-wise ReLU or ReLU6 (bounded ReLU, α = 6) on (N, C, H, W) activations, kept in the
// incoming layout. Used where the activation cannot be fused into batch norm (ReLU6).

import CDNNL

/// ReLU or ReLU6 on oneDNN.
public final class ActivationLayer: EngineLayer {
    public let kind: String
    public let outputDescriptor: MemoryDescriptor
    private let dimensions: [Int]
    private let forwardPrimitive: Primitive
    private let backwardPrimitive: Primitive
    private let output: Memory
    private let inputGradient: Memory
    private var cachedInput: Memory?

    /// Builds the primitives for one shape.
    /// - Parameters:
    ///   - activation: ReLU or ReLU6.
    ///   - dimensions: (N, C, H, W).
    ///   - inputDescriptor: The layout inputs arrive in (kept for the output), or `nil` for plain NCHW.
    ///   - inputGradientStorage: Shared storage for dLoss/dInput (the network's gradient buffers), or
    ///     `nil` for memory of the layer's own.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` if oneDNN rejects the shape.
    public init(
        activation: Activation, dimensions: [Int], inputDescriptor: MemoryDescriptor?,
        inputGradientStorage: FloatBuffer? = nil, context: ComputeContext
    ) throws {
        kind = activation.rawValue
        self.dimensions = dimensions
        let data = try inputDescriptor ?? MemoryDescriptor.plain(dimensions)
        let algorithm = activation == .relu ? dnnl_eltwise_relu : dnnl_eltwise_bounded_relu
        let alpha: Float = activation == .relu ? 0 : 6
        var raw = data.raw
        var forward = dnnl_eltwise_desc_t()
        try dnnlCheck(
            dnnl_eltwise_forward_desc_init(&forward, dnnl_forward_training, algorithm, &raw, alpha, 0),
            "dnnl_eltwise_forward_desc_init(\(activation.rawValue), \(dimensions))")
        forwardPrimitive = try Primitive(operation: forward, context: context, name: "\(kind) forward")
        var backward = dnnl_eltwise_desc_t()
        var diff = data.raw
        try dnnlCheck(
            dnnl_eltwise_backward_desc_init(&backward, algorithm, &diff, &raw, alpha, 0),
            "dnnl_eltwise_backward_desc_init(\(activation.rawValue), \(dimensions))")
        backwardPrimitive = try Primitive(
            operation: backward, context: context, hint: forwardPrimitive, name: "\(kind) backward")
        outputDescriptor = data
        output = try Memory(data, context: context)
        inputGradient = try makeGradientMemory(data, storage: inputGradientStorage, context: context)
    }

    public func forward(_ input: Memory, training: Bool) throws -> Memory {
        try checkDimensions(input, expected: dimensions, operation: "\(kind) forward")
        try forwardPrimitive.execute([(DNNLArgument.source, input), (DNNLArgument.destination, output)])
        cachedInput = training ? input : nil
        return output
    }

    public func backward(_ outputGradient: Memory) throws -> Memory? {
        guard let input = cachedInput else {
            throw EngineError(.invalidArgument, "\(kind) backward called without a training-mode forward first.")
        }
        try backwardPrimitive.execute([
            (DNNLArgument.source, input), (DNNLArgument.destinationGradient, outputGradient),
            (DNNLArgument.sourceGradient, inputGradient),
        ])
        return inputGradient
    }
}
