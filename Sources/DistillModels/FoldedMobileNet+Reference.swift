// Copyright 2026 The Distill authors.
// Plain-loop forward passes over a folded MobileNet, one image at a time, (C, H, W) row-major: the float pass
// that calibrates int8 activation ranges (every intermediate tensor is shown to an observer) and the loops the
// int8 reference shares (generic over the element type: Float, or Int32 for zero-point-shifted int8 values
// with Int32 accumulation). Padding is symmetric (kernel / 2), as Distill trains.

import DistillEngine

extension FoldedMobileNet {
    /// The tensors a forward pass produces, in order: 0 the input, 1…C each convolution's output (after its
    /// activation), C + 1 the pooled features, C + 2 the dense output.
    public var tensorCount: Int { convolutions.count + 3 }

    /// Runs one image through the network in float, showing every tensor to `observe`.
    /// - Parameters:
    ///   - image: (3, R, R) floats.
    ///   - observe: Called with each tensor's index (see ``tensorCount``) and values.
    /// - Returns: The dense output.
    public func referenceForward(image: [Float], observe: (Int, [Float]) -> Void = { _, _ in }) -> [Float] {
        observe(0, image)
        var current = image
        for (index, convolution) in convolutions.enumerated() {
            var output = Self.convolve(current, convolution: convolution, weights: convolution.weights)
            let plane = convolution.layer.outputHeight * convolution.layer.outputWidth
            for o in 0..<convolution.layer.outputChannels {
                let bias = convolution.bias[o]
                for p in (o * plane)..<((o + 1) * plane) {
                    let value = output[p] + bias
                    output[p] = convolution.activation.map { $0.apply(value) } ?? value
                }
            }
            observe(index + 1, output)
            current = output
        }
        let pooled = Self.averagePool(current, channels: dense.inputs)
        observe(convolutions.count + 1, pooled)
        var result = dense.bias
        for o in 0..<dense.outputs {
            var sum: Float = 0
            for i in 0..<dense.inputs { sum += dense.weights[o * dense.inputs + i] * pooled[i] }
            result[o] += sum
        }
        observe(convolutions.count + 2, result)
        return result
    }

    /// Per-channel means of a (C, H, W) tensor.
    static func averagePool(_ x: [Float], channels: Int) -> [Float] {
        let plane = x.count / channels
        return (0..<channels).map { c in
            var sum: Float = 0
            for p in (c * plane)..<((c + 1) * plane) { sum += x[p] }
            return sum / Float(plane)
        }
    }

    /// The convolution of one (I, H, W) image with (O, I/groups, K, K) weights, no bias: (O, H', W').
    static func convolve<T: Numeric>(_ x: [T], convolution: Convolution, weights: [T]) -> [T] {
        let layer = convolution.layer
        let (inputHeight, inputWidth) = (layer.inputHeight, layer.inputWidth)
        let (outputHeight, outputWidth) = (layer.outputHeight, layer.outputWidth)
        let outputPlane = outputHeight * outputWidth
        let inputPlane = inputHeight * inputWidth
        let k = layer.kernel
        let stride = layer.stride
        let padding = k / 2
        let perGroupInput = layer.inputChannels / convolution.groups
        let perGroupOutput = layer.outputChannels / convolution.groups
        var output = [T](repeating: 0, count: layer.outputChannels * outputPlane)
        x.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { out in
                    if k == 1 && stride == 1 && convolution.groups == 1 {
                        for o in 0..<layer.outputChannels {
                            let row = o * outputPlane
                            for i in 0..<layer.inputChannels {
                                let weight = w[o * layer.inputChannels + i]
                                let column = i * inputPlane
                                for p in 0..<outputPlane { out[row + p] += weight * x[column + p] }
                            }
                        }
                        return
                    }
                    for o in 0..<layer.outputChannels {
                        let group = o / perGroupOutput
                        let row = o * outputPlane
                        for j in 0..<perGroupInput {
                            let i = group * perGroupInput + j
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let weight = w[((o * perGroupInput + j) * k + ky) * k + kx]
                                    for oy in 0..<outputHeight {
                                        let iy = oy * stride + ky - padding
                                        if iy < 0 || iy >= inputHeight { continue }
                                        let base = i * inputPlane + iy * inputWidth
                                        let outBase = row + oy * outputWidth
                                        for ox in 0..<outputWidth {
                                            let ix = ox * stride + kx - padding
                                            if ix < 0 || ix >= inputWidth { continue }
                                            out[outBase + ox] += weight * x[base + ix]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
