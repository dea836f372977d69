// Copyright 2026 The Distill authors.
// An evaluation-only convolution with batch norm folded in: output = activation(conv(x, W') + b'),
// one oneDNN primitive (bias plus an eltwise post-op). Activations (N, C, H, W) in oneDNN's layout;
// W' (O, I/groups, K, K) and b' (O) are given once and reordered to the kernel's layout at build time.

import CDNNL

/// A convolution + bias + ReLU/ReLU6 for inference, with its weights converted once.
public final class InferenceConvolutionLayer {
    private let bound: InferencePrimitive
    /// The layout of the output.
    public var outputDescriptor: MemoryDescriptor { bound.outputDescriptor }
    /// The layout the kernel reads its input in (inputs in another layout are reordered into it first).
    public var preferredInputDescriptor: MemoryDescriptor { bound.inputDescriptor }

    /// Builds the primitive and converts the weights.
    /// - Parameters:
    ///   - configuration: Channels, kernel, stride, padding, groups.
    ///   - batch: N.
    ///   - height: Input H.
    ///   - width: Input W.
    ///   - inputDescriptor: The layout inputs arrive in, or `nil` for plain NCHW.
    ///   - weights: W', (O, I/groups, K, K) row-major.
    ///   - bias: b', (O).
    ///   - activation: The post-op applied to every output, or `nil` for none.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` for wrong sizes or a oneDNN failure.
    public init(
        configuration: ConvolutionConfiguration, batch: Int, height: Int, width: Int,
        inputDescriptor: MemoryDescriptor?, weights: [Float], bias: [Float], activation: Activation?,
        context: ComputeContext
    ) throws {
        let c = configuration
        guard weights.count == c.weightCount, bias.count == c.outputChannels else {
            throw EngineError(
                .shapeMismatch,
                "Folded convolution got \(weights.count) weights and \(bias.count) biases; "
                    + "it needs \(c.weightCount) and \(c.outputChannels).")
        }
        let dimensions = [batch, c.inputChannels, height, width]
        let outputDimensions = [batch, c.outputChannels, c.outputSize(height), c.outputSize(width)]
        let given = try inputDescriptor ?? MemoryDescriptor.plain(dimensions)
        var source = try MemoryDescriptor.any(dimensions).raw
        var weightsAny = try MemoryDescriptor.any(c.weightDimensions).raw
        var biasPlain = try MemoryDescriptor.plain([c.outputChannels]).raw
        var destination = try MemoryDescriptor.any(outputDimensions).raw
        let strides: [dnnl_dim_t] = [dnnl_dim_t(c.stride), dnnl_dim_t(c.stride)]
        let padding: [dnnl_dim_t] = [dnnl_dim_t(c.padding), dnnl_dim_t(c.padding)]
        var descriptor = dnnl_convolution_desc_t()
        try dnnlCheck(
            dnnl_convolution_forward_desc_init(
                &descriptor, dnnl_forward_inference, dnnl_convolution_direct, &source, &weightsAny, &biasPlain,
                &destination, strides, padding, padding),
            "dnnl_convolution_forward_desc_init(inference \(dimensions)→\(outputDimensions))")
        var attributes: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attributes) }
        if let activation {
            var postOps: dnnl_post_ops_t?
            try dnnlCheck(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create")
            defer { dnnl_post_ops_destroy(postOps) }
            let (algorithm, alpha): (dnnl_alg_kind_t, Float) =
                switch activation {
                case .relu: (dnnl_eltwise_relu, 0)
                case .relu6: (dnnl_eltwise_bounded_relu, 6)
                case .hardSwish: (dnnl_eltwise_hardswish, 0)
                }
            try dnnlCheck(
                dnnl_post_ops_append_eltwise(postOps, 1, algorithm, alpha, 0), "dnnl_post_ops_append_eltwise")
            try dnnlCheck(dnnl_primitive_attr_set_post_ops(attributes, postOps), "dnnl_primitive_attr_set_post_ops")
        }
        bound = try InferencePrimitive(
            primitive: try Primitive(
                operation: descriptor, context: context, attributes: attributes, name: "folded convolution"),
            inputDimensions: dimensions, given: given, weights: weights, weightDimensions: c.weightDimensions,
            bias: bias, operation: "folded convolution", context: context)
    }

    /// Runs the layer.
    /// - Parameter input: (N, C, H, W) in the layout the layer was built for.
    /// - Returns: The output memory (owned by the layer, overwritten by the next call).
    /// - Throws: ``EngineError`` for a wrong shape or a oneDNN failure.
    public func forward(_ input: Memory) throws -> Memory { try bound.forward(input) }
}
