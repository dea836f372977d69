// Copyright 2026 The Distill authors.
// An evaluation-only MobileNet (V1, V2 or V3) with batch norm folded into the convolutions, built node by node
// from FoldedMobileNet.nodes (the graph the exporters write): per convolution one oneDNN primitive computing
// activation(conv(x, W·s) + β − mean·s) with s = γ / sqrt(running variance + ε) (an h-swish node right after a
// convolution is fused into it as well); V2's and V3's residual adds and squeeze-and-excitation run as the
// training network's layers do.
// Built from a trained MobileNet's parameters and running statistics (a snapshot: rebuild after more
// training). Images (N, 3, R, R) plain; outputs (N, outputs) row-major.
// A batch of at least as many images as threads runs as streams, one per thread: each a single-threaded pass
// over its own slice of the batch, all at once. A small student's activations then stay in each core's cache,
// where one pass over the whole batch with every thread spills them (α 0.25/128 on 2 cores: about 4,900
// images/s against 3,900).

import DistillEngine
import Foundation

/// A MobileNet for inference with batch norm folded into the convolutions.
public final class MobileNetInference {
    /// The architecture.
    public let spec: MobileNetSpec
    /// Images per forward pass.
    public let batch: Int
    /// Images each stream's pass takes at a time (the whole batch when one pass uses every thread).
    public let imagesPerPass: Int
    /// One pass per stream (or the one pass over the whole batch).
    private let passes: [InferencePass]
    /// The images each stream takes, consecutive slices of the batch.
    private let slices: [Range<Int>]
    /// The batch's images, (N, 3, R, R) plain: each pass loads its images from here into its input, in the layout
    /// its first convolution reads (NHWC on AVX-512, a copy that interleaves the channels instead of a oneDNN
    /// reorder on every pass).
    private let images: FloatBuffer
    /// The batch's outputs when streamed (each stream copies its outputs here); nil when one pass over the whole
    /// batch uses every thread.
    private let gathered: FloatBuffer?
    private var hasRun = false
    private var profiledForwards = 0

    /// Streams run at once, one per thread, each single-threaded; 0 when one pass over the whole batch uses every
    /// thread.
    public var streams: Int { gathered == nil ? 0 : passes.count }

    /// Seconds spent per layer kind since ``resetProfile()`` while ``isProfiling`` is on, averaged over the
    /// streams (each stage is waited for, so profiled passes are a little slower than plain ones).
    public var profile: [String: Double] {
        var merged: [String: Double] = [:]
        for pass in passes {
            for (kind, seconds) in pass.profile { merged[kind, default: 0] += seconds / Double(passes.count) }
        }
        return merged
    }
    /// Whether ``forward()`` times each stage.
    public var isProfiling = false {
        didSet { for pass in passes { pass.isProfiling = isProfiling } }
    }
    /// Forward passes (of the whole batch) profiled since ``resetProfile()``.
    public var profiledPasses: Int { profiledForwards }

    /// Folds a network's current parameters and running statistics into an inference network.
    ///
    /// A batch of at least as many images as OpenMP threads runs, by default, as one stream per thread: each
    /// thread takes a consecutive slice of the batch and runs it through its own single-threaded copy of the
    /// network, `imagesPerPass` images at a time, all threads at once. A smaller batch (batch 1, for latency) runs
    /// as one pass using every thread.
    /// - Parameters:
    ///   - network: The trained network (its spec, options, parameters and statistics are read).
    ///   - batch: Images per forward pass; the network's batch size if `nil`.
    ///   - streams: Streams (1 to `batch`); 0 for one pass over the whole batch using every thread; `nil` chooses
    ///     as above.
    ///   - imagesPerPass: Images a stream's network takes at a time (1 to the largest slice).
    /// - Throws: ``EngineError`` for a bad batch size, stream count or pass size, or a oneDNN failure.
    public init(folding network: MobileNet, batch: Int? = nil, streams: Int? = nil, imagesPerPass: Int = 1) throws {
        let batch = batch ?? network.batch
        guard batch >= 1 else {
            throw EngineError(.invalidArgument, "Batch size \(batch) is below 1; use a batch of at least 1 image.")
        }
        let threads = ComputeContext.threadCount
        let streams = streams ?? (batch >= threads ? threads : 0)
        guard streams >= 0, streams <= batch else {
            throw EngineError(
                .invalidArgument,
                "\(streams) streams for a batch of \(batch) images; use 1 to \(batch) streams, or 0 for one pass.")
        }
        let largestSlice = (batch + max(streams, 1) - 1) / max(streams, 1)
        guard streams == 0 || (imagesPerPass >= 1 && imagesPerPass <= largestSlice) else {
            throw EngineError(
                .invalidArgument,
                "\(imagesPerPass) images per pass for streams of up to \(largestSlice) images; use 1 to \(largestSlice)."
            )
        }
        spec = network.spec
        self.batch = batch
        self.imagesPerPass = streams > 0 ? imagesPerPass : batch
        let values = network.parameters.array
        let foldedNetwork = try FoldedMobileNet(
            spec: network.spec, options: network.options, parameters: values,
            statistics: network.statistics.array)
        images = FloatBuffer(count: batch * MobileNetSpec.inputChannels * spec.resolution * spec.resolution)
        if streams == 0 {
            passes = [
                try InferencePass(
                    folded: foldedNetwork, layout: network.layout, values: values, batch: batch,
                    context: network.context)
            ]
            slices = [0..<batch]
            gathered = nil
            return
        }
        // Each stream's primitives are created single-threaded, so oneDNN picks its one-thread kernels and blocking.
        try ComputeContext.setThreadCount(1)
        defer { try? ComputeContext.setThreadCount(threads) }
        var passes: [InferencePass] = []
        var slices: [Range<Int>] = []
        var first = 0
        for stream in 0..<streams {
            let count = batch / streams + (stream < batch % streams ? 1 : 0)
            passes.append(
                try InferencePass(
                    folded: foldedNetwork, layout: network.layout, values: values, batch: imagesPerPass,
                    context: try ComputeContext()))
            slices.append(first..<(first + count))
            first += count
        }
        self.passes = passes
        self.slices = slices
        gathered = FloatBuffer(count: batch * spec.outputs)
    }

    /// Floats in one input batch: N · 3 · R · R.
    public var inputCount: Int { batch * MobileNetSpec.inputChannels * spec.resolution * spec.resolution }
    /// Floats in one output batch: N · outputs.
    public var outputCount: Int { batch * spec.outputs }

    /// Gives write access to the input images, (N, 3, R, R) row-major.
    /// - Parameter body: Fills the images; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    public func withInput<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try images.withMutableFloats { try body($0) }
    }

    /// Runs the network on the images in the input buffer.
    /// - Throws: ``EngineError`` if oneDNN fails.
    public func forward() throws {
        defer { if isProfiling { profiledForwards += 1 } }
        guard let batchOutputs = gathered else {
            let pass = self.passes[0]
            try images.withMutableFloats { images in
                guard let base = images.baseAddress else { return }
                try pass.input.load(planar: base, images: batch)
            }
            try pass.forward()
            hasRun = true
            return
        }
        let batchImages = images
        // Each stream reads and writes only its own slice of the two buffers.
        nonisolated(unsafe) let images = batchImages
        nonisolated(unsafe) let gathered = batchOutputs
        let failure = Locked<(any Error)?>(nil)
        let passes = self.passes
        let slices = self.slices
        let imagesPerPass = self.imagesPerPass
        let imageFloats = MobileNetSpec.inputChannels * spec.resolution * spec.resolution
        let width = spec.outputs
        DispatchQueue.concurrentPerform(iterations: passes.count) { stream in
            // OpenMP's thread count is per calling thread: this stream runs single-threaded, as it was built.
            let own = ComputeContext.threadCount
            try? ComputeContext.setThreadCount(1)
            defer { try? ComputeContext.setThreadCount(own) }
            let pass = passes[stream]
            do {
                // A short last chunk runs with the previous chunk's images behind it; their outputs are not kept.
                for start in stride(from: slices[stream].lowerBound, to: slices[stream].upperBound, by: imagesPerPass) {
                    let count = min(imagesPerPass, slices[stream].upperBound - start)
                    try images.withMutableFloats(offset: start * imageFloats, count: count * imageFloats) { source in
                        guard let base = source.baseAddress else { return }
                        try pass.input.load(planar: base, images: count)
                    }
                    try pass.forward()
                    try pass.withOutput { outputs in
                        gathered.withMutableFloats(offset: start * width, count: count * width) { target in
                            _ = target.update(fromContentsOf: outputs.prefix(count * width))
                        }
                    }
                }
            } catch {
                failure.update { $0 = $0 ?? error }
            }
        }
        if let error = failure.value { throw error }
        hasRun = true
    }

    /// Clears the per-kind times.
    public func resetProfile() {
        for pass in passes { pass.resetProfile() }
        profiledForwards = 0
    }

    /// Gives read access to the last forward pass's outputs, (N, outputs) row-major.
    /// - Parameter body: Reads the outputs; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    /// - Throws: ``EngineError`` if no forward pass ran yet.
    public func withOutput<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result {
        guard hasRun else {
            throw EngineError(.invalidArgument, "Inference outputs read before any forward pass; call forward first.")
        }
        if let gathered { return try gathered.withMutableFloats { try body(UnsafeBufferPointer($0)) } }
        return try passes[0].withOutput(body)
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

/// One forward pass of the folded network over a batch, on one oneDNN engine and stream.
///
/// Unchecked `Sendable`: ``MobileNetInference/forward()`` hands each pass to exactly one thread at a time.
private final class InferencePass: @unchecked Sendable {
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

    let input: Memory
    private let batch: Int
    private let outputs: Int
    private let context: ComputeContext
    private let stages: [Stage]
    private let tensorCount: Int
    /// Each tensor's memory during a pass (the layers own them; kept to avoid an allocation per pass).
    private var tensors: [Memory?]
    /// The pass's own copy of the parameters (squeeze-and-excitation and the classifier read them).
    private let parameters: FloatBuffer
    private var output: Memory?
    private(set) var profile: [String: Double] = [:]
    var isProfiling = false
    private(set) var profiledPasses = 0

    init(
        folded foldedNetwork: FoldedMobileNet, layout: MobileNetParameterLayout, values: [Float], batch: Int,
        context: ComputeContext
    ) throws {
        let spec = foldedNetwork.spec
        let imageDimensions = [batch, MobileNetSpec.inputChannels, spec.resolution, spec.resolution]
        self.batch = batch
        self.context = context
        outputs = spec.outputs
        parameters = FloatBuffer(values)
        let unusedGradients = FloatBuffer(count: values.count)
        let nodes = foldedNetwork.nodes
        let shapes = foldedNetwork.tensorShapes
        let denseNames = spec.layers.filter { $0.kind == .fullyConnected }.map(\.name)
        var descriptors = [MemoryDescriptor?](repeating: nil, count: foldedNetwork.tensorCount)
        descriptors[0] = try MemoryDescriptor.plain(imageDimensions)
        let readersOfImages = nodes.filter { $0.inputs.contains(0) }.count
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
                func build() throws -> InferenceConvolutionLayer {
                    try InferenceConvolutionLayer(
                        configuration: configuration, batch: batch, height: layer.inputHeight,
                        width: layer.inputWidth, inputDescriptor: try descriptor(source), weights: folding.weights,
                        bias: folding.bias, activation: activation, context: context)
                }
                var convolution = try build()
                // The images' only reader wants them NHWC: they are loaded so (`Memory.load(planar:images:)`).
                let preferred = convolution.preferredInputDescriptor
                if source == 0, readersOfImages == 1,
                    preferred.sameLayout(as: try MemoryDescriptor.channelsLast(imageDimensions))
                {
                    descriptors[0] = preferred
                    convolution = try build()
                }
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
        input = try Memory(try descriptor(0), context: context)
        tensorCount = foldedNetwork.tensorCount
        tensors = Array(repeating: nil, count: foldedNetwork.tensorCount)
    }

    func forward() throws {
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

    func resetProfile() {
        profile = [:]
        profiledPasses = 0
    }

    func withOutput<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result {
        guard let output else {
            throw EngineError(.invalidArgument, "Inference outputs read before any forward pass; call forward first.")
        }
        return try output.withFloats { try body(UnsafeBufferPointer(rebasing: $0.prefix(batch * outputs))) }
    }
}
