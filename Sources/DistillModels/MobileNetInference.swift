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
    /// Per stream, the dense layers run once over the stream's whole slice when its pass (then the network up to
    /// the pool) takes fewer images at a time; empty when each pass runs the whole network.
    private let heads: [InferencePass]
    /// Floats from one image's pooled features to the next in a body pass's output (C, or C rounded up to the
    /// channel block); 0 without heads.
    private let featureStride: Int
    /// The images each stream takes, consecutive slices of the batch.
    private let slices: [Range<Int>]
    /// The batch's images, (N, 3, R, R) plain: each pass loads its images from here into its input, in the layout
    /// its first convolution reads (NHWC on AVX-512, a copy that interleaves the channels instead of a oneDNN
    /// reorder on every pass). Empty when ``imagesInPassInput``.
    private let images: FloatBuffer
    /// Whether callers write the images straight into the one pass's input: one pass whose first convolution
    /// reads them NCHW, as given.
    private let imagesInPassInput: Bool
    /// The batch's outputs when streamed (each stream copies its outputs here); nil when one pass over the whole
    /// batch uses every thread.
    private let gathered: FloatBuffer?
    private var hasRun = false
    private var profiledForwards = 0

    /// Streams run at once, one per thread, each single-threaded; 0 when one pass over the whole batch uses every
    /// thread.
    public var streams: Int { gathered == nil ? 0 : passes.count }
    /// Whether each stream runs the dense layers after the pool once over its whole slice (its passes take fewer
    /// images at a time than the slice has) rather than once per pass.
    public var runsDenseLayersPerSlice: Bool { !heads.isEmpty }

    /// Seconds spent per layer kind since ``resetProfile()`` while ``isProfiling`` is on, averaged over the
    /// streams (each stage is waited for, so profiled passes are a little slower than plain ones).
    public var profile: [String: Double] {
        var merged: [String: Double] = [:]
        for pass in passes + heads {
            for (kind, seconds) in pass.profile { merged[kind, default: 0] += seconds / Double(passes.count) }
        }
        return merged
    }
    /// Whether ``forward()`` times each stage.
    public var isProfiling = false {
        didSet { for pass in passes + heads { pass.isProfiling = isProfiling } }
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
        let imageFloats = batch * MobileNetSpec.inputChannels * spec.resolution * spec.resolution
        if streams == 0 {
            let pass = try InferencePass(
                folded: foldedNetwork, layout: network.layout, values: values, batch: batch,
                context: network.context)
            passes = [pass]
            imagesInPassInput = pass.input.descriptor.sameLayout(
                as: try MemoryDescriptor.plain(pass.input.descriptor.dimensions))
            images = FloatBuffer(count: imagesInPassInput ? 0 : imageFloats)
            heads = []
            featureStride = 0
            slices = [0..<batch]
            gathered = nil
            return
        }
        // Each stream's primitives are created single-threaded, so oneDNN picks its one-thread kernels and blocking.
        try ComputeContext.setThreadCount(1)
        defer { try? ComputeContext.setThreadCount(threads) }
        // A stream that takes its slice a few images at a time runs the dense layers after the pool once over its
        // whole slice (a head pass): the classifier's weights (1 MB for 1,000 classes over 256 features) are then
        // read once per slice, not once per image.
        let nodes = foldedNetwork.nodes
        let pool = nodes.lastIndex { if case .pool = $0 { true } else { false } }
        let headNodes = pool.map { ($0 + 1)..<nodes.count }.flatMap { range in
            imagesPerPass < largestSlice && !range.isEmpty && nodes[range].allSatisfy(\.isDenseOrActivation)
                ? range : nil
        }
        var passes: [InferencePass] = []
        var heads: [InferencePass] = []
        var stride: Int?
        for _ in 0..<streams {
            let context = try ComputeContext()
            if let headNodes {
                let body = try InferencePass(
                    folded: foldedNetwork, layout: network.layout, values: values, batch: imagesPerPass,
                    context: context, nodes: 0..<headNodes.lowerBound)
                stride = try stride ?? featureRowStride(body.outputDescriptor, context: context)
                if stride != nil {
                    passes.append(body)
                    heads.append(
                        try InferencePass(
                            folded: foldedNetwork, layout: network.layout, values: values, batch: largestSlice,
                            context: context, nodes: headNodes))
                    continue
                }
            }
            passes.append(
                try InferencePass(
                    folded: foldedNetwork, layout: network.layout, values: values, batch: imagesPerPass,
                    context: context))
        }
        featureStride = stride ?? 0
        var slices: [Range<Int>] = []
        var first = 0
        for stream in 0..<streams {
            let count = batch / streams + (stream < batch % streams ? 1 : 0)
            slices.append(first..<(first + count))
            first += count
        }
        self.passes = passes
        self.heads = heads
        images = FloatBuffer(count: imageFloats)
        imagesInPassInput = false
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
        if imagesInPassInput { return try passes[0].input.withFloats { try body($0) } }
        return try images.withMutableFloats { try body($0) }
    }

    /// Runs the network on the images in the input buffer.
    /// - Throws: ``EngineError`` if oneDNN fails.
    public func forward() throws {
        defer { if isProfiling { profiledForwards += 1 } }
        guard let batchOutputs = gathered else {
            let pass = self.passes[0]
            if !imagesInPassInput {
                try images.withMutableFloats { images in
                    guard let base = images.baseAddress else { return }
                    try pass.input.load(planar: base, images: batch)
                }
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
        let heads = self.heads
        let slices = self.slices
        let imagesPerPass = self.imagesPerPass
        let featureStride = self.featureStride
        let imageFloats = MobileNetSpec.inputChannels * spec.resolution * spec.resolution
        let width = spec.outputs
        DispatchQueue.concurrentPerform(iterations: passes.count) { stream in
            // OpenMP's thread count is per calling thread: this stream runs single-threaded, as it was built.
            let own = ComputeContext.threadCount
            try? ComputeContext.setThreadCount(1)
            defer { try? ComputeContext.setThreadCount(own) }
            let pass = passes[stream]
            let head = heads.isEmpty ? nil : heads[stream]
            let slice = slices[stream]
            do {
                // A short last chunk runs with the previous chunk's images behind it; their outputs are not kept.
                for start in stride(from: slice.lowerBound, to: slice.upperBound, by: imagesPerPass) {
                    let count = min(imagesPerPass, slice.upperBound - start)
                    try images.withMutableFloats(offset: start * imageFloats, count: count * imageFloats) { source in
                        guard let base = source.baseAddress else { return }
                        try pass.input.load(planar: base, images: count)
                    }
                    try pass.forward()
                    if let head {
                        // Each image's pooled features go to its row of the head's input, (slice, C) plain.
                        let features = pass.outputWidth
                        try pass.withOutputMemory { output in
                            output.withFloats { source in
                                head.input.withFloats { target in
                                    for image in 0..<count {
                                        let row = (start - slice.lowerBound + image) * features
                                        _ = UnsafeMutableBufferPointer(rebasing: target[row..<(row + features)]).update(
                                            fromContentsOf: source[
                                                (image * featureStride)..<(image * featureStride + features)])
                                    }
                                }
                            }
                        }
                    } else {
                        try pass.withOutput { outputs in
                            gathered.withMutableFloats(offset: start * width, count: count * width) { target in
                                _ = target.update(fromContentsOf: outputs.prefix(count * width))
                            }
                        }
                    }
                }
                // The head runs over the largest slice's rows; a shorter slice's last rows are not kept.
                if let head {
                    try head.forward()
                    try head.withOutput { outputs in
                        gathered.withMutableFloats(offset: slice.lowerBound * width, count: slice.count * width) {
                            _ = $0.update(fromContentsOf: outputs.prefix(slice.count * width))
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
        for pass in passes + heads { pass.resetProfile() }
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
            case dense(InferenceDenseLayer)
            case layer(any EngineLayer)
        }

        var operation: Operation
        var input: Int
        var shortcut: Int?
        var output: Int
    }

    /// The tensor the first node reads: the images (N, 3, R, R) for a whole network, in the layout its first
    /// convolution reads; for a head, the pooled features (N, C, 1, 1) plain.
    let input: Memory
    private let batch: Int
    /// The layout of the last node's output.
    let outputDescriptor: MemoryDescriptor
    /// Floats per image of the last node's output: the network's outputs, or a body's pooled features.
    let outputWidth: Int
    private let context: ComputeContext
    private let stages: [Stage]
    private let inputTensor: Int
    private let outputTensor: Int
    private let tensorCount: Int
    /// Each tensor's memory during a pass (the layers own them; kept to avoid an allocation per pass).
    private var tensors: [Memory?]
    /// The pass's own copy of the parameters, which its squeeze-and-excitation layers read (empty without any).
    private let parameters: FloatBuffer
    private var output: Memory?
    private(set) var profile: [String: Double] = [:]
    var isProfiling = false
    private(set) var profiledPasses = 0

    /// Builds the pass over `nodes` of the folded network's nodes (all of them by default): a body (the nodes up
    /// to the pool) or a head (the dense layers after it) when a stream runs them at different batch sizes.
    init(
        folded foldedNetwork: FoldedMobileNet, layout: MobileNetParameterLayout, values: [Float], batch: Int,
        context: ComputeContext, nodes range: Range<Int>? = nil
    ) throws {
        let spec = foldedNetwork.spec
        let allNodes = foldedNetwork.nodes
        let range = range ?? allNodes.indices
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= allNodes.count else {
            throw EngineError(.invalidArgument, "Nodes \(range) of a network of \(allNodes.count) nodes.")
        }
        let nodes = allNodes[range]
        let imageDimensions = [batch, MobileNetSpec.inputChannels, spec.resolution, spec.resolution]
        self.batch = batch
        self.context = context
        // Only squeeze-and-excitation layers read the parameters here (the convolutions and dense layers keep
        // converted copies of their own).
        let readsParameters = nodes.contains { if case .squeezeExcitation = $0 { true } else { false } }
        parameters = FloatBuffer(readsParameters ? values : [])
        let unusedGradients = FloatBuffer(count: readsParameters ? values.count : 0)
        let shapes = foldedNetwork.tensorShapes
        inputTensor = range.lowerBound == 0 ? 0 : allNodes[range.lowerBound].inputs[0]
        outputTensor = allNodes[range.upperBound - 1].output
        var descriptors = [MemoryDescriptor?](repeating: nil, count: foldedNetwork.tensorCount)
        if inputTensor == 0 {
            descriptors[0] = try MemoryDescriptor.plain(imageDimensions)
        } else {
            let shape = shapes[inputTensor]
            descriptors[inputTensor] = try MemoryDescriptor.plain([batch, shape.channels, shape.height, shape.width])
        }
        let readersOfImages = allNodes.filter { $0.inputs.contains(0) }.count
        func descriptor(_ tensor: Int) throws -> MemoryDescriptor {
            guard let descriptor = descriptors[tensor] else {
                throw EngineError(.invalidArgument, "Tensor \(tensor) is read before a layer writes it.")
            }
            return descriptor
        }
        var stages: [Stage] = []
        var fusedActivation: Int?
        for (position, node) in zip(nodes.indices, nodes) {
            if position == fusedActivation { continue }
            switch node {
            case .convolution(let index, let source, var output, let fused):
                let folding = foldedNetwork.convolutions[index]
                let layer = folding.layer
                var activation = fused
                // h-swish right after the convolution (V3) runs as the convolution's post-op.
                if activation == nil, position + 1 < nodes.endIndex,
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
                let given = try descriptor(source)
                let layer = try InferenceDenseLayer(
                    inputDimensions: given.dimensions.count == 2
                        ? [batch, dense.inputs] : [batch, dense.inputs, 1, 1],
                    weights: dense.weights, bias: dense.bias, inputDescriptor: given, context: context)
                stages.append(Stage(operation: .dense(layer), input: source, output: output))
                descriptors[output] = layer.outputDescriptor
            }
        }
        self.stages = stages
        input = try Memory(try descriptor(inputTensor), context: context)
        outputDescriptor = try descriptor(outputTensor)
        outputWidth = outputDescriptor.dimensions.dropFirst().reduce(1, *)
        tensorCount = foldedNetwork.tensorCount
        tensors = Array(repeating: nil, count: foldedNetwork.tensorCount)
    }

    func forward() throws {
        tensors[inputTensor] = input
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
            case .dense(let dense):
                tensors[stage.output] = try dense.forward(source)
                kind = "fc"
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
        output = tensors[outputTensor]
    }

    func resetProfile() {
        profile = [:]
        profiledPasses = 0
    }

    /// Gives the last node's output memory, in its own layout.
    func withOutputMemory<Result>(_ body: (Memory) throws -> Result) throws -> Result {
        guard let output else {
            throw EngineError(.invalidArgument, "Inference outputs read before any forward pass; call forward first.")
        }
        return try body(output)
    }

    func withOutput<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result {
        guard let output else {
            throw EngineError(.invalidArgument, "Inference outputs read before any forward pass; call forward first.")
        }
        return try output.withFloats { try body(UnsafeBufferPointer(rebasing: $0.prefix(batch * outputWidth))) }
    }
}

/// The distance in floats from one image's values to the next in a (N, C, 1, 1) or (N, C) layout that keeps each
/// image's C values contiguous and in channel order (plain, channels-last, or blocked on channels only, whose
/// rows are C rounded up to the block); nil for any other layout. Found by writing a probe through a reorder.
private func featureRowStride(_ descriptor: MemoryDescriptor, context: ComputeContext) throws -> Int? {
    let dimensions = descriptor.dimensions
    guard dimensions.count >= 2, dimensions.dropFirst(2).allSatisfy({ $0 == 1 }), dimensions[0] >= 1 else {
        return nil
    }
    let rows = dimensions[0]
    let width = dimensions[1]
    let stride = descriptor.byteCount / MemoryLayout<Float>.stride / rows
    guard stride >= width, stride * rows * MemoryLayout<Float>.stride == descriptor.byteCount else { return nil }
    let probe = try Memory(descriptor, context: context)
    try probe.write((0..<(rows * width)).map { Float($0) }, context: context)
    return probe.withFloats { raw in
        for row in 0..<rows {
            for column in 0..<width where raw[row * stride + column] != Float(row * width + column) { return nil }
        }
        return stride
    }
}

extension FoldedMobileNet.Node {
    /// A dense layer or an activation: what may follow the pool in a head pass.
    fileprivate var isDenseOrActivation: Bool {
        switch self {
        case .dense, .activation: true
        default: false
        }
    }
}
