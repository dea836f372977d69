// Copyright 2026 The Distill authors.
// oneDNN global average pooling: (N, C, H, W) → (N, C, 1, 1), output in oneDNN's chosen layout.

import CDNNL

/// Global average pooling on oneDNN.
public final class GlobalAveragePoolLayer: EngineLayer {
    public let kind = "pool"
    public let outputDescriptor: MemoryDescriptor
    private let dimensions: [Int]
    private let forwardPrimitive: Primitive
    private let backwardPrimitive: Primitive
    private let inputAdapter: LayoutAdapter
    private let inputGradientAdapter: LayoutAdapter
    private let output: Memory
    private let inputGradient: Memory

    /// Builds the primitives for one shape.
    /// - Parameters:
    ///   - dimensions: Input (N, C, H, W).
    ///   - inputDescriptor: The layout inputs arrive in, or `nil` for plain NCHW.
    ///   - inputGradientStorage: Shared storage for dLoss/dInput (the network's gradient buffers), or
    ///     `nil` for memory of the layer's own.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` if oneDNN rejects the shape.
    public init(
        dimensions: [Int], inputDescriptor: MemoryDescriptor?, inputGradientStorage: FloatBuffer? = nil,
        context: ComputeContext
    ) throws {
        guard dimensions.count == 4, dimensions.allSatisfy({ $0 >= 1 }) else {
            throw EngineError(.invalidArgument, "Global average pooling needs (N, C, H, W), got \(dimensions).")
        }
        self.dimensions = dimensions
        let given = try inputDescriptor ?? MemoryDescriptor.plain(dimensions)
        let outputAny = try MemoryDescriptor.any([dimensions[0], dimensions[1], 1, 1])
        let kernel: [dnnl_dim_t] = [dnnl_dim_t(dimensions[2]), dnnl_dim_t(dimensions[3])]
        let ones: [dnnl_dim_t] = [1, 1]
        let zeros: [dnnl_dim_t] = [0, 0]
        var source = given.raw
        var destination = outputAny.raw
        var forward = dnnl_pooling_desc_t()
        try dnnlCheck(
            dnnl_pooling_forward_desc_init(
                &forward, dnnl_forward_training, dnnl_pooling_avg_exclude_padding, &source, &destination, ones,
                kernel, zeros, zeros),
            "dnnl_pooling_forward_desc_init(\(dimensions))")
        forwardPrimitive = try Primitive(operation: forward, context: context, name: "pool forward")
        let chosenSource = try forwardPrimitive.memoryDescriptor(dnnl_query_src_md)
        outputDescriptor = try forwardPrimitive.memoryDescriptor(dnnl_query_dst_md)
        var backward = dnnl_pooling_desc_t()
        source = chosenSource.raw
        destination = outputDescriptor.raw
        try dnnlCheck(
            dnnl_pooling_backward_desc_init(
                &backward, dnnl_pooling_avg_exclude_padding, &source, &destination, ones, kernel, zeros, zeros),
            "dnnl_pooling_backward_desc_init(\(dimensions))")
        backwardPrimitive = try Primitive(
            operation: backward, context: context, hint: forwardPrimitive, name: "pool backward")
        inputAdapter = try LayoutAdapter(from: given, to: chosenSource, context: context)
        inputGradientAdapter = try LayoutAdapter(from: chosenSource, to: given, context: context)
        output = try Memory(outputDescriptor, context: context)
        inputGradient = try makeGradientMemory(chosenSource, storage: inputGradientStorage, context: context)
    }

    public func forward(_ input: Memory, training: Bool) throws -> Memory {
        try checkDimensions(input, expected: dimensions, operation: "pool forward")
        let source = try inputAdapter.apply(input)
        try forwardPrimitive.execute([(DNNLArgument.source, source), (DNNLArgument.destination, output)])
        return output
    }

    public func backward(_ outputGradient: Memory) throws -> Memory? {
        try backwardPrimitive.execute([
            (DNNLArgument.destinationGradient, outputGradient), (DNNLArgument.sourceGradient, inputGradient),
        ])
        return try inputGradientAdapter.apply(inputGradient)
    }
}
