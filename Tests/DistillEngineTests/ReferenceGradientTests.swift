// Copyright 2026 The Distill authors.
// Finite-difference checks of the reference layers' backward passes. Each check uses the loss
// L = Σ r ⊙ layer(x) for a fixed random r, so dL/dOutput = r, and compares the analytic gradient with
// (L(v + h) − L(v − h)) / 2h at sampled coordinates (h = 1e-2; tolerance 2e-2 · max(1, |gradient|)).

import DistillEngine
import Testing

/// Compares `analytic` with central differences of `loss` at `samples` coordinates of `point`.
func expectFiniteDifferences(
    _ what: String, point: [Float], analytic: [Float], samples: Int = 10, seed: UInt64 = 1,
    step: Float = 1e-2, loss: ([Float]) -> Double
) {
    #expect(point.count == analytic.count, "\(what): gradient has \(analytic.count) values for \(point.count)")
    var picker = TestValues(seed: seed)
    for _ in 0..<samples {
        let index = min(point.count - 1, Int(picker.next(in: 0...1) * Float(point.count)))
        var plus = point
        plus[index] += step
        var minus = point
        minus[index] -= step
        let numeric = Float((loss(plus) - loss(minus)) / Double(2 * step))
        let tolerance = 2e-2 * max(1, abs(numeric))
        #expect(
            abs(numeric - analytic[index]) <= tolerance,
            "\(what)[\(index)]: numeric \(numeric), analytic \(analytic[index])")
    }
}

/// Σ a ⊙ b in double precision.
func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

@Suite("reference layers pass finite-difference gradient checks")
struct ReferenceGradientTests {
    @Test(
        "convolution gradients (full s2, depthwise s1, pointwise)",
        arguments: [(4, 6, 3, 2, 1), (5, 5, 3, 1, 5), (4, 7, 1, 1, 1)])
    func convolution(inputChannels: Int, outputChannels: Int, kernel: Int, stride: Int, groups: Int) throws {
        let configuration = try ConvolutionConfiguration(
            inputChannels: inputChannels, outputChannels: outputChannels, kernel: kernel, stride: stride,
            padding: kernel / 2, groups: groups)
        let layer = ReferenceConvolution(configuration: configuration)
        let (batch, height, width) = (2, 5, 7)
        var values = TestValues(seed: 3)
        let input = values.array(batch * inputChannels * height * width)
        let weights = values.array(configuration.weightCount, in: -1...1)
        let probe = values.array(
            batch * outputChannels * configuration.outputSize(height) * configuration.outputSize(width))
        var weightGradient = [Float](repeating: 0, count: weights.count)
        let inputGradient = layer.backward(
            outputGradient: probe, input: input, weights: weights, weightGradient: &weightGradient, batch: batch,
            height: height, width: width)
        expectFiniteDifferences("input", point: input, analytic: inputGradient) {
            dot(probe, layer.forward(input: $0, weights: weights, batch: batch, height: height, width: width))
        }
        expectFiniteDifferences("weights", point: weights, analytic: weightGradient, seed: 2) {
            dot(probe, layer.forward(input: input, weights: $0, batch: batch, height: height, width: width))
        }
    }

    @Test("batch norm gradients (input, scale, shift)")
    func batchNorm() {
        let (batch, channels, spatial) = (3, 4, 6)
        let layer = ReferenceBatchNorm(channels: channels)
        var values = TestValues(seed: 4)
        let input = values.array(batch * channels * spatial)
        let scale = values.array(channels, in: 0.5...1.5)
        let shift = values.array(channels)
        let probe = values.array(input.count)
        func loss(_ input: [Float], _ scale: [Float], _ shift: [Float]) -> Double {
            var mean = [Float](repeating: 0, count: channels)
            var variance = [Float](repeating: 1, count: channels)
            let output = layer.forwardTraining(
                input: input, scale: scale, shift: shift, runningMean: &mean, runningVariance: &variance,
                batch: batch, spatial: spatial
            ).output
            return dot(probe, output)
        }
        var mean = [Float](repeating: 0, count: channels)
        var variance = [Float](repeating: 1, count: channels)
        let cache = layer.forwardTraining(
            input: input, scale: scale, shift: shift, runningMean: &mean, runningVariance: &variance, batch: batch,
            spatial: spatial
        ).cache
        var scaleGradient = [Float](repeating: 0, count: channels)
        var shiftGradient = [Float](repeating: 0, count: channels)
        let inputGradient = layer.backward(
            outputGradient: probe, cache: cache, scale: scale, scaleGradient: &scaleGradient,
            shiftGradient: &shiftGradient, batch: batch, spatial: spatial)
        expectFiniteDifferences("input", point: input, analytic: inputGradient, step: 1e-3) { loss($0, scale, shift) }
        expectFiniteDifferences("scale", point: scale, analytic: scaleGradient, samples: 4) { loss(input, $0, shift) }
        expectFiniteDifferences("shift", point: shift, analytic: shiftGradient, samples: 4) { loss(input, scale, $0) }
    }

    @Test("ReLU, ReLU6 and h-swish gradients", arguments: Activation.allCases)
    func activation(_ activation: Activation) {
        let layer = ReferenceActivation(activation: activation)
        var values = TestValues(seed: 6)
        // Keep inputs away from the kinks at −3, 0, 3 and 6 so central differences are exact.
        let input = values.array(40, in: -5...9).map { value in
            [-3, 0, 3, 6].contains { abs(value - $0) < 0.1 } ? value + 0.3 : value
        }
        let probe = values.array(40)
        let inputGradient = layer.backward(outputGradient: probe, input: input)
        expectFiniteDifferences("input", point: input, analytic: inputGradient, samples: 20) {
            dot(probe, layer.forward(input: $0))
        }
    }

    @Test("global average pooling and fully connected gradients")
    func poolingAndFullyConnected() {
        var values = TestValues(seed: 8)
        let pool = ReferenceGlobalAveragePool()
        let input = values.array(2 * 3 * 10)
        let poolProbe = values.array(6)
        expectFiniteDifferences(
            "pool input", point: input, analytic: pool.backward(outputGradient: poolProbe, spatial: 10)
        ) { dot(poolProbe, pool.forward(input: $0, batch: 2, channels: 3, spatial: 10)) }

        let layer = ReferenceFullyConnected(inputs: 6, outputs: 4)
        let x = values.array(2 * 6)
        let weights = values.array(24)
        let bias = values.array(4)
        let probe = values.array(8)
        var weightGradient = [Float](repeating: 0, count: 24)
        var biasGradient = [Float](repeating: 0, count: 4)
        let inputGradient = layer.backward(
            outputGradient: probe, input: x, weights: weights, weightGradient: &weightGradient,
            biasGradient: &biasGradient, batch: 2)
        expectFiniteDifferences("fc input", point: x, analytic: inputGradient) {
            dot(probe, layer.forward(input: $0, weights: weights, bias: bias, batch: 2))
        }
        expectFiniteDifferences("fc weights", point: weights, analytic: weightGradient) {
            dot(probe, layer.forward(input: x, weights: $0, bias: bias, batch: 2))
        }
        expectFiniteDifferences("fc bias", point: bias, analytic: biasGradient, samples: 4) {
            dot(probe, layer.forward(input: x, weights: weights, bias: $0, batch: 2))
        }
    }
}
