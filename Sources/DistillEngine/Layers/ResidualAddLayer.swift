// Copyright 2026 The Distill authors.
// The residual connection of an inverted residual block (MobileNet V2, V3): output = input + shortcut, where
// the shortcut is the block's input, added in place into the projection's batch-norm output with oneDNN's
// binary add. Backward hands the gradient through unchanged and keeps a copy for the shortcut, which the
// network adds (``addShortcutGradient(into:)``) to the gradient that reaches the block's input.

import CDNNL

/// output = input + shortcut on oneDNN, in place.
public final class ResidualAddLayer: EngineLayer {
    public let kind = "residual"
    public let outputDescriptor: MemoryDescriptor
    /// The block's input for the next ``forward(_:training:)``; the network sets it.
    public var shortcut: Memory?
    private let dimensions: [Int]
    private let shortcutDescriptor: MemoryDescriptor
    private let shortcutAdapter: LayoutAdapter
    private let add: Primitive
    private let keepGradient: Primitive
    private let keptGradient: Memory
    private let accumulate: Primitive
    private var hasGradient = false

    /// Builds the primitives for one shape.
    /// - Parameters:
    ///   - dimensions: (N, C, H, W) of both addends.
    ///   - inputDescriptor: The layout of the main path (the projection's batch-norm output).
    ///   - shortcutDescriptor: The layout of the block's input.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` if oneDNN rejects the shapes.
    public init(
        dimensions: [Int], inputDescriptor: MemoryDescriptor, shortcutDescriptor: MemoryDescriptor,
        context: ComputeContext
    ) throws {
        guard inputDescriptor.dimensions == dimensions, shortcutDescriptor.dimensions == dimensions else {
            throw EngineError(
                .invalidArgument,
                "A residual add of \(dimensions) got a main path of \(inputDescriptor.dimensions) and a shortcut of "
                    + "\(shortcutDescriptor.dimensions); the block's input and output must have the same shape.")
        }
        self.dimensions = dimensions
        self.shortcutDescriptor = shortcutDescriptor
        outputDescriptor = inputDescriptor
        shortcutAdapter = try LayoutAdapter(from: shortcutDescriptor, to: inputDescriptor, context: context)
        var binary = dnnl_binary_desc_t()
        var first = inputDescriptor.raw
        var second = inputDescriptor.raw
        var destination = inputDescriptor.raw
        try dnnlCheck(
            dnnl_binary_desc_init(&binary, dnnl_binary_add, &first, &second, &destination),
            "dnnl_binary_desc_init(add, \(dimensions))")
        add = try Primitive(operation: binary, context: context, name: "residual add")
        keepGradient = try Primitive(reorderFrom: inputDescriptor, to: shortcutDescriptor, context: context)
        keptGradient = try Memory(shortcutDescriptor, context: context)
        accumulate = try Primitive(
            reorderFrom: shortcutDescriptor, to: shortcutDescriptor, accumulate: true, context: context)
    }

    public func forward(_ input: Memory, training: Bool) throws -> Memory {
        try checkDimensions(input, expected: dimensions, operation: "residual forward")
        guard let shortcut else {
            throw EngineError(.invalidArgument, "residual forward called before the network set its shortcut.")
        }
        let second = try shortcutAdapter.apply(shortcut)
        try add.execute([
            (DNNLArgument.source, input), (DNNLArgument.source1, second), (DNNLArgument.destination, input),
        ])
        hasGradient = false
        return input
    }

    public func backward(_ outputGradient: Memory) throws -> Memory? {
        try keepGradient.execute([(DNNLArgument.from, outputGradient), (DNNLArgument.to, keptGradient)])
        hasGradient = true
        return outputGradient
    }

    /// Adds the kept gradient to the gradient of the block's input.
    /// - Parameter blockInputGradient: dLoss/dInput of the block's first layer, in the shortcut's layout.
    /// - Throws: ``EngineError`` if no backward pass kept a gradient or oneDNN fails.
    public func addShortcutGradient(into blockInputGradient: Memory) throws {
        guard hasGradient else {
            throw EngineError(.invalidArgument, "residual shortcut gradient requested before its backward pass.")
        }
        try accumulate.execute([(DNNLArgument.from, keptGradient), (DNNLArgument.to, blockInputGradient)])
        hasGradient = false
    }
}
