// Copyright 2026 The Distill authors.
// Plain-Swift twin of BatchNormLayer (without the fused ReLU; compose with ReferenceActivation).
// Layout: x, y (N, C, H, W) row-major; γ, β, running mean and variance (C). M = N·H·W per channel.

/// Reference batch normalization with explicit loops.
public struct ReferenceBatchNorm: Sendable {
    /// What backward needs from a training forward.
    public struct Cache: Sendable {
        /// (x − mean) / sqrt(var + ε), (N, C, H, W).
        public var normalized: [Float]
        /// 1 / sqrt(var + ε) per channel (C).
        public var inverseDeviation: [Float]
        /// Batch mean per channel (C).
        public var mean: [Float]
        /// Biased batch variance per channel (C).
        public var variance: [Float]
    }

    /// Channels C.
    public var channels: Int
    /// Added to the variance.
    public var epsilon: Float
    /// Weight of the old running value in each update.
    public var momentum: Float

    /// Creates the layer.
    /// - Parameters:
    ///   - channels: C.
    ///   - epsilon: Added to the variance.
    ///   - momentum: Running-average momentum.
    public init(channels: Int, epsilon: Float = 1e-3, momentum: Float = 0.9) {
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
    }

    /// Normalises with batch statistics and updates the running statistics.
    /// - Parameters:
    ///   - input: (N, C, H, W).
    ///   - scale: γ (C).
    ///   - shift: β (C).
    ///   - runningMean: (C), updated.
    ///   - runningVariance: (C), updated with the unbiased batch variance.
    ///   - batch: N.
    ///   - spatial: H·W.
    /// - Returns: The output (N, C, H, W) and the cache for ``backward(outputGradient:cache:scale:scaleGradient:shiftGradient:batch:spatial:)``.
    public func forwardTraining(
        input: [Float], scale: [Float], shift: [Float], runningMean: inout [Float], runningVariance: inout [Float],
        batch: Int, spatial: Int
    ) -> (output: [Float], cache: Cache) {
        let m = Float(batch * spatial)
        var mean = [Float](repeating: 0, count: channels)
        var variance = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            var sum: Float = 0
            for n in 0..<batch {
                for i in 0..<spatial { sum += input[(n * channels + c) * spatial + i] }
            }
            mean[c] = sum / m
            var squares: Float = 0
            for n in 0..<batch {
                for i in 0..<spatial {
                    let d = input[(n * channels + c) * spatial + i] - mean[c]
                    squares += d * d
                }
            }
            variance[c] = squares / m
        }
        var output = [Float](repeating: 0, count: input.count)
        var normalized = [Float](repeating: 0, count: input.count)
        var inverse = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            inverse[c] = 1 / (variance[c] + epsilon).squareRoot()
            for n in 0..<batch {
                for i in 0..<spatial {
                    let index = (n * channels + c) * spatial + i
                    normalized[index] = (input[index] - mean[c]) * inverse[c]
                    output[index] = scale[c] * normalized[index] + shift[c]
                }
            }
            let unbiased = variance[c] * m / max(m - 1, 1)
            runningMean[c] = momentum * runningMean[c] + (1 - momentum) * mean[c]
            runningVariance[c] = momentum * runningVariance[c] + (1 - momentum) * unbiased
        }
        return (output, Cache(normalized: normalized, inverseDeviation: inverse, mean: mean, variance: variance))
    }

    /// Normalises with running statistics (evaluation).
    /// - Parameters:
    ///   - input: (N, C, H, W).
    ///   - scale: γ (C).
    ///   - shift: β (C).
    ///   - runningMean: (C).
    ///   - runningVariance: (C).
    ///   - batch: N.
    ///   - spatial: H·W.
    /// - Returns: (N, C, H, W).
    public func forwardInference(
        input: [Float], scale: [Float], shift: [Float], runningMean: [Float], runningVariance: [Float], batch: Int,
        spatial: Int
    ) -> [Float] {
        var output = [Float](repeating: 0, count: input.count)
        for n in 0..<batch {
            for c in 0..<channels {
                let inverse = 1 / (runningVariance[c] + epsilon).squareRoot()
                for i in 0..<spatial {
                    let index = (n * channels + c) * spatial + i
                    output[index] = scale[c] * (input[index] - runningMean[c]) * inverse + shift[c]
                }
            }
        }
        return output
    }

    /// Back-propagates through a training forward.
    /// - Parameters:
    ///   - outputGradient: dLoss/dOutput (N, C, H, W).
    ///   - cache: From the training forward.
    ///   - scale: γ (C).
    ///   - scaleGradient: (C); dLoss/dγ is added.
    ///   - shiftGradient: (C); dLoss/dβ is added.
    ///   - batch: N.
    ///   - spatial: H·W.
    /// - Returns: dLoss/dInput (N, C, H, W).
    public func backward(
        outputGradient: [Float], cache: Cache, scale: [Float], scaleGradient: inout [Float],
        shiftGradient: inout [Float], batch: Int, spatial: Int
    ) -> [Float] {
        let m = Float(batch * spatial)
        var inputGradient = [Float](repeating: 0, count: outputGradient.count)
        for c in 0..<channels {
            var sumDy: Float = 0
            var sumDyXhat: Float = 0
            for n in 0..<batch {
                for i in 0..<spatial {
                    let index = (n * channels + c) * spatial + i
                    sumDy += outputGradient[index]
                    sumDyXhat += outputGradient[index] * cache.normalized[index]
                }
            }
            scaleGradient[c] += sumDyXhat
            shiftGradient[c] += sumDy
            let factor = scale[c] * cache.inverseDeviation[c] / m
            for n in 0..<batch {
                for i in 0..<spatial {
                    let index = (n * channels + c) * spatial + i
                    inputGradient[index] =
                        factor * (m * outputGradient[index] - sumDy - cache.normalized[index] * sumDyXhat)
                }
            }
        }
        return inputGradient
    }
}
