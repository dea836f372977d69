// Copyright 2026 The Distill authors.
// An int8 inference convolution on oneDNN: source u8 (or s8 with a zero point, for the network's input),
// weights s8 (O, I/groups, K, K) with one scale per output channel, bias in accumulator units, destination
// u8. One primitive computes dst = saturate_u8(round(scale[o] · (Σ (src − zero point) · w + bias[o]))),
// clipped above for ReLU6; u8 with zero point 0 is the int8 tensor after a ReLU (zero point −128) shifted by
// 128. Activations (N, C, H, W) in oneDNN's layout.

import CDNNL

/// An int8 convolution with requantisation to u8, built once.
public final class Int8ConvolutionLayer {
    private let bound: InferencePrimitive
    /// The layout of the output (u8).
    public var outputDescriptor: MemoryDescriptor { bound.outputDescriptor }

    /// Builds the primitive and converts the weights.
    /// - Parameters:
    ///   - configuration: Channels, kernel, stride, padding, groups.
    ///   - batch: N.
    ///   - height: Input H.
    ///   - width: Input W.
    ///   - inputDescriptor: The layout inputs arrive in, or `nil` for plain NCHW of `signedInput`'s type.
    ///   - signedInput: s8 input with `inputZeroPoint` (else u8 with zero point 0).
    ///   - inputZeroPoint: The s8 input's zero point.
    ///   - weights: (O, I/groups, K, K) int8 values.
    ///   - bias: (O) in accumulator units (input scale × weight scale).
    ///   - outputScales: (O) multipliers from accumulator to output units.
    ///   - upperBound: Output values are clipped to it (ReLU6), in output units; nil for none.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` for wrong sizes or a oneDNN failure.
    public init(
        configuration: ConvolutionConfiguration, batch: Int, height: Int, width: Int,
        inputDescriptor: MemoryDescriptor?, signedInput: Bool, inputZeroPoint: Int32, weights: [Int8],
        bias: [Float], outputScales: [Float], upperBound: Float?, context: ComputeContext
    ) throws {
        let c = configuration
        guard weights.count == c.weightCount, bias.count == c.outputChannels, outputScales.count == c.outputChannels
        else {
            throw EngineError(
                .shapeMismatch,
                "int8 convolution got \(weights.count) weights, \(bias.count) biases and \(outputScales.count) "
                    + "scales; it needs \(c.weightCount), \(c.outputChannels) and \(c.outputChannels).")
        }
        let sourceType = signedInput ? dnnl_s8 : dnnl_u8
        let dimensions = [batch, c.inputChannels, height, width]
        let outputDimensions = [batch, c.outputChannels, c.outputSize(height), c.outputSize(width)]
        let given = try inputDescriptor ?? MemoryDescriptor.plain(dimensions, dataType: sourceType)
        var source = try MemoryDescriptor.any(dimensions, dataType: sourceType).raw
        var weightsAny = try MemoryDescriptor.any(c.weightDimensions, dataType: dnnl_s8).raw
        var biasPlain = try MemoryDescriptor.plain([c.outputChannels]).raw
        var destination = try MemoryDescriptor.any(outputDimensions, dataType: dnnl_u8).raw
        let strides: [dnnl_dim_t] = [dnnl_dim_t(c.stride), dnnl_dim_t(c.stride)]
        let padding: [dnnl_dim_t] = [dnnl_dim_t(c.padding), dnnl_dim_t(c.padding)]
        var descriptor = dnnl_convolution_desc_t()
        try dnnlCheck(
            dnnl_convolution_forward_desc_init(
                &descriptor, dnnl_forward_inference, dnnl_convolution_direct, &source, &weightsAny, &biasPlain,
                &destination, strides, padding, padding),
            "dnnl_convolution_forward_desc_init(int8 \(dimensions)→\(outputDimensions))")
        var attributes: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attributes) }
        try dnnlCheck(
            dnnl_primitive_attr_set_output_scales(attributes, dnnl_dim_t(c.outputChannels), 1 << 1, outputScales),
            "dnnl_primitive_attr_set_output_scales")
        if signedInput && inputZeroPoint != 0 {
            var zeroPoint = inputZeroPoint
            try dnnlCheck(
                dnnl_primitive_attr_set_zero_points(attributes, DNNLArgument.source, 1, 0, &zeroPoint),
                "dnnl_primitive_attr_set_zero_points")
        }
        if let upperBound {
            var postOps: dnnl_post_ops_t?
            try dnnlCheck(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create")
            defer { dnnl_post_ops_destroy(postOps) }
            try dnnlCheck(
                dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_clip, 0, upperBound),
                "dnnl_post_ops_append_eltwise(clip)")
            try dnnlCheck(dnnl_primitive_attr_set_post_ops(attributes, postOps), "dnnl_primitive_attr_set_post_ops")
        }
        let plainWeights = try Memory(MemoryDescriptor.plain(c.weightDimensions, dataType: dnnl_s8), context: context)
        plainWeights.withBytes { target in
            for index in weights.indices { target[index] = UInt8(bitPattern: weights[index]) }
        }
        bound = try InferencePrimitive(
            primitive: try Primitive(
                operation: descriptor, context: context, attributes: attributes, name: "int8 convolution"),
            inputDimensions: dimensions, given: given, plainWeights: plainWeights, bias: bias,
            operation: "int8 convolution", context: context)
    }

    /// Runs the layer.
    /// - Parameter input: (N, C, H, W) in the layout the layer was built for.
    /// - Returns: The u8 output memory (owned by the layer, overwritten by the next call).
    /// - Throws: ``EngineError`` for a wrong shape or a oneDNN failure.
    public func forward(_ input: Memory) throws -> Memory { try bound.forward(input) }
}

/// Reorders a memory into plain NCHW of the same element type (for reading results in Swift).
public final class PlainReorder {
    /// The plain copy.
    public let output: Memory
    private let primitive: Primitive

    /// Builds the reorder.
    /// - Parameters:
    ///   - source: The layout to read (its element type is kept).
    ///   - context: The engine.
    /// - Throws: ``EngineError`` if oneDNN fails.
    public init(from source: MemoryDescriptor, context: ComputeContext) throws {
        let plain = try MemoryDescriptor.plain(source.dimensions, dataType: source.raw.data_type)
        output = try Memory(plain, context: context)
        primitive = try Primitive(reorderFrom: source, to: plain, context: context)
    }

    /// Copies `input` into ``output``.
    /// - Parameter input: A memory of the source layout.
    /// - Returns: ``output``.
    /// - Throws: ``EngineError`` if oneDNN fails.
    public func apply(_ input: Memory) throws -> Memory {
        try primitive.execute([(DNNLArgument.from, input), (DNNLArgument.to, output)])
        return output
    }
}

/// Plain memory descriptors of the int8 types, for callers outside the engine.
extension MemoryDescriptor {
    /// Plain NCHW s8 activations.
    /// - Parameter dimensions: (N, C, H, W).
    /// - Returns: The descriptor.
    /// - Throws: ``EngineError`` for other than four dimensions.
    public static func signedBytes(_ dimensions: [Int]) throws -> MemoryDescriptor {
        try plain(dimensions, dataType: dnnl_s8)
    }
}

/// Integer matrix products through oneDNN (`dnnl_gemm_u8s8s32`), row-major.
public enum Int8Matrix {
    /// C (M, N) = A (M, K) · Bᵀ with A u8 and B (N, K) s8, accumulated in int32.
    /// - Parameters:
    ///   - a: M · K unsigned values.
    ///   - b: N · K signed values.
    ///   - m: Rows of A.
    ///   - n: Rows of B.
    ///   - k: The shared dimension.
    /// - Returns: M · N int32 values.
    /// - Throws: ``EngineError`` for wrong sizes or a oneDNN failure.
    public static func multiplyTransposed(_ a: [UInt8], _ b: [Int8], m: Int, n: Int, k: Int) throws -> [Int32] {
        guard a.count == m * k, b.count == n * k else {
            throw EngineError(
                .shapeMismatch,
                "int8 matrix product got \(a.count) and \(b.count) values for (\(m), \(k)) · (\(n), \(k))ᵀ.")
        }
        var c = [Int32](repeating: 0, count: m * n)
        let offset: [Int32] = [0]
        try a.withUnsafeBufferPointer { a in
            try b.withUnsafeBufferPointer { b in
                try c.withUnsafeMutableBufferPointer { c in
                    try dnnlCheck(
                        dnnl_gemm_u8s8s32(
                            CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "T")), CChar(UInt8(ascii: "F")), dnnl_dim_t(m),
                            dnnl_dim_t(n), dnnl_dim_t(k), 1, a.baseAddress, dnnl_dim_t(k), 0, b.baseAddress,
                            dnnl_dim_t(k),
                            0, 0, c.baseAddress, dnnl_dim_t(n), offset),
                        "dnnl_gemm_u8s8s32(\(m)x\(k) · \(n)x\(k)ᵀ)")
                }
            }
        }
        return c
    }
}
