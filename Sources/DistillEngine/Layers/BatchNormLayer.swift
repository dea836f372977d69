// Copyright 2026 The Distill authors.
// Batch normalization over (N, C, H, W) activations, optionally with ReLU, ReLU6 or h-swish in its passes, on the
// host (`BatchNormKernels`: four passes over memory per training step where oneDNN 2.6's primitive took about seven).
// Training: batch statistics (biased variance for normalising) and running averages updated as
// running = momentum·running + (1 − momentum)·batch, with the unbiased batch variance. Evaluation: running
// statistics. Parameters: scale γ (C) and shift β (C), adjacent in the parameter buffer (γ at offset, β at
// offset + C); running mean and variance (C each) in a statistics buffer. Activations in nChw16c or nChw8c are
// used as they come; any other layout is reordered to nChw16c and back.

import CDNNL

/// Batch normalization (and optionally ReLU), its passes planned once per shape.
public final class BatchNormLayer: EngineLayer {
    public let kind: String
    public let outputDescriptor: MemoryDescriptor
    /// Channels C.
    public let channels: Int
    /// Weight of the old running value in each update.
    public let momentum: Float
    private let epsilon: Float
    private let elementsPerChannel: Int
    private let dimensions: [Int]
    private let kernels: BatchNormKernels
    private let context: ComputeContext
    private let inputAdapter: LayoutAdapter
    private let inputGradientAdapter: LayoutAdapter
    private let output: Memory
    private let inputGradient: Memory
    private let parameters: FloatBuffer
    private let statistics: FloatBuffer
    private let statisticsOffset: Int
    private let gradients: FloatBuffer
    private let parameterOffset: Int
    /// The last training forward's input, batch mean, 1/σ and affine map (padded to whole channel blocks).
    private var cachedInput: Memory?
    private var mean: [Float] = []
    private var inverseDeviation: [Float] = []
    private var scale: [Float] = []
    private var shift: [Float] = []

    /// Builds the layer for one shape.
    /// - Parameters:
    ///   - dimensions: (N, C, H, W).
    ///   - inputDescriptor: The layout inputs arrive in; the output uses the same layout.
    ///   - epsilon: Added to the variance.
    ///   - momentum: Running-average momentum in [0, 1).
    ///   - activation: Applied after the affine map in the same passes (ReLU, ReLU6 or h-swish; its derivative is
    ///     recomputed from the input in the backward pass), or nil for none.
    ///   - parameters: γ (C floats) followed by β (C floats), and their gradients.
    ///   - statistics: A buffer holding running mean (C) then running variance (C) at `statisticsOffset`.
    ///   - statisticsOffset: First float of the running mean in `statistics`.
    ///   - inputGradientStorage: Shared storage for dLoss/dInput (the network's gradient buffers), or
    ///     `nil` for memory of the layer's own.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` for a shape that is not (N, C, H, W) or a layout oneDNN cannot reorder.
    public init(
        dimensions: [Int], inputDescriptor: MemoryDescriptor?, epsilon: Float = 1e-3, momentum: Float = 0.9,
        activation: Activation?, parameters: ParameterBinding, statistics: FloatBuffer,
        statisticsOffset: Int,
        inputGradientStorage: FloatBuffer? = nil, context: ComputeContext
    ) throws {
        guard dimensions.count == 4, dimensions.allSatisfy({ $0 >= 1 }) else {
            throw EngineError(.invalidArgument, "Batch norm needs (N, C, H, W), got \(dimensions).")
        }
        self.kind = activation.map { "batchnorm+\($0.rawValue)" } ?? "batchnorm"
        self.dimensions = dimensions
        self.channels = dimensions[1]
        self.momentum = momentum
        self.epsilon = epsilon
        self.context = context
        self.elementsPerChannel = dimensions[0] * dimensions[2] * dimensions[3]
        let data = try inputDescriptor ?? MemoryDescriptor.plain(dimensions)
        var working = data
        var block = try data.channelBlock() ?? 0
        if block != 16 && block != 8 {
            block = 16
            working = try MemoryDescriptor.activation(dimensions, blocked: true)
        }
        kernels = BatchNormKernels(
            batch: dimensions[0], blocks: (channels + block - 1) / block, spatial: dimensions[2] * dimensions[3],
            block: block, activation: activation)
        outputDescriptor = working
        inputAdapter = try LayoutAdapter(from: data, to: working, context: context)
        inputGradientAdapter = try LayoutAdapter(from: working, to: data, context: context)
        output = try Memory(working, context: context)
        inputGradient = try makeGradientMemory(working, storage: inputGradientStorage, context: context)
        self.parameters = parameters.values
        self.statistics = statistics
        self.statisticsOffset = statisticsOffset
        gradients = parameters.gradients
        parameterOffset = parameters.offset
    }

    /// Channels padded to whole blocks.
    private var paddedChannels: Int { kernels.blocks * kernels.block }

    public func forward(_ input: Memory, training: Bool) throws -> Memory {
        try checkDimensions(input, expected: dimensions, operation: "batchnorm forward")
        let source = try inputAdapter.apply(input)
        // The host reads what oneDNN wrote: wait for the stream first.
        try context.wait()
        let padded = paddedChannels
        var scale = [Float](repeating: 0, count: padded)
        var shift = [Float](repeating: 0, count: padded)
        if training {
            let batch = source.withFloats { kernels.statistics(UnsafePointer($0.baseAddress!)) }
            var mean = [Float](repeating: 0, count: padded)
            var inverseDeviation = [Float](repeating: 0, count: padded)
            let correction = Double(elementsPerChannel) / Double(max(elementsPerChannel - 1, 1))
            let (keep, take) = (Double(momentum), 1 - Double(momentum))
            for c in 0..<channels {
                let inverse = 1 / (batch.variance[c] + Double(epsilon)).squareRoot()
                let gamma = Double(parameters[parameterOffset + c])
                let beta = Double(parameters[parameterOffset + channels + c])
                mean[c] = Float(batch.mean[c])
                inverseDeviation[c] = Float(inverse)
                scale[c] = Float(gamma * inverse)
                shift[c] = Float(beta - batch.mean[c] * gamma * inverse)
                let runningMean = statisticsOffset + c
                let runningVariance = statisticsOffset + channels + c
                statistics[runningMean] = Float(keep * Double(statistics[runningMean]) + take * batch.mean[c])
                statistics[runningVariance] = Float(
                    keep * Double(statistics[runningVariance]) + take * batch.variance[c] * correction)
            }
            self.mean = mean
            self.inverseDeviation = inverseDeviation
            cachedInput = source
        } else {
            for c in 0..<channels {
                let inverse = 1 / (Double(statistics[statisticsOffset + channels + c]) + Double(epsilon)).squareRoot()
                let gamma = Double(parameters[parameterOffset + c])
                let beta = Double(parameters[parameterOffset + channels + c])
                scale[c] = Float(gamma * inverse)
                shift[c] = Float(beta - Double(statistics[statisticsOffset + c]) * gamma * inverse)
            }
            cachedInput = nil
        }
        self.scale = scale
        self.shift = shift
        source.withFloats { x in
            output.withFloats { y in
                kernels.apply(UnsafePointer(x.baseAddress!), y.baseAddress!, scale: scale, shift: shift)
            }
        }
        return output
    }

    public func backward(_ outputGradient: Memory) throws -> Memory? {
        guard let source = cachedInput else {
            throw EngineError(.invalidArgument, "batchnorm backward called without a training-mode forward first.")
        }
        try context.wait()
        let count = Double(elementsPerChannel)
        let padded = paddedChannels
        var constant = [Float](repeating: 0, count: padded)
        var slope = [Float](repeating: 0, count: padded)
        let (scale, shift, mean, inverseDeviation) = (self.scale, self.shift, self.mean, self.inverseDeviation)
        source.withFloats { x in
            outputGradient.withFloats { dy in
                let sums = kernels.gradientSums(
                    UnsafePointer(x.baseAddress!), UnsafePointer(dy.baseAddress!), scale: scale, shift: shift,
                    mean: mean)
                gradients.withMutableFloats(offset: parameterOffset, count: 2 * channels) { target in
                    for c in 0..<channels {
                        let inverse = Double(inverseDeviation[c])
                        // dγ = Σ g·x̂ = Σ g·(x − μ)/σ; dβ = Σ g.
                        target[c] += Float(sums.centredProduct[c] * inverse)
                        target[channels + c] += Float(sums.gradient[c])
                        let a = Double(scale[c])
                        constant[c] = Float(-a * sums.gradient[c] / count)
                        slope[c] = Float(-a * inverse * inverse * sums.centredProduct[c] / count)
                    }
                }
                inputGradient.withFloats { dx in
                    kernels.inputGradient(
                        UnsafePointer(x.baseAddress!), UnsafePointer(dy.baseAddress!), dx.baseAddress!,
                        coefficients: .init(scale: scale, shift: shift, mean: mean, constant: constant, slope: slope))
                }
            }
        }
        return try inputGradientAdapter.apply(inputGradient)
    }
}
