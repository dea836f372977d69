// Copyright 2026 The Distill authors.
// oneDNN batch normalization over (N, C, H, W) activations, optionally fused with ReLU
// (`dnnl_fuse_norm_relu`). Training: batch statistics (biased variance for normalising) and running
// averages updated as running = momentum·running + (1 − momentum)·batch, with the unbiased batch
// variance. Evaluation: running statistics. Parameters: scale γ (C) and shift β (C), adjacent in the
// parameter buffer (γ at offset, β at offset + C); running mean and variance (C each) in a statistics buffer.

import CDNNL

/// Batch normalization (and optionally ReLU) on oneDNN, primitives built once per shape.
public final class BatchNormLayer: EngineLayer {
    public let kind: String
    public let outputDescriptor: MemoryDescriptor
    /// Channels C.
    public let channels: Int
    /// Weight of the old running value in each update.
    public let momentum: Float
    private let elementsPerChannel: Int
    private let dimensions: [Int]
    private let trainingPrimitive: Primitive
    private let inferencePrimitive: Primitive
    private let backwardPrimitive: Primitive
    private let inputAdapter: LayoutAdapter
    private let inputGradientAdapter: LayoutAdapter
    private let output: Memory
    private let inputGradient: Memory
    private let mean: Memory
    private let variance: Memory
    private let runningMean: Memory
    private let runningVariance: Memory
    private let scale: Memory
    private let shift: Memory
    private let scaleGradient: Memory
    private let shiftGradient: Memory
    private let workspace: Memory?
    private let gradients: FloatBuffer
    private let gradientOffset: Int
    private var cachedInput: Memory?

    /// Builds the primitives for one shape.
    /// - Parameters:
    ///   - dimensions: (N, C, H, W).
    ///   - inputDescriptor: The layout inputs arrive in; the output uses the same layout.
    ///   - epsilon: Added to the variance.
    ///   - momentum: Running-average momentum in [0, 1).
    ///   - fuseReLU: Apply ReLU inside the primitive.
    ///   - parameters: γ (C floats) followed by β (C floats), and their gradients.
    ///   - statistics: A buffer holding running mean (C) then running variance (C) at `statisticsOffset`.
    ///   - statisticsOffset: First float of the running mean in `statistics`.
    ///   - inputGradientStorage: Shared storage for dLoss/dInput (the network's gradient buffers), or
    ///     `nil` for memory of the layer's own.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` if oneDNN rejects the shape.
    public init(
        dimensions: [Int], inputDescriptor: MemoryDescriptor?, epsilon: Float = 1e-3, momentum: Float = 0.9,
        fuseReLU: Bool, parameters: ParameterBinding, statistics: FloatBuffer, statisticsOffset: Int,
        inputGradientStorage: FloatBuffer? = nil, context: ComputeContext
    ) throws {
        guard dimensions.count == 4, dimensions.allSatisfy({ $0 >= 1 }) else {
            throw EngineError(.invalidArgument, "Batch norm needs (N, C, H, W), got \(dimensions).")
        }
        self.kind = fuseReLU ? "batchnorm+relu" : "batchnorm"
        self.dimensions = dimensions
        self.channels = dimensions[1]
        self.momentum = momentum
        self.elementsPerChannel = dimensions[0] * dimensions[2] * dimensions[3]
        let data = try inputDescriptor ?? MemoryDescriptor.plain(dimensions)
        let reluFlag = fuseReLU ? dnnl_fuse_norm_relu.rawValue : 0
        let affine = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue

        var raw = data.raw
        var trainingDescriptor = dnnl_batch_normalization_desc_t()
        try dnnlCheck(
            dnnl_batch_normalization_forward_desc_init(
                &trainingDescriptor, dnnl_forward_training, &raw, epsilon, affine | reluFlag),
            "dnnl_batch_normalization_forward_desc_init(training, \(dimensions))")
        trainingPrimitive = try Primitive(operation: trainingDescriptor, context: context, name: "batchnorm forward")
        var inferenceDescriptor = dnnl_batch_normalization_desc_t()
        try dnnlCheck(
            dnnl_batch_normalization_forward_desc_init(
                &inferenceDescriptor, dnnl_forward_inference, &raw, epsilon,
                affine | reluFlag | dnnl_use_global_stats.rawValue),
            "dnnl_batch_normalization_forward_desc_init(inference, \(dimensions))")
        inferencePrimitive = try Primitive(
            operation: inferenceDescriptor, context: context, name: "batchnorm inference")
        var backwardDescriptor = dnnl_batch_normalization_desc_t()
        var diff = data.raw
        try dnnlCheck(
            dnnl_batch_normalization_backward_desc_init(
                &backwardDescriptor, dnnl_backward, &diff, &raw, epsilon, affine | reluFlag),
            "dnnl_batch_normalization_backward_desc_init(\(dimensions))")
        backwardPrimitive = try Primitive(
            operation: backwardDescriptor, context: context, hint: trainingPrimitive, name: "batchnorm backward")

        let chosen = try trainingPrimitive.memoryDescriptor(dnnl_query_src_md)
        outputDescriptor = try trainingPrimitive.memoryDescriptor(dnnl_query_dst_md)
        inputAdapter = try LayoutAdapter(from: data, to: chosen, context: context)
        inputGradientAdapter = try LayoutAdapter(from: chosen, to: data, context: context)
        output = try Memory(outputDescriptor, context: context)
        inputGradient = try makeGradientMemory(chosen, storage: inputGradientStorage, context: context)
        let vector = try MemoryDescriptor.plain([channels])
        mean = try Memory(vector, context: context)
        variance = try Memory(vector, context: context)
        scaleGradient = try Memory(vector, context: context)
        shiftGradient = try Memory(vector, context: context)
        scale = try Memory(vector, context: context, viewing: parameters.values, offset: parameters.offset)
        shift = try Memory(vector, context: context, viewing: parameters.values, offset: parameters.offset + channels)
        runningMean = try Memory(vector, context: context, viewing: statistics, offset: statisticsOffset)
        runningVariance = try Memory(vector, context: context, viewing: statistics, offset: statisticsOffset + channels)
        if fuseReLU {
            workspace = try Memory(trainingPrimitive.memoryDescriptor(dnnl_query_workspace_md), context: context)
        } else {
            workspace = nil
        }
        gradients = parameters.gradients
        gradientOffset = parameters.offset
    }

    public func forward(_ input: Memory, training: Bool) throws -> Memory {
        try checkDimensions(input, expected: dimensions, operation: "batchnorm forward")
        let source = try inputAdapter.apply(input)
        if training {
            var arguments: [(Int32, Memory)] = [
                (DNNLArgument.source, source), (DNNLArgument.destination, output), (DNNLArgument.mean, mean),
                (DNNLArgument.variance, variance), (DNNLArgument.scale, scale), (DNNLArgument.shift, shift),
            ]
            if let workspace { arguments.append((DNNLArgument.workspace, workspace)) }
            // The running statistics are updated on the host from the batch's mean and variance.
            try trainingPrimitive.executeAndWait(arguments)
            cachedInput = source
            updateRunningStatistics()
        } else {
            try inferencePrimitive.execute([
                (DNNLArgument.source, source), (DNNLArgument.destination, output), (DNNLArgument.mean, runningMean),
                (DNNLArgument.variance, runningVariance), (DNNLArgument.scale, scale), (DNNLArgument.shift, shift),
            ])
            cachedInput = nil
        }
        return output
    }

    private func updateRunningStatistics() {
        let keep = momentum
        let take = 1 - momentum
        let correction = Float(elementsPerChannel) / Float(max(elementsPerChannel - 1, 1))
        mean.withFloats { batchMean in
            variance.withFloats { batchVariance in
                runningMean.withFloats { runMean in
                    runningVariance.withFloats { runVariance in
                        for c in 0..<channels {
                            runMean[c] = keep * runMean[c] + take * batchMean[c]
                            runVariance[c] = keep * runVariance[c] + take * batchVariance[c] * correction
                        }
                    }
                }
            }
        }
    }

    public func backward(_ outputGradient: Memory) throws -> Memory? {
        guard let source = cachedInput else {
            throw EngineError(.invalidArgument, "batchnorm backward called without a training-mode forward first.")
        }
        var arguments: [(Int32, Memory)] = [
            (DNNLArgument.source, source), (DNNLArgument.mean, mean), (DNNLArgument.variance, variance),
            (DNNLArgument.destinationGradient, outputGradient), (DNNLArgument.scale, scale),
            (DNNLArgument.shift, shift), (DNNLArgument.sourceGradient, inputGradient),
            (DNNLArgument.scaleGradient, scaleGradient), (DNNLArgument.shiftGradient, shiftGradient),
        ]
        if let workspace { arguments.append((DNNLArgument.workspace, workspace)) }
        // The host adds the scale and shift gradients to the parameter gradients.
        try backwardPrimitive.executeAndWait(arguments)
        let channels = channels
        gradients.withMutableFloats(offset: gradientOffset, count: 2 * channels) { target in
            scaleGradient.withFloats { dScale in
                shiftGradient.withFloats { dShift in
                    for c in 0..<channels {
                        target[c] += dScale[c]
                        target[channels + c] += dShift[c]
                    }
                }
            }
        }
        return try inputGradientAdapter.apply(inputGradient)
    }
}
