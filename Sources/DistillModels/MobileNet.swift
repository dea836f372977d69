// Copyright 2026 The Distill authors.
// A MobileNet (V1, V2 or V3) on oneDNN, built from a MobileNetSpec for one batch size. Input images are plain
// (N, 3, R, R) float32; outputs (N, outputs) row-major. Between layers activations stay in oneDNN's
// blocked layout. Parameters, gradients and batch-norm statistics are three contiguous buffers laid
// out by MobileNetParameterLayout; every primitive and memory is created here, once.

import DistillEngine
import Foundation

/// A MobileNet network (V1, V2 or V3) on oneDNN with explicit forward and backward passes.
public final class MobileNet {
    /// The architecture.
    public let spec: MobileNetSpec
    /// The batch size N every call uses.
    public let batch: Int
    /// Build options (activation, batch-norm settings).
    public let options: MobileNetOptions
    /// Where each tensor lives in ``parameters``, ``gradients`` and ``statistics``.
    public let layout: MobileNetParameterLayout
    /// All parameters (``MobileNetParameterLayout/parameterCount`` floats).
    public let parameters: FloatBuffer
    /// dLoss/dParameters, same layout; ``backward()`` adds into it.
    public let gradients: FloatBuffer
    /// Batch-norm running means and variances.
    public let statistics: FloatBuffer
    /// The engine every primitive runs on.
    public let context: ComputeContext
    /// The layers in order (convolution, batch norm, …, pool, fc).
    public let layers: [any EngineLayer]
    private let input: Memory
    /// The residual add of each inverted residual block, keyed by the index in ``layers`` of the block's first
    /// layer (whose input is the shortcut).
    private let residualStarts: [Int: ResidualAddLayer]
    private let gradientBuffers: [FloatBuffer]
    private let outputGradient: Memory
    private var output: Memory?
    /// Seconds spent per layer kind since ``resetProfile()`` while ``isProfiling`` is on.
    public private(set) var profile: [String: Double] = [:]
    /// Whether forward and backward record per-kind times (adds a clock read per layer).
    public var isProfiling = false

    /// Builds every primitive for `batch` images.
    /// - Parameters:
    ///   - spec: The architecture.
    ///   - batch: N, at least 1 (2 for training: batch norm needs two values per channel).
    ///   - options: Activation and batch-norm settings.
    ///   - context: The engine; a new one if `nil`.
    /// - Throws: ``EngineError`` for a bad batch size or a oneDNN failure.
    public init(
        spec: MobileNetSpec, batch: Int, options: MobileNetOptions = MobileNetOptions(), context: ComputeContext? = nil
    ) throws {
        guard batch >= 1 else {
            throw EngineError(.invalidArgument, "Batch size \(batch) is below 1; use a batch of at least 1 image.")
        }
        let needed = Self.estimatedBytes(spec: spec, batch: batch)
        let available = ProcessInfo.processInfo.physicalMemory
        guard needed < available else {
            throw EngineError(
                .invalidArgument,
                "A batch of \(batch) at α\(spec.alpha)/\(spec.resolution) needs about \(needed >> 20) MiB for "
                    + "activations and gradients but this machine has \(available >> 20) MiB; use a smaller batch.")
        }
        let context = try context ?? ComputeContext()
        self.spec = spec
        self.batch = batch
        self.options = options
        self.context = context
        let layout = MobileNetParameterLayout(spec: spec)
        self.layout = layout
        parameters = FloatBuffer(count: layout.parameterCount)
        gradients = FloatBuffer(count: layout.parameterCount)
        statistics = FloatBuffer(count: layout.statisticsCount)
        for entry in layout.statistics {
            for c in 0..<entry.channels { statistics[entry.offset + entry.channels + c] = 1 }
        }
        input = try Memory(
            MemoryDescriptor.activation(
                [batch, MobileNetSpec.inputChannels, spec.resolution, spec.resolution], blocked: false),
            context: context)

        // Backward runs in two shared ping-pong buffers: batch norm and activations write dLoss/dInput
        // in place, every other layer into the buffer it did not read from.
        let largest =
            spec.layers.map { layer in
                let roundUp = { (channels: Int) in (channels + 15) / 16 * 16 }
                return max(
                    roundUp(layer.inputChannels) * layer.inputHeight * layer.inputWidth,
                    roundUp(layer.outputChannels) * layer.outputHeight * layer.outputWidth)
            }.max() ?? 0
        let gradientBuffers = [FloatBuffer(count: batch * largest), FloatBuffer(count: batch * largest)]
        self.gradientBuffers = gradientBuffers
        // Whether each layer that takes gradient storage writes dLoss/dInput where dLoss/dOutput arrived, in the
        // order the loop below creates them (residual adds hand the gradient through and take none).
        var inPlace: [Bool] = []
        for layer in spec.layers {
            switch layer.kind {
            case .convolution, .depthwise, .pointwise:
                inPlace.append(false)
                // Batch norm, with the layer's activation (if any) in its own passes.
                if layer.hasBatchNorm { inPlace.append(true) }
            case .squeezeExcite:
                inPlace.append(true)
            case .averagePool:
                inPlace.append(false)
            case .fullyConnected:
                inPlace.append(false)
                if layer.activation(network: options.activation) != nil { inPlace.append(true) }
            }
        }
        var storageIndex = [Int](repeating: 0, count: inPlace.count)
        var received = -1
        for position in inPlace.indices.reversed() {
            let target = inPlace[position] ? max(received, 0) : (received == 0 ? 1 : 0)
            storageIndex[position] = target
            received = target
        }
        var storage = storageIndex.map { gradientBuffers[$0] }.makeIterator()
        func nextStorage() throws -> FloatBuffer {
            guard let buffer = storage.next() else {
                throw EngineError(.invalidArgument, "MobileNet gradient buffers do not match the layer list.")
            }
            return buffer
        }

        var layers: [any EngineLayer] = []
        var residualStarts: [Int: ResidualAddLayer] = [:]
        var blockStart: (index: Int, descriptor: MemoryDescriptor)?
        var descriptor: MemoryDescriptor = input.descriptor
        for (index, layer) in spec.layers.enumerated() {
            let dimensions = [batch, layer.inputChannels, layer.inputHeight, layer.inputWidth]
            let outputDimensions = [batch, layer.outputChannels, layer.outputHeight, layer.outputWidth]
            let activation = layer.activation(network: options.activation)
            if layer.startsBlock { blockStart = (layers.count, descriptor) }
            switch layer.kind {
            case .convolution, .depthwise, .pointwise:
                guard
                    let weights = layout.parameter(
                        layer: layer.name, role: layer.kind == .depthwise ? .depthwiseWeights : .weights)
                else { throw EngineError(.invalidArgument, "No weights laid out for layer \(layer.name).") }
                let configuration = try ConvolutionConfiguration(
                    inputChannels: layer.inputChannels, outputChannels: layer.outputChannels, kernel: layer.kernel,
                    stride: layer.stride, padding: layer.kernel / 2,
                    groups: layer.kind == .depthwise ? layer.inputChannels : 1)
                let convolution = try ConvolutionLayer(
                    configuration: configuration, batch: batch, height: layer.inputHeight, width: layer.inputWidth,
                    inputDescriptor: descriptor,
                    parameters: ParameterBinding(values: parameters, gradients: gradients, offset: weights.offset),
                    computeInputGradient: index > 0, inputGradientStorage: nextStorage(), context: context,
                    kind: layer.kind.rawValue, narrowBlocking: true)
                layers.append(convolution)
                descriptor = convolution.outputDescriptor
                if layer.hasBatchNorm {
                    guard let scale = layout.parameter(layer: layer.name, role: .scale),
                        let entry = layout.statistics(layer: layer.name)
                    else { throw EngineError(.invalidArgument, "No batch norm laid out for layer \(layer.name).") }
                    let normalization = try BatchNormLayer(
                        dimensions: outputDimensions, inputDescriptor: descriptor, epsilon: options.batchNormEpsilon,
                        momentum: options.batchNormMomentum, activation: activation,
                        parameters: ParameterBinding(values: parameters, gradients: gradients, offset: scale.offset),
                        statistics: statistics, statisticsOffset: entry.offset, inputGradientStorage: nextStorage(),
                        context: context)
                    layers.append(normalization)
                    descriptor = normalization.outputDescriptor
                }
                if layer.addsResidual {
                    guard let start = blockStart else {
                        throw EngineError(
                            .invalidArgument, "Layer \(layer.name) adds a residual but no block starts before it.")
                    }
                    let add = try ResidualAddLayer(
                        dimensions: outputDimensions, inputDescriptor: descriptor, shortcutDescriptor: start.descriptor,
                        context: context)
                    residualStarts[start.index] = add
                    layers.append(add)
                    blockStart = nil
                }
            case .squeezeExcite:
                let offsets = try layout.squeezeExcitationOffsets(layer: layer.name)
                let excitation = try SqueezeExcitationLayer(
                    dimensions: dimensions, squeeze: layer.squeezeChannels, inputDescriptor: descriptor,
                    values: parameters, gradients: gradients, offsets: offsets,
                    inputGradientStorage: nextStorage(), context: context)
                layers.append(excitation)
                descriptor = excitation.outputDescriptor
            case .averagePool:
                let pool = try GlobalAveragePoolLayer(
                    dimensions: dimensions, inputDescriptor: descriptor, inputGradientStorage: nextStorage(),
                    context: context)
                layers.append(pool)
                descriptor = pool.outputDescriptor
            case .fullyConnected:
                guard let weights = layout.parameter(layer: layer.name, role: .weights),
                    let bias = layout.parameter(layer: layer.name, role: .bias)
                else { throw EngineError(.invalidArgument, "No weights laid out for layer \(layer.name).") }
                let fullyConnected = try FullyConnectedLayer(
                    inputDimensions: descriptor.dimensions.count == 2
                        ? [batch, layer.inputChannels] : [batch, layer.inputChannels, 1, 1],
                    outputs: layer.outputChannels, inputDescriptor: descriptor,
                    parameters: ParameterBinding(values: parameters, gradients: gradients, offset: weights.offset),
                    biasOffset: bias.offset, inputGradientStorage: nextStorage(), context: context)
                layers.append(fullyConnected)
                descriptor = fullyConnected.outputDescriptor
                if let activation {
                    let activationLayer = try ActivationLayer(
                        activation: activation, dimensions: [batch, layer.outputChannels], inputDescriptor: descriptor,
                        inputGradientStorage: nextStorage(), inPlace: true, context: context)
                    layers.append(activationLayer)
                    descriptor = activationLayer.outputDescriptor
                }
            }
        }
        self.residualStarts = residualStarts
        self.layers = layers
        outputGradient = try Memory(MemoryDescriptor.plain([batch, spec.outputs]), context: context)
    }

    /// An upper estimate of the memory a network of this spec and batch size allocates: per layer its
    /// output and batch-norm output (channels padded to 16), two gradient buffers, and parameters.
    /// - Parameters:
    ///   - spec: The network.
    ///   - batch: N.
    /// - Returns: Bytes.
    public static func estimatedBytes(spec: MobileNetSpec, batch: Int) -> UInt64 {
        let padded = spec.layers.map { layer in
            UInt64((layer.outputChannels + 15) / 16 * 16 * layer.outputHeight * layer.outputWidth)
        }
        let perImage = 2 * padded.reduce(0, +) + 2 * (padded.max() ?? 0)
        let parameters = UInt64(MobileNetParameterLayout(spec: spec).parameterCount) * 4
        return (UInt64(max(batch, 0)) * perImage + parameters) * 4
    }

    /// Fills parameters and statistics from a seed (He-normal convolutions, Glorot-uniform fc, γ = 1, β = 0).
    /// - Parameter seed: The seed; equal seeds give equal networks.
    public func initialize(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        parameters.withMutableFloats { values in
            statistics.withMutableFloats { statistics in
                layout.initialize(parameters: values, statistics: statistics, generator: &generator)
            }
        }
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
    /// - Parameter training: Batch statistics and caches for ``backward()`` (true) or running statistics.
    /// - Throws: ``EngineError`` if oneDNN fails.
    public func forward(training: Bool) throws {
        var current = input
        var shortcut: Memory?
        for (index, layer) in layers.enumerated() {
            let start = isProfiling ? DispatchTime.now().uptimeNanoseconds : 0
            if residualStarts[index] != nil { shortcut = current }
            if let add = layer as? ResidualAddLayer { add.shortcut = shortcut }
            current = try layer.forward(current, training: training)
            if isProfiling {
                try context.wait()
                record(layer.kind, since: start)
            }
        }
        try context.wait()
        output = current
    }

    /// Gives read access to the last forward pass's outputs, (N, outputs) row-major.
    /// - Parameter body: Reads the outputs; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    /// - Throws: ``EngineError`` if no forward pass ran yet.
    public func withOutput<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result {
        guard let output else {
            throw EngineError(.invalidArgument, "MobileNet outputs read before any forward pass; call forward first.")
        }
        return try output.withFloats { try body(UnsafeBufferPointer(rebasing: $0.prefix(outputCount))) }
    }

    /// Gives write access to dLoss/dOutputs, (N, outputs) row-major, which ``backward()`` reads.
    /// - Parameter body: Fills the gradient; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    public func withOutputGradient<Result>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try outputGradient.withFloats { try body(UnsafeMutableBufferPointer(rebasing: $0.prefix(outputCount))) }
    }

    /// Back-propagates the output gradient through a training-mode forward pass, adding every parameter
    /// gradient into ``gradients`` (call ``zeroGradients()`` first for a fresh step).
    /// - Throws: ``EngineError`` if no training forward preceded it or oneDNN fails.
    public func backward() throws {
        var current: Memory? = outputGradient
        for (index, layer) in layers.enumerated().reversed() {
            guard let gradient = current else { break }
            let start = isProfiling ? DispatchTime.now().uptimeNanoseconds : 0
            current = try layer.backward(gradient)
            if let add = residualStarts[index], let current { try add.addShortcutGradient(into: current) }
            if isProfiling {
                try context.wait()
                record(layer.kind, since: start)
            }
        }
        try context.wait()
    }

    /// Sets every gradient to zero.
    public func zeroGradients() { gradients.zero() }

    /// Clears the per-kind times.
    public func resetProfile() { profile = [:] }

    private func record(_ kind: String, since start: UInt64) {
        profile[kind, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Runs a forward pass on `images` and returns the outputs (a convenience for tests and tools).
    /// - Parameters:
    ///   - images: (N, 3, R, R) row-major, ``inputCount`` floats.
    ///   - training: Training or evaluation mode.
    /// - Returns: (N, outputs) row-major.
    /// - Throws: ``EngineError`` for a wrong image count or a oneDNN failure.
    public func predict(images: [Float], training: Bool = false) throws -> [Float] {
        guard images.count == inputCount else {
            throw EngineError(
                .invalidArgument,
                "Got \(images.count) input floats; a batch of \(batch) images at \(spec.resolution)x\(spec.resolution) "
                    + "needs \(inputCount).")
        }
        withInput { buffer in _ = buffer.update(fromContentsOf: images) }
        try forward(training: training)
        return try withOutput { Array($0) }
    }
}
