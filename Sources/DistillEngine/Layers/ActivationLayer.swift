// Copyright 2026 The Distill authors.
// oneDNN element-wise ReLU, ReLU6 (bounded ReLU, α = 6) or h-swish on activations of any shape, kept in the
// incoming layout. Used where the activation cannot be fused into batch norm (ReLU6, h-swish) and after a
// fully connected layer. h-swish's backward needs its input, so it never runs in place.

import CDNNL
import CDistillKernels

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
    /// h-swish's backward on the host where oneDNN 2.6 only has its reference kernel (channel counts that are
    /// not a multiple of the block, e.g. V3-Large's 184; 30 ms for one 32x184x14x14 tensor).
    private let hostBackward: Bool
    private let context: ComputeContext
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
        hostBackward = activation == .hardSwish && backwardPrimitive.implementation.hasPrefix("ref")
        self.context = context
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
        if hostBackward {
            try context.wait()
            // Element-wise over the whole buffer, padding included: padded lanes hold x = 0 and dy = 0, so dx = 0.
            input.withFloats { x in
                outputGradient.withFloats { dy in
                    inputGradient.withFloats { dx in
                        hardSwishBackward(x: x, dy: dy, dx: dx, count: min(x.count, dy.count, dx.count))
                    }
                }
            }
            return inputGradient
        }
        try backwardPrimitive.execute([
            (inPlace ? DNNLArgument.destination : DNNLArgument.source, input),
            (DNNLArgument.destinationGradient, outputGradient),
            (DNNLArgument.sourceGradient, inputGradient),
        ])
        return inputGradient
    }
}

/// dx = dy · h-swish′(x), h-swish′(x) = 0 below −3, 1 above 3, (2x + 3) / 6 between: the C kernel, each thread
/// of the team on a consecutive share of the elements.
private func hardSwishBackward(
    x: UnsafeMutableBufferPointer<Float>, dy: UnsafeMutableBufferPointer<Float>,
    dx: UnsafeMutableBufferPointer<Float>, count: Int
) {
    guard let xBase = x.baseAddress, let dyBase = dy.baseAddress, let dxBase = dx.baseAddress else { return }
    ParallelRegion.run { thread, threads in
        // Shares in whole 16-float vectors, so only the last one has a tail.
        let vectors = ParallelRegion.share(of: (count + 15) / 16, thread: thread, threads: threads)
        distill_hard_swish_backward(
            xBase, dyBase, dxBase, vectors.lowerBound * 16, min(count, vectors.upperBound * 16))
    }
}
