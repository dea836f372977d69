// Copyright 2026 The Distill authors.
// An evaluation-only MobileNet (V1, V2 or V3) with batch norm folded into the convolutions: per layer one
// oneDNN primitive computing activation(conv(x, W·s) + β − mean·s) with s = γ / sqrt(running variance + ε);
// V2's and V3's residual adds and squeeze-and-excitation run as the training network's layers do.
// Built from a trained MobileNet's parameters and running statistics (a snapshot: rebuild after more
// training). Images (N, 3, R, R) plain; outputs (N, outputs) row-major.

import DistillEngine
import Foundation

/// A MobileNet for inference with batch norm folded into the convolutions.
public final class MobileNetInference {
    private enum Stage {
        /// A folded convolution and its kind for profiles ("convolution", "depthwise", "pointwise").
        case convolution(InferenceConvolutionLayer, kind: String)
        case layer(any EngineLayer)
    }

    /// The architecture.
    public let spec: MobileNetSpec
    /// Images per forward pass.
    public let batch: Int
    private let context: ComputeContext
    private let input: Memory
    private let stages: [Stage]
    /// The residual add of each inverted residual block, keyed by the stage index of the block's first layer.
    private let residualStarts: [Int: ResidualAddLayer]
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
        let foldedByName = Dictionary(
            foldedNetwork.convolutions.map { ($0.layer.name, $0) }, uniquingKeysWith: { first, _ in first })
        input = try Memory(
            MemoryDescriptor.activation(
                [batch, MobileNetSpec.inputChannels, spec.resolution, spec.resolution], blocked: false),
            context: context)
        var stages: [Stage] = []
        var residualStarts: [Int: ResidualAddLayer] = [:]
        var blockStart: (index: Int, descriptor: MemoryDescriptor)?
        var descriptor: MemoryDescriptor = input.descriptor
        for layer in spec.layers {
            if layer.startsBlock { blockStart = (stages.count, descriptor) }
            let activation = layer.activation(network: network.options.activation)
            switch layer.kind {
            case .convolution, .depthwise, .pointwise:
                guard let folding = foldedByName[layer.name] else {
                    throw EngineError(.invalidArgument, "No weights laid out for layer \(layer.name).")
                }
                let (folded, bias) = (folding.weights, folding.bias)
                let configuration = try ConvolutionConfiguration(
                    inputChannels: layer.inputChannels, outputChannels: layer.outputChannels, kernel: layer.kernel,
                    stride: layer.stride, padding: layer.kernel / 2,
                    groups: layer.kind == .depthwise ? layer.inputChannels : 1)
                let convolution = try InferenceConvolutionLayer(
                    configuration: configuration, batch: batch, height: layer.inputHeight, width: layer.inputWidth,
                    inputDescriptor: descriptor, weights: folded, bias: bias, activation: activation,
                    context: context)
                stages.append(.convolution(convolution, kind: "\(layer.kind)"))
                descriptor = convolution.outputDescriptor
                if layer.addsResidual, let start = blockStart {
                    let add = try ResidualAddLayer(
                        dimensions: [batch, layer.outputChannels, layer.outputHeight, layer.outputWidth],
                        inputDescriptor: descriptor, shortcutDescriptor: start.descriptor, context: context)
                    residualStarts[start.index] = add
                    stages.append(.layer(add))
                    blockStart = nil
                }
            case .squeezeExcite:
                let offsets = try layout.squeezeExcitationOffsets(layer: layer.name)
                let excitation = try SqueezeExcitationLayer(
                    dimensions: [batch, layer.inputChannels, layer.inputHeight, layer.inputWidth],
                    squeeze: layer.squeezeChannels, inputDescriptor: descriptor, values: parameters,
                    gradients: unusedGradients, offsets: offsets,
                    context: context)
                stages.append(.layer(excitation))
                descriptor = excitation.outputDescriptor
            case .averagePool:
                let pool = try GlobalAveragePoolLayer(
                    dimensions: [batch, layer.inputChannels, layer.inputHeight, layer.inputWidth],
                    inputDescriptor: descriptor, context: context)
                stages.append(.layer(pool))
                descriptor = pool.outputDescriptor
            case .fullyConnected:
                guard let weights = layout.parameter(layer: layer.name, role: .weights),
                    let bias = layout.parameter(layer: layer.name, role: .bias)
                else { throw EngineError(.invalidArgument, "No weights laid out for layer \(layer.name).") }
                let fullyConnected = try FullyConnectedLayer(
                    inputDimensions: descriptor.dimensions.count == 2
                        ? [batch, layer.inputChannels] : [batch, layer.inputChannels, 1, 1],
                    outputs: layer.outputChannels, inputDescriptor: descriptor,
                    parameters: ParameterBinding(
                        values: parameters, gradients: unusedGradients, offset: weights.offset),
                    biasOffset: bias.offset, context: context)
                stages.append(.layer(fullyConnected))
                descriptor = fullyConnected.outputDescriptor
                if let activation {
                    let activationLayer = try ActivationLayer(
                        activation: activation, dimensions: [batch, layer.outputChannels], inputDescriptor: descriptor,
                        inPlace: true, context: context)
                    stages.append(.layer(activationLayer))
                    descriptor = activationLayer.outputDescriptor
                }
            }
        }
        self.residualStarts = residualStarts
        self.stages = stages
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
        var current = input
        var shortcut: Memory?
        for (index, stage) in stages.enumerated() {
            let start = isProfiling ? DispatchTime.now().uptimeNanoseconds : 0
            if residualStarts[index] != nil { shortcut = current }
            let kind: String
            switch stage {
            case .convolution(let convolution, let convolutionKind):
                current = try convolution.forward(current)
                kind = convolutionKind
            case .layer(let layer):
                if let add = layer as? ResidualAddLayer { add.shortcut = shortcut }
                current = try layer.forward(current, training: false)
                kind = layer.kind
            }
            if isProfiling {
                try context.wait()
                profile[kind, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
        }
        try context.wait()
        if isProfiling { profiledPasses += 1 }
        output = current
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
