// Copyright 2026 The Distill authors.
// Plain-loop forward passes over a folded MobileNet's nodes, one image at a time, (C, H, W) row-major: the float
// pass that calibrates int8 activation ranges (every tensor is shown to an observer) and the loops the
// int8 reference shares (generic over the element type: Float, or Int32 for zero-point-shifted int8 values
// with Int32 accumulation). Padding is symmetric (kernel / 2), as Distill trains.

import DistillEngine

extension FoldedMobileNet {
    /// Runs one image through the network in float, showing every tensor to `observe`.
    /// - Parameters:
    ///   - image: (3, R, R) floats.
    ///   - observe: Called with each tensor's index (as ``nodes`` number them) and values.
    /// - Returns: The output tensor.
    public func referenceForward(image: [Float], observe: (Int, [Float]) -> Void = { _, _ in }) -> [Float] {
        let nodes = self.nodes
        let layers = denseLayers
        let shapes = tensorShapes
        var tensors = [[Float]](repeating: [], count: tensorCount)
        tensors[0] = image
        observe(0, image)
        for node in nodes {
            switch node {
            case .convolution(let index, let input, let output, let fused):
                let convolution = convolutions[index]
                var values = Self.convolve(tensors[input], convolution: convolution, weights: convolution.weights)
                let plane = convolution.layer.outputHeight * convolution.layer.outputWidth
                for o in 0..<convolution.layer.outputChannels {
                    let bias = convolution.bias[o]
                    for p in (o * plane)..<((o + 1) * plane) {
                        let value = values[p] + bias
                        values[p] = fused.map { $0.apply(value) } ?? value
                    }
                }
                tensors[output] = values
            case .add(let first, let second, let output):
                tensors[output] = zip(tensors[first], tensors[second]).map { $0 + $1 }
            case .activation(let activation, let input, let output):
                tensors[output] = tensors[input].map { activation.apply($0) }
            case .squeezeExcitation(let index, let input, let pooled, let hidden, let gate, let output):
                let excitation = squeezeExcitations[index]
                let (channels, squeeze) = (excitation.layer.inputChannels, excitation.layer.squeezeChannels)
                let means = Self.averagePool(tensors[input], channels: channels)
                tensors[pooled] = means
                observe(pooled, means)
                let reduced = Self.affine(
                    means, weights: excitation.reduceWeights, bias: excitation.reduceBias, outputs: squeeze
                ).map { max(0, $0) }
                tensors[hidden] = reduced
                observe(hidden, reduced)
                let gates = Self.affine(
                    reduced, weights: excitation.expandWeights, bias: excitation.expandBias, outputs: channels
                ).map { min(max(0, $0 + 3), 6) / 6 }
                tensors[gate] = gates
                observe(gate, gates)
                let x = tensors[input]
                let plane = x.count / channels
                tensors[output] = x.indices.map { x[$0] * gates[$0 / plane] }
            case .pool(let input, let output):
                tensors[output] = Self.averagePool(tensors[input], channels: shapes[input].channels)
            case .dense(let index, let input, let output):
                let dense = layers[index]
                tensors[output] = Self.affine(
                    tensors[input], weights: dense.weights, bias: dense.bias, outputs: dense.outputs)
            }
            observe(node.output, tensors[node.output])
        }
        return tensors[tensorCount - 1]
    }

    /// weights (outputs, inputs) · x + bias.
    static func affine(_ x: [Float], weights: [Float], bias: [Float], outputs: Int) -> [Float] {
        let inputs = x.count
        return (0..<outputs).map { o in
            var sum: Float = 0
            for i in 0..<inputs { sum += weights[o * inputs + i] * x[i] }
            return sum + bias[o]
        }
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
