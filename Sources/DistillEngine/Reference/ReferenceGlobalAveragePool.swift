// Copyright 2026 The Distill authors.
// Plain-Swift twin of GlobalAveragePoolLayer. Layout: input (N, C, H, W), output (N, C).

/// Reference global average pooling.
public struct ReferenceGlobalAveragePool: Sendable {
    /// Creates the layer.
    public init() {}

    /// Averages each channel over H·W.
    /// - Parameters:
    ///   - input: (N, C, H, W).
    ///   - batch: N.
    ///   - channels: C.
    ///   - spatial: H·W.
    /// - Returns: (N, C).
    public func forward(input: [Float], batch: Int, channels: Int, spatial: Int) -> [Float] {
        var output = [Float](repeating: 0, count: batch * channels)
        for plane in 0..<(batch * channels) {
            var sum: Float = 0
            for i in 0..<spatial { sum += input[plane * spatial + i] }
            output[plane] = sum / Float(spatial)
        }
        return output
    }

    /// Back-propagates: each input position gets 1/(H·W) of its channel's gradient.
    /// - Parameters:
    ///   - outputGradient: (N, C).
    ///   - spatial: H·W.
    /// - Returns: (N, C, H, W).
    public func backward(outputGradient: [Float], spatial: Int) -> [Float] {
        var inputGradient = [Float](repeating: 0, count: outputGradient.count * spatial)
        for plane in outputGradient.indices {
            let share = outputGradient[plane] / Float(spatial)
            for i in 0..<spatial { inputGradient[plane * spatial + i] = share }
        }
        return inputGradient
    }
}
