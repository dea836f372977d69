// Copyright 2026 The Distill authors.
// Plain-Swift twin of SqueezeExcitationLayer on NCHW arrays, written from the definition:
// p = mean_hw(x); h = W1·p + b1; a = ReLU(h); z = W2·a + b2; s = ReLU6(z + 3) / 6; y = x · s.

/// Reference squeeze-and-excitation.
public struct ReferenceSqueezeExcitation: Sendable {
    /// What the forward pass keeps for backward.
    public struct Cache: Sendable {
        /// The input x.
        public var input: [Float]
        /// p (N, C).
        public var pooled: [Float]
        /// h before ReLU (N, S).
        public var hidden: [Float]
        /// z before hard-sigmoid (N, C).
        public var excitation: [Float]
    }

    /// Channels C.
    public var channels: Int
    /// Squeeze channels S.
    public var squeeze: Int

    /// Creates the layer.
    /// - Parameters:
    ///   - channels: C.
    ///   - squeeze: S.
    public init(channels: Int, squeeze: Int) {
        self.channels = channels
        self.squeeze = squeeze
    }

    private static func hardSigmoid(_ z: Float) -> Float { min(max(z + 3, 0), 6) / 6 }

    /// Runs the layer.
    /// - Parameters:
    ///   - input: (N, C, H·W) in NCHW order.
    ///   - reduceWeights: W1 (S, C).
    ///   - reduceBias: b1 (S).
    ///   - expandWeights: W2 (C, S).
    ///   - expandBias: b2 (C).
    ///   - batch: N.
    ///   - spatial: H·W.
    /// - Returns: y, same shape as `input`, and the cache for backward.
    public func forward(
        input: [Float], reduceWeights: [Float], reduceBias: [Float], expandWeights: [Float], expandBias: [Float],
        batch: Int, spatial: Int
    ) -> (output: [Float], cache: Cache) {
        var pooled = [Float](repeating: 0, count: batch * channels)
        var hidden = [Float](repeating: 0, count: batch * squeeze)
        var excitation = [Float](repeating: 0, count: batch * channels)
        var output = input
        for n in 0..<batch {
            for c in 0..<channels {
                var sum: Float = 0
                for i in 0..<spatial { sum += input[(n * channels + c) * spatial + i] }
                pooled[n * channels + c] = sum / Float(spatial)
            }
            for j in 0..<squeeze {
                var sum = reduceBias[j]
                for c in 0..<channels { sum += reduceWeights[j * channels + c] * pooled[n * channels + c] }
                hidden[n * squeeze + j] = sum
            }
            for c in 0..<channels {
                var sum = expandBias[c]
                for j in 0..<squeeze { sum += expandWeights[c * squeeze + j] * max(0, hidden[n * squeeze + j]) }
                excitation[n * channels + c] = sum
                let scale = Self.hardSigmoid(sum)
                for i in 0..<spatial { output[(n * channels + c) * spatial + i] *= scale }
            }
        }
        return (output, Cache(input: input, pooled: pooled, hidden: hidden, excitation: excitation))
    }

    /// Back-propagates, adding the parameter gradients.
    /// - Parameters:
    ///   - outputGradient: dLoss/dy (N, C, H·W).
    ///   - cache: From ``forward(input:reduceWeights:reduceBias:expandWeights:expandBias:batch:spatial:)``.
    ///   - reduceWeights: W1.
    ///   - expandWeights: W2.
    ///   - reduceWeightGradient: dLoss/dW1, added to.
    ///   - reduceBiasGradient: dLoss/db1, added to.
    ///   - expandWeightGradient: dLoss/dW2, added to.
    ///   - expandBiasGradient: dLoss/db2, added to.
    ///   - batch: N.
    ///   - spatial: H·W.
    /// - Returns: dLoss/dx.
    public func backward(
        outputGradient: [Float], cache: Cache, reduceWeights: [Float], expandWeights: [Float],
        reduceWeightGradient: inout [Float], reduceBiasGradient: inout [Float], expandWeightGradient: inout [Float],
        expandBiasGradient: inout [Float], batch: Int, spatial: Int
    ) -> [Float] {
        var inputGradient = [Float](repeating: 0, count: outputGradient.count)
        for n in 0..<batch {
            var pooledGradient = [Float](repeating: 0, count: channels)
            var hiddenGradient = [Float](repeating: 0, count: squeeze)
            for c in 0..<channels {
                let z = cache.excitation[n * channels + c]
                var scaleGradient: Float = 0
                for i in 0..<spatial {
                    let index = (n * channels + c) * spatial + i
                    scaleGradient += outputGradient[index] * cache.input[index]
                }
                let dz: Float = z > -3 && z < 3 ? scaleGradient / 6 : 0
                expandBiasGradient[c] += dz
                for j in 0..<squeeze {
                    expandWeightGradient[c * squeeze + j] += dz * max(0, cache.hidden[n * squeeze + j])
                    hiddenGradient[j] += expandWeights[c * squeeze + j] * dz
                }
            }
            for j in 0..<squeeze {
                let dh: Float = cache.hidden[n * squeeze + j] > 0 ? hiddenGradient[j] : 0
                reduceBiasGradient[j] += dh
                for c in 0..<channels {
                    reduceWeightGradient[j * channels + c] += dh * cache.pooled[n * channels + c]
                    pooledGradient[c] += reduceWeights[j * channels + c] * dh
                }
            }
            for c in 0..<channels {
                let scale = Self.hardSigmoid(cache.excitation[n * channels + c])
                for i in 0..<spatial {
                    let index = (n * channels + c) * spatial + i
                    inputGradient[index] = outputGradient[index] * scale + pooledGradient[c] / Float(spatial)
                }
            }
        }
        return inputGradient
    }
}
