// Copyright 2026 The Distill authors.
// oneDNN inner product with bias: input (N, C, H, W) (flattened in NCHW order) or (N, C), output (N, O).
// Parameters: weights (O, C·H·W) row-major and bias (O), in the parameter buffer (bias right after the
// weights unless another offset is given).

import CDNNL

/// A fully connected layer on oneDNN.
public final class FullyConnectedLayer: EngineLayer {
    public let kind = "fc"
    public let outputDescriptor: MemoryDescriptor
    /// Output width O.
    public let outputs: Int
    private let inputDimensions: [Int]
    private let forwardPrimitive: Primitive
    private let backwardDataPrimitive: Primitive
    private let backwardWeightsPrimitive: Primitive
    private let inputAdapter: LayoutAdapter
    private let inputGradientAdapter: LayoutAdapter
    private let forwardWeights: LayoutAdapter
    private let backwardWeights: LayoutAdapter
    private let weights: Memory
    private let bias: Memory
    private let weightGradients: Memory
    private let weightGradientScratch: Memory
    private let biasGradientScratch: Memory
    private let accumulateWeights: Primitive
    private let output: Memory
    private let inputGradient: Memory
    private let gradients: FloatBuffer
    private let biasOffset: Int
    private var cachedInput: Memory?

    /// Builds the primitives for one shape.
    /// - Parameters:
    ///   - inputDimensions: (N, C, H, W) (H = W = 1 after global pooling), or (N, C) after another fully
    ///     connected layer.
    ///   - outputs: O.
    ///   - inputDescriptor: The layout inputs arrive in, or `nil` for plain NCHW.
    ///   - parameters: Weights (O·C·H·W floats) and their gradients.
    ///   - biasOffset: Where the bias (O floats) lives in the same buffers; `nil` for right after the weights.
    ///   - inputGradientStorage: Shared storage for dLoss/dInput (the network's gradient buffers), or
    ///     `nil` for memory of the layer's own.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` if oneDNN rejects the shape.
    public init(
        inputDimensions: [Int], outputs: Int, inputDescriptor: MemoryDescriptor?, parameters: ParameterBinding,
        biasOffset: Int? = nil, inputGradientStorage: FloatBuffer? = nil, context: ComputeContext
    ) throws {
        guard inputDimensions.count == 4 || inputDimensions.count == 2, inputDimensions.allSatisfy({ $0 >= 1 }),
            outputs >= 1
        else {
            throw EngineError(
                .invalidArgument,
                "Fully connected needs (N, C, H, W) or (N, C) input and outputs ≥ 1, got \(inputDimensions), "
                    + "\(outputs).")
        }
        self.inputDimensions = inputDimensions
        self.outputs = outputs
        let given = try inputDescriptor ?? MemoryDescriptor.plain(inputDimensions)
        let weightDimensions = [outputs] + inputDimensions.dropFirst()
        let weightsAny = try MemoryDescriptor.any(weightDimensions)
        let plainWeights = try MemoryDescriptor.plain(weightDimensions)
        let biasPlain = try MemoryDescriptor.plain([outputs])
        let outputPlain = try MemoryDescriptor.plain([inputDimensions[0], outputs])
        func primitives(source: MemoryDescriptor, weights: MemoryDescriptor) throws -> (Primitive, Primitive, Primitive)
        {
            var sourceRaw = source.raw
            var weightsRaw = weights.raw
            var biasRaw = biasPlain.raw
            var destination = outputPlain.raw
            var forward = dnnl_inner_product_desc_t()
            try dnnlCheck(
                dnnl_inner_product_forward_desc_init(
                    &forward, dnnl_forward_training, &sourceRaw, &weightsRaw, &biasRaw, &destination),
                "dnnl_inner_product_forward_desc_init(\(inputDimensions)→\(outputs))")
            let forwardPrimitive = try Primitive(operation: forward, context: context, name: "fc forward")
            sourceRaw = try forwardPrimitive.memoryDescriptor(dnnl_query_src_md).raw
            destination = try forwardPrimitive.memoryDescriptor(dnnl_query_dst_md).raw
            weightsRaw = weights.raw
            var backwardData = dnnl_inner_product_desc_t()
            try dnnlCheck(
                dnnl_inner_product_backward_data_desc_init(&backwardData, &sourceRaw, &weightsRaw, &destination),
                "dnnl_inner_product_backward_data_desc_init")
            let backwardDataPrimitive = try Primitive(
                operation: backwardData, context: context, hint: forwardPrimitive, name: "fc backward data")
            weightsRaw = weights.raw
            var backwardWeights = dnnl_inner_product_desc_t()
            try dnnlCheck(
                dnnl_inner_product_backward_weights_desc_init(
                    &backwardWeights, &sourceRaw, &weightsRaw, &biasRaw, &destination),
                "dnnl_inner_product_backward_weights_desc_init")
            let backwardWeightsPrimitive = try Primitive(
                operation: backwardWeights, context: context, hint: forwardPrimitive, name: "fc backward weights")
            return (forwardPrimitive, backwardDataPrimitive, backwardWeightsPrimitive)
        }
        // The weights change every step, so kernels that read them plain save converting them on every pass (for
        // a classifier of 1,000 outputs over 256 features, a 1 MB transpose that took longer than the product);
        // the inputs are then taken plain too (a small reorder). oneDNN's own choice of layouts stays where it has
        // no GEMM kernel for plain ones: its reference kernels would be far slower than the conversion.
        let plainChoice = try? primitives(source: try MemoryDescriptor.plain(inputDimensions), weights: plainWeights)
        let chosen =
            if let plainChoice,
                [plainChoice.0, plainChoice.1, plainChoice.2].allSatisfy({
                    $0.implementation.contains("gemm")
                })
            {
                plainChoice
            } else {
                try primitives(source: given, weights: weightsAny)
            }
        forwardPrimitive = chosen.0
        backwardDataPrimitive = chosen.1
        backwardWeightsPrimitive = chosen.2
        let chosenSource = try forwardPrimitive.memoryDescriptor(dnnl_query_src_md)
        let chosenWeights = try forwardPrimitive.memoryDescriptor(dnnl_query_weights_md)
        outputDescriptor = try forwardPrimitive.memoryDescriptor(dnnl_query_dst_md)

        let weightCount = weightDimensions.reduce(1, *)
        weights = try Memory(plainWeights, context: context, viewing: parameters.values, offset: parameters.offset)
        weightGradients = try Memory(
            plainWeights, context: context, viewing: parameters.gradients, offset: parameters.offset)
        let biasStart = biasOffset ?? parameters.offset + weightCount
        bias = try Memory(biasPlain, context: context, viewing: parameters.values, offset: biasStart)
        self.biasOffset = biasStart
        gradients = parameters.gradients
        let scratch = try backwardWeightsPrimitive.memoryDescriptor(dnnl_query_diff_weights_md)
        weightGradientScratch = try Memory(scratch, context: context)
        biasGradientScratch = try Memory(
            backwardWeightsPrimitive.memoryDescriptor(dnnl_query_diff_weights_md, index: 1), context: context)
        accumulateWeights = try Primitive(reorderFrom: scratch, to: plainWeights, accumulate: true, context: context)
        forwardWeights = try LayoutAdapter(from: plainWeights, to: chosenWeights, context: context)
        backwardWeights = try LayoutAdapter(
            from: plainWeights, to: backwardDataPrimitive.memoryDescriptor(dnnl_query_weights_md), context: context)
        inputAdapter = try LayoutAdapter(from: given, to: chosenSource, context: context)
        inputGradientAdapter = try LayoutAdapter(from: chosenSource, to: given, context: context)
        output = try Memory(outputDescriptor, context: context)
        inputGradient = try makeGradientMemory(chosenSource, storage: inputGradientStorage, context: context)
    }

    public func forward(_ input: Memory, training: Bool) throws -> Memory {
        try checkDimensions(input, expected: inputDimensions, operation: "fc forward")
        let source = try inputAdapter.apply(input)
        try forwardPrimitive.execute([
            (DNNLArgument.source, source), (DNNLArgument.weights, forwardWeights.apply(weights)),
            (DNNLArgument.bias, bias), (DNNLArgument.destination, output),
        ])
        cachedInput = training ? source : nil
        return output
    }

    public func backward(_ outputGradient: Memory) throws -> Memory? {
        guard let source = cachedInput else {
            throw EngineError(.invalidArgument, "fc backward called without a training-mode forward first.")
        }
        // The host adds the bias gradient to the parameter gradients.
        try backwardWeightsPrimitive.executeAndWait([
            (DNNLArgument.source, source), (DNNLArgument.destinationGradient, outputGradient),
            (DNNLArgument.weightsGradient, weightGradientScratch), (DNNLArgument.biasGradient, biasGradientScratch),
        ])
        try accumulateWeights.execute([(DNNLArgument.from, weightGradientScratch), (DNNLArgument.to, weightGradients)])
        let outputs = outputs
        gradients.withMutableFloats(offset: biasOffset, count: outputs) { target in
            biasGradientScratch.withFloats { dBias in
                for o in 0..<outputs { target[o] += dBias[o] }
            }
        }
        try backwardDataPrimitive.execute([
            (DNNLArgument.destinationGradient, outputGradient), (DNNLArgument.weights, backwardWeights.apply(weights)),
            (DNNLArgument.sourceGradient, inputGradient),
        ])
        return try inputGradientAdapter.apply(inputGradient)
    }
}
