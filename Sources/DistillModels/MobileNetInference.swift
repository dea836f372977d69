// Copyright 2026 The Distill authors.
// An evaluation-only MobileNet (V1, V2 or V3) with batch norm folded into the convolutions, built node by node
// from FoldedMobileNet.nodes (the graph the exporters write): per convolution one oneDNN primitive computing
// activation(conv(x, W·s) + β − mean·s) with s = γ / sqrt(running variance + ε) (an h-swish node right after a
// convolution is fused into it as well); V2's and V3's residual adds and squeeze-and-excitation run as the
// training network's layers do.
// Built from a trained MobileNet's parameters and running statistics (a snapshot: rebuild after more
// training). Images (N, 3, R, R) plain; outputs (N, outputs) row-major.

import DistillEngine
import Foundation

/// A MobileNet for inference with batch norm folded into the convolutions.
public final class MobileNetInference {
    /// One step of the forward pass: a layer reading tensor `input` (and `shortcut`, for a residual add) and
    /// writing tensor `output`, numbered as ``FoldedMobileNet/nodes`` number them.
    private struct Stage {
        enum Operation {
            /// A folded convolution and its kind for profiles ("convolution", "depthwise", "pointwise").
            case convolution(InferenceConvolutionLayer, kind: String)
            case layer(any EngineLayer)
        }

        var operation: Operation
        var input: Int
        var shortcut: Int?
        var output: Int
    }

    /// The architecture.
    public let spec: MobileNetSpec
    /// Images per forward pass.
    public let batch: Int
    private let context: ComputeContext
    private let input: Memory
    private let stages: [Stage]
    private let tensorCount: Int
    /// Each tensor's memory during a pass (the layers own them; kept to avoid an allocation per pass).
    private var tensors: [Memory?]
    private let parameters: FloatBuffer
    private var output: Memory?
    /// Seconds spent per layer kind since ``resetProfile()`` while ``isProfiling`` is on (each stage is waited
    /// for, so profiled passes are a little slower than plain ones).
    public private(set) var profile: [String: Double] = [:]
    /// Whether ``forward()`` times each stage.
    public var isProfiling = false
    /// Forward passes profiled since ``resetProfile()``.
    public private(set) var profiledPasses = 0

    /// Folds a network's current parameters and running statistics into an inference network.
    /// - Parameters:
    ///   - network: The trained network (its spec, options, parameters and statistics are read).
    ///   - batch: Images per forward pass; the network's batch size if `nil`.
    /// - Throws: ``EngineError`` for a bad batch size or a oneDNN failure.
    public init(folding network: MobileNet, batch: Int? = nil) throws {
        let batch = batch ?? network.batch
        guard batch >= 1 else {
            throw EngineError(.invalidArgument, "Batch size \(batch) is below 1; use a batch of at least 1 image.")
        }
        let spec = network.spec
        let layout = network.layout
        let context = network.context
        self.spec = spec
        self.batch = batch
        self.context = context
        let values = network.parameters.array
        let statistics = network.statistics.array
        parameters = FloatBuffer(values)
        let unusedGradients = FloatBuffer(count: values.count)
        let foldedNetwork = try FoldedMobileNet(
            spec: spec, options: network.options, parameters: values, statistics: statistics)
        input = try Memory(
            MemoryDescriptor.activation(
                [batch, MobileNetSpec.inputChannels, spec.resolution, spec.resolution], blocked: false),
            context: context)
        let nodes = foldedNetwork.nodes
        let shapes = foldedNetwork.tensorShapes
        let denseNames = spec.layers.filter { $0.kind == .fullyConnected }.map(\.name)
        var descriptors = [MemoryDescriptor?](repeating: nil, count: foldedNetwork.tensorCount)
        descriptors[0] = input.descriptor
        func descriptor(_ tensor: Int) throws -> MemoryDescriptor {
            guard let descriptor = descriptors[tensor] else {
                throw EngineError(.invalidArgument, "Tensor \(tensor) is read before a layer writes it.")
            }
            return descriptor
        }
        var stages: [Stage] = []
        var fusedActivation: Int?
        for (position, node) in nodes.enumerated() {
            if position == fusedActivation { continue }
            switch node {
            case .convolution(let index, let source, var output, let fused):
                let folding = foldedNetwork.convolutions[index]
                let layer = folding.layer
                var activation = fused
                // h-swish right after the convolution (V3) runs as the convolution's post-op.
                if activation == nil, position + 1 < nodes.count,
                    case .activation(let next, let activationInput, let activated) = nodes[position + 1],
                    activationInput == output
                {
                    activation = next
                    output = activated
                    fusedActivation = position + 1
                }
                let configuration = try ConvolutionConfiguration(
                    inputChannels: layer.inputChannels, outputChannels: layer.outputChannels, kernel: layer.kernel,
                    stride: layer.stride, padding: layer.kernel / 2, groups: folding.groups)
                let convolution = try InferenceConvolutionLayer(
                    configuration: configuration, batch: batch, height: layer.inputHeight, width: layer.inputWidth,
                    inputDescriptor: try descriptor(source), weights: folding.weights, bias: folding.bias,
                    activation: activation, context: context)
                stages.append(
                    Stage(operation: .convolution(convolution, kind: "\(layer.kind)"), input: source, output: output))
                descriptors[output] = convolution.outputDescriptor
            case .add(let first, let second, let output):
                let shape = shapes[output]
                let add = try ResidualAddLayer(
                    dimensions: [batch, shape.channels, shape.height, shape.width],
                    inputDescriptor: try descriptor(first), shortcutDescriptor: try descriptor(second),
                    context: context)
                stages.append(Stage(operation: .layer(add), input: first, shortcut: second, output: output))
                descriptors[output] = add.outputDescriptor
            case .activation(let activation, let source, let output):
                let source4D = try descriptor(source)
                let layer = try ActivationLayer(
                    activation: activation, dimensions: source4D.dimensions, inputDescriptor: source4D, inPlace: true,
                    context: context)
                stages.append(Stage(operation: .layer(layer), input: source, output: output))
                descriptors[output] = layer.outputDescriptor
            case .squeezeExcitation(let index, let source, _, _, _, let output):
                let layer = foldedNetwork.squeezeExcitations[index].layer
                let offsets = try layout.squeezeExcitationOffsets(layer: layer.name)
                let excitation = try SqueezeExcitationLayer(
                    dimensions: [batch, layer.inputChannels, layer.inputHeight, layer.inputWidth],
                    squeeze: layer.squeezeChannels, inputDescriptor: try descriptor(source), values: parameters,
                    gradients: unusedGradients, offsets: offsets, context: context)
                stages.append(Stage(operation: .layer(excitation), input: source, output: output))
                descriptors[output] = excitation.outputDescriptor
            case .pool(let source, let output):
                let shape = shapes[source]
                let pool = try GlobalAveragePoolLayer(
                    dimensions: [batch, shape.channels, shape.height, shape.width],
                    inputDescriptor: try descriptor(source), context: context)
                stages.append(Stage(operation: .layer(pool), input: source, output: output))
                descriptors[output] = pool.outputDescriptor
            case .dense(let index, let source, let output):
                let dense = foldedNetwork.denseLayers[index]
                let name = index < denseNames.count ? denseNames[index] : ""
                guard let weights = layout.parameter(layer: name, role: .weights),
                    let bias = layout.parameter(layer: name, role: .bias)
                else { throw EngineError(.invalidArgument, "No weights laid out for layer \(name).") }
                let given = try descriptor(source)
                let fullyConnected = try FullyConnectedLayer(
                    inputDimensions: given.dimensions.count == 2
                        ? [batch, dense.inputs] : [batch, dense.inputs, 1, 1],
                    outputs: dense.outputs, inputDescriptor: given,
                    parameters: ParameterBinding(
                        values: parameters, gradients: unusedGradients, offset: weights.offset),
                    biasOffset: bias.offset, context: context)
                stages.append(Stage(operation: .layer(fullyConnected), input: source, output: output))
                descriptors[output] = fullyConnected.outputDescriptor
            }
        }
        self.stages = stages
        tensorCount = foldedNetwork.tensorCount
        tensors = Array(repeating: nil, count: foldedNetwork.tensorCount)
    }

    /// Floats in one input batch: N · 3 · R · R.
    public var inputCount: Int { batch * MobileNetSpec.inputChannels * spec.resolution * spec.resolution }
    /// Floats in one output batch: N · outputs.
    public var outputCount: Int { batch * spec.outputs }

    /// Gives write access to the input images, (N, 3, R, R) row-major.
    /// - Parameter body: Fills the images; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    public func withInput<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try input.withFloats { try body(UnsafeMutableBufferPointer(rebasing: $0.prefix(inputCount))) }
    }

    /// Runs the network on the images in the input buffer.
    /// - Throws: ``EngineError`` if oneDNN fails.
    public func forward() throws {
        tensors[0] = input
        for stage in stages {
            let start = isProfiling ? DispatchTime.now().uptimeNanoseconds : 0
            guard let source = tensors[stage.input] else {
                throw EngineError(.invalidArgument, "Tensor \(stage.input) is read before a layer writes it.")
            }
            let kind: String
            switch stage.operation {
            case .convolution(let convolution, let convolutionKind):
                tensors[stage.output] = try convolution.forward(source)
                kind = convolutionKind
            case .layer(let layer):
                if let add = layer as? ResidualAddLayer { add.shortcut = stage.shortcut.flatMap { tensors[$0] } }
                tensors[stage.output] = try layer.forward(source, training: false)
                kind = layer.kind
            }
            if isProfiling {
                try context.wait()
                profile[kind, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
        }
        try context.wait()
        if isProfiling { profiledPasses += 1 }
        output = tensors[tensorCount - 1]
    }

    /// Clears the per-kind times.
    public func resetProfile() {
        profile = [:]
        profiledPasses = 0
    }

    /// Gives read access to the last forward pass's outputs, (N, outputs) row-major.
    /// - Parameter body: Reads the outputs; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    /// - Throws: ``EngineError`` if no forward pass ran yet.
    public func withOutput<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result {
        guard let output else {
            throw EngineError(.invalidArgument, "Inference outputs read before any forward pass; call forward first.")
        }
        return try output.withFloats { try body(UnsafeBufferPointer(rebasing: $0.prefix(outputCount))) }
    }

    /// Runs a forward pass on `images` and returns the outputs.
    /// - Parameter images: (N, 3, R, R) row-major, ``inputCount`` floats.
    /// - Returns: (N, outputs) row-major.
    /// - Throws: ``EngineError`` for a wrong image count or a oneDNN failure.
    public func predict(images: [Float]) throws -> [Float] {
        guard images.count == inputCount else {
            throw EngineError(
                .invalidArgument,
                "Got \(images.count) input floats; a batch of \(batch) images at \(spec.resolution)x\(spec.resolution) "
                    + "needs \(inputCount).")
        }
        withInput { buffer in _ = buffer.update(fromContentsOf: images) }
        try forward()
        return try withOutput { Array($0) }
    }
}
