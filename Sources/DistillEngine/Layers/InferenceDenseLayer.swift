// Copyright 2026 The Distill authors.
// An evaluation-only fully connected layer: output = x · Wᵀ + b, one oneDNN inner product. The training layer
// (FullyConnectedLayer) converts its weights to the kernel's layout on every forward pass, since they change
// every step; here W (O, C·H·W) and b (O) are given once and converted at build time. For a classifier of
// 1,000 outputs over 256 features that conversion (a transpose of 1 MB) cost more than the product itself.

import CDNNL

/// A fully connected layer + bias for inference, with its weights converted once.
public final class InferenceDenseLayer {
    private let bound: InferencePrimitive
    /// The layout of the output: (N, O) row-major.
    public var outputDescriptor: MemoryDescriptor { bound.outputDescriptor }

    /// Builds the primitive and converts the weights.
    /// - Parameters:
    ///   - inputDimensions: (N, C, H, W) (H = W = 1 after global pooling) or (N, C).
    ///   - weights: W, (O, C·H·W) row-major (inputs flattened in NCHW order).
    ///   - bias: b, (O).
    ///   - inputDescriptor: The layout inputs arrive in, or `nil` for plain.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` for wrong sizes or a oneDNN failure.
    public init(
        inputDimensions: [Int], weights: [Float], bias: [Float], inputDescriptor: MemoryDescriptor?,
        context: ComputeContext
    ) throws {
        guard inputDimensions.count == 4 || inputDimensions.count == 2, inputDimensions.allSatisfy({ $0 >= 1 }) else {
            throw EngineError(
                .invalidArgument, "A dense layer needs (N, C, H, W) or (N, C) input, got \(inputDimensions).")
        }
        let inputs = inputDimensions.dropFirst().reduce(1, *)
        guard !bias.isEmpty, weights.count == bias.count * inputs else {
            throw EngineError(
                .shapeMismatch,
                "A dense layer over \(inputs) inputs got \(weights.count) weights and \(bias.count) biases; it "
                    + "needs outputs · \(inputs) weights and one bias per output.")
        }
        let outputs = bias.count
        let given = try inputDescriptor ?? MemoryDescriptor.plain(inputDimensions)
        let weightDimensions = [outputs] + inputDimensions.dropFirst()
        var source = given.raw
        var weightsAny = try MemoryDescriptor.any(weightDimensions).raw
        var biasPlain = try MemoryDescriptor.plain([outputs]).raw
        var destination = try MemoryDescriptor.plain([inputDimensions[0], outputs]).raw
        var descriptor = dnnl_inner_product_desc_t()
        try dnnlCheck(
            dnnl_inner_product_forward_desc_init(
                &descriptor, dnnl_forward_inference, &source, &weightsAny, &biasPlain, &destination),
            "dnnl_inner_product_forward_desc_init(inference \(inputDimensions)→\(outputs))")
        bound = try InferencePrimitive(
            primitive: try Primitive(operation: descriptor, context: context, name: "inference dense"),
            inputDimensions: inputDimensions, given: given, weights: weights, weightDimensions: weightDimensions,
            bias: bias, operation: "inference dense", context: context)
    }

    /// Runs the layer.
    /// - Parameter input: (N, C, H, W) or (N, C) in the layout the layer was built for.
    /// - Returns: The output memory, (N, O) (owned by the layer, overwritten by the next call).
    /// - Throws: ``EngineError`` for a wrong shape or a oneDNN failure.
    public func forward(_ input: Memory) throws -> Memory { try bound.forward(input) }
}
