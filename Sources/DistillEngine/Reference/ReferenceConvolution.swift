// Copyright 2026 The Distill authors.
// Plain-Swift twin of ConvolutionLayer. Layout: input (N, C, H, W), weights (O, C/groups, K, K),
// output (N, O, H', W'), all row-major. Letters: n batch, c/o input/output channel, g group,
// y/x output position, ky/kx kernel position.

/// A reference convolution (no bias) with explicit forward and backward loops.
public struct ReferenceConvolution: Sendable {
    /// The hyperparameters.
    public var configuration: ConvolutionConfiguration

    /// Creates the layer.
    /// - Parameter configuration: Channels, kernel, stride, padding, groups.
    public init(configuration: ConvolutionConfiguration) { self.configuration = configuration }

    /// Computes the output.
    /// - Parameters:
    ///   - input: (N, C, H, W).
    ///   - weights: (O, C/groups, K, K).
    ///   - batch: N.
    ///   - height: H.
    ///   - width: W.
    /// - Returns: (N, O, H', W').
    public func forward(input: [Float], weights: [Float], batch: Int, height: Int, width: Int) -> [Float] {
        let cf = configuration
        let (oh, ow) = (cf.outputSize(height), cf.outputSize(width))
        let inPerGroup = cf.inputChannels / cf.groups
        let outPerGroup = cf.outputChannels / cf.groups
        let k = cf.kernel
        var output = [Float](repeating: 0, count: batch * cf.outputChannels * oh * ow)
        for n in 0..<batch {
            for o in 0..<cf.outputChannels {
                let g = o / outPerGroup
                for y in 0..<oh {
                    for x in 0..<ow {
                        var sum: Float = 0
                        for ci in 0..<inPerGroup {
                            let c = g * inPerGroup + ci
                            for ky in 0..<k {
                                let iy = y * cf.stride - cf.padding + ky
                                if iy < 0 || iy >= height { continue }
                                for kx in 0..<k {
                                    let ix = x * cf.stride - cf.padding + kx
                                    if ix < 0 || ix >= width { continue }
                                    sum +=
                                        input[((n * cf.inputChannels + c) * height + iy) * width + ix]
                                        * weights[((o * inPerGroup + ci) * k + ky) * k + kx]
                                }
                            }
                        }
                        output[((n * cf.outputChannels + o) * oh + y) * ow + x] = sum
                    }
                }
            }
        }
        return output
    }

    /// Back-propagates.
    /// - Parameters:
    ///   - outputGradient: dLoss/dOutput, (N, O, H', W').
    ///   - input: The forward input, (N, C, H, W).
    ///   - weights: (O, C/groups, K, K).
    ///   - weightGradient: (O, C/groups, K, K); dLoss/dWeights is added into it.
    ///   - batch: N.
    ///   - height: H.
    ///   - width: W.
    /// - Returns: dLoss/dInput, (N, C, H, W).
    public func backward(
        outputGradient: [Float], input: [Float], weights: [Float], weightGradient: inout [Float], batch: Int,
        height: Int, width: Int
    ) -> [Float] {
        let cf = configuration
        let (oh, ow) = (cf.outputSize(height), cf.outputSize(width))
        let inPerGroup = cf.inputChannels / cf.groups
        let outPerGroup = cf.outputChannels / cf.groups
        let k = cf.kernel
        var inputGradient = [Float](repeating: 0, count: input.count)
        for n in 0..<batch {
            for o in 0..<cf.outputChannels {
                let g = o / outPerGroup
                for y in 0..<oh {
                    for x in 0..<ow {
                        let dy = outputGradient[((n * cf.outputChannels + o) * oh + y) * ow + x]
                        if dy == 0 { continue }
                        for ci in 0..<inPerGroup {
                            let c = g * inPerGroup + ci
                            for ky in 0..<k {
                                let iy = y * cf.stride - cf.padding + ky
                                if iy < 0 || iy >= height { continue }
                                for kx in 0..<k {
                                    let ix = x * cf.stride - cf.padding + kx
                                    if ix < 0 || ix >= width { continue }
                                    let inputIndex = ((n * cf.inputChannels + c) * height + iy) * width + ix
                                    let weightIndex = ((o * inPerGroup + ci) * k + ky) * k + kx
                                    inputGradient[inputIndex] += dy * weights[weightIndex]
                                    weightGradient[weightIndex] += dy * input[inputIndex]
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
