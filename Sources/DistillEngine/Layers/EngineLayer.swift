// Copyright 2026 The Distill authors.
// What every oneDNN-backed layer provides. Activations are 4-D (N, C, H, W) logically and live in the
// layout oneDNN prefers (usually nChw16c); each layer owns its output and input-gradient memories,
// created once for one batch size and input shape.

/// A layer backed by oneDNN primitives with explicit forward and backward passes.
///
/// `forward` keeps what `backward` needs (its input, batch statistics, workspaces). `backward` takes
/// the gradient of the loss with respect to the layer's output (in ``outputDescriptor``), adds the
/// parameter gradients into the network's gradient buffer, and returns the gradient with respect to
/// the layer's input, or `nil` when the layer was built without one (the first layer).
public protocol EngineLayer: AnyObject {
    /// A short kind for profiles: "convolution", "depthwise", "pointwise", "batchnorm", ….
    var kind: String { get }
    /// The logical shape and layout of the output.
    var outputDescriptor: MemoryDescriptor { get }
    /// Runs the layer.
    /// - Parameters:
    ///   - input: The input activation, in the layout the layer was built for.
    ///   - training: Training (batch statistics, caches for backward) or evaluation.
    /// - Returns: The layer's output memory (owned by the layer, overwritten by the next call).
    /// - Throws: ``EngineError`` if oneDNN fails.
    func forward(_ input: Memory, training: Bool) throws -> Memory
    /// Back-propagates through the layer after a training-mode ``forward(_:training:)``.
    /// - Parameter outputGradient: dLoss/dOutput in ``outputDescriptor``'s layout.
    /// - Returns: dLoss/dInput in the input's layout, or `nil` if the layer computes none.
    /// - Throws: ``EngineError`` if oneDNN fails.
    func backward(_ outputGradient: Memory) throws -> Memory?
}

/// Where a layer's parameters live: a slice of the network's value buffer and the same slice of its
/// gradient buffer.
public struct ParameterBinding {
    /// All parameter values of the network.
    public var values: FloatBuffer
    /// All parameter gradients, same layout as `values`.
    public var gradients: FloatBuffer
    /// First float of this parameter.
    public var offset: Int

    /// Creates a binding.
    /// - Parameters:
    ///   - values: The value buffer.
    ///   - gradients: The gradient buffer (same size).
    ///   - offset: First float of the parameter in both.
    public init(values: FloatBuffer, gradients: FloatBuffer, offset: Int) {
        self.values = values
        self.gradients = gradients
        self.offset = offset
    }
}

/// A reorder that runs only when two layouts differ; otherwise it hands its input through.
final class LayoutAdapter {
    private let primitive: Primitive?
    private let target: Memory?

    init(from source: MemoryDescriptor, to destination: MemoryDescriptor, context: ComputeContext) throws {
        if source.sameLayout(as: destination) {
            primitive = nil
            target = nil
        } else {
            primitive = try Primitive(reorderFrom: source, to: destination, context: context)
            target = try Memory(destination, context: context)
        }
    }

    var isIdentity: Bool { primitive == nil }

    func apply(_ memory: Memory) throws -> Memory {
        guard let primitive, let target else { return memory }
        try primitive.execute([(DNNLArgument.from, memory), (DNNLArgument.to, target)])
        return target
    }
}

/// Checks that an incoming memory has the dimensions a layer was built for.
func checkDimensions(_ memory: Memory, expected: [Int], operation: String) throws {
    let got = memory.descriptor.dimensions
    if got != expected {
        throw EngineError(
            .invalidArgument,
            "\(operation) got an input of shape \(got) but was built for \(expected); rebuild the layer for this shape."
        )
    }
}

/// The memory a layer writes dLoss/dInput into: a view of shared storage (so a network can run its
/// backward pass in two ping-pong buffers, batch norm and activations in place) or memory of its own.
func makeGradientMemory(
    _ descriptor: MemoryDescriptor, storage: FloatBuffer?, context: ComputeContext
) throws -> Memory {
    guard let storage else { return try Memory(descriptor, context: context) }
    return try Memory(descriptor, context: context, viewing: storage, offset: 0)
}
