// Copyright 2026 The Distill authors.
// What the inference layers share (folded float convolutions, int8 convolutions, dense layers): one oneDNN
// forward-inference primitive whose weights and bias are constants, converted once at build time into the
// layout the primitive chose; inputs are read in the layout they arrive in (reordered first when the kernel
// reads another) and the output goes to a memory of its own.

import CDNNL

/// A built inference primitive with its constant weights and bias.
final class InferencePrimitive {
    /// The layout the kernel reads its input in.
    let inputDescriptor: MemoryDescriptor
    /// The layout of the output.
    let outputDescriptor: MemoryDescriptor
    private let dimensions: [Int]
    private let operation: String
    private let primitive: Primitive
    private let inputAdapter: LayoutAdapter
    private let weights: Memory
    private let bias: Memory
    private let output: Memory

    /// Converts the weights into the primitive's layout and keeps them with the bias.
    /// - Parameters:
    ///   - primitive: The forward-inference primitive (source, weights, bias, destination).
    ///   - inputDimensions: The input's dimensions, checked on every call.
    ///   - given: The layout inputs arrive in.
    ///   - plainWeights: The weights, plain, of the primitive's weight type.
    ///   - bias: The bias, float.
    ///   - operation: Names the layer in error messages.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` if oneDNN fails.
    init(
        primitive: Primitive, inputDimensions: [Int], given: MemoryDescriptor, plainWeights: Memory, bias: [Float],
        operation: String, context: ComputeContext
    ) throws {
        self.primitive = primitive
        dimensions = inputDimensions
        self.operation = operation
        inputDescriptor = try primitive.memoryDescriptor(dnnl_query_src_md)
        outputDescriptor = try primitive.memoryDescriptor(dnnl_query_dst_md)
        inputAdapter = try LayoutAdapter(from: given, to: inputDescriptor, context: context)
        output = try Memory(outputDescriptor, context: context)
        let chosenWeights = try primitive.memoryDescriptor(dnnl_query_weights_md)
        weights = try Memory(chosenWeights, context: context)
        try Primitive(reorderFrom: plainWeights.descriptor, to: chosenWeights, context: context).execute([
            (DNNLArgument.from, plainWeights), (DNNLArgument.to, weights),
        ])
        self.bias = try Memory(MemoryDescriptor.plain([bias.count]), context: context)
        self.bias.withFloats { target in _ = target.update(fromContentsOf: bias) }
        try context.wait()
    }

    /// The same for float weights given as (row-major) values of `weightDimensions`.
    convenience init(
        primitive: Primitive, inputDimensions: [Int], given: MemoryDescriptor, weights: [Float],
        weightDimensions: [Int], bias: [Float], operation: String, context: ComputeContext
    ) throws {
        let plainWeights = try Memory(MemoryDescriptor.plain(weightDimensions), context: context)
        plainWeights.withFloats { target in _ = target.update(fromContentsOf: weights) }
        try self.init(
            primitive: primitive, inputDimensions: inputDimensions, given: given, plainWeights: plainWeights,
            bias: bias, operation: operation, context: context)
    }

    /// Runs the primitive.
    /// - Parameter input: The input, of the dimensions given at build time, in the layout given then.
    /// - Returns: The output memory (owned here, overwritten by the next call).
    /// - Throws: ``EngineError`` for a wrong shape or a oneDNN failure.
    func forward(_ input: Memory) throws -> Memory {
        try checkDimensions(input, expected: dimensions, operation: operation)
        let source = try inputAdapter.apply(input)
        try primitive.execute([
            (DNNLArgument.source, source), (DNNLArgument.weights, weights), (DNNLArgument.bias, bias),
            (DNNLArgument.destination, output),
        ])
        return output
    }
}
