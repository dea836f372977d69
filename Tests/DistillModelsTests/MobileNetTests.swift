// Copyright 2026 The Distill authors.
// The whole network: oneDNN against the reference twin, finite differences of the reference network,
// and training a tiny MobileNet to fit a fixed batch.

import DistillEngine
import DistillModels
import DistillTestSupport
import Testing

/// Reproducible test inputs.
struct Numbers {
    var generator: SeededGenerator
    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
    mutating func array(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in range.lowerBound + generator.nextUniform() * (range.upperBound - range.lowerBound) }
    }
}

/// NaN when any difference is (a NaN, or infinities that disagree): tolerance checks on it then fail.
func largestDifference(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).lazy.map { abs($0 - $1) }.largest() ?? 0 }
func largestMagnitude(_ a: [Float]) -> Float { a.lazy.map { abs($0) }.largest() ?? 0 }

/// Trains a network of `spec` with Adam (3e-3) on one fixed batch of 16 random images and random soft targets.
/// - Returns: The distillation loss of the first and the last step.
func fitFixedBatch(_ spec: MobileNetSpec, steps: Int) throws -> (first: Float, last: Float) {
    let network = try MobileNet(spec: spec, batch: 16)
    network.initialize(seed: 1)
    var numbers = Numbers(seed: 11)
    let images = numbers.array(network.inputCount)
    let teacher = numbers.array(network.outputCount, in: -4...4)
    let trainer = try MobileNetTrainer(
        network: network, loss: SoftmaxDistillationLoss(temperature: 1),
        optimizer: Adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0))
    var first: Float = 0
    var last: Float = 0
    for step in 0..<steps {
        last = try images.withUnsafeBufferPointer { images in
            try teacher.withUnsafeBufferPointer { teacher in
                try trainer.trainStep(images: images, teacher: teacher, labels: nil, learningRate: 3e-3)
            }
        }
        if step == 0 { first = last }
    }
    return (first, last)
}

/// Runs an initialised network and its reference twin on the same random images in training mode,
/// back-propagates the same output gradient, then evaluates; expects outputs, running statistics, every
/// parameter gradient and the evaluation outputs to agree. A tensor's gradient may differ by 2e-3 of
/// max(`minimumScale`, its largest value) plus `floorShare` of the network's largest gradient (float noise in
/// tensors whose true gradient is zero).
/// - Returns: The images and the evaluation-mode outputs.
func expectReferenceAgreement(
    _ network: MobileNet, numbers: inout Numbers, minimumScale: Float = 0, floorShare: Float = 0
) throws -> (images: [Float], evaluation: [Float]) {
    let batch = network.batch
    let reference = MobileNetReference(spec: network.spec, options: network.options)
    let images = numbers.array(network.inputCount)
    let parameters = network.parameters.array
    var statistics = network.statistics.array

    let output = try network.predict(images: images, training: true)
    let expected = reference.forward(
        images: images, batch: batch, parameters: parameters, statistics: &statistics, training: true)
    #expect(largestDifference(output, expected.output) <= 1e-3 * max(1, largestMagnitude(expected.output)))
    #expect(largestDifference(network.statistics.array, statistics) <= 1e-3 * max(1, largestMagnitude(statistics)))

    let outputGradient = numbers.array(network.outputCount)
    network.withOutputGradient { _ = $0.update(fromContentsOf: outputGradient) }
    network.zeroGradients()
    try network.backward()
    var gradients = [Float](repeating: 0, count: parameters.count)
    reference.backward(
        outputGradient: outputGradient, caches: expected.caches, batch: batch, parameters: parameters,
        gradients: &gradients)
    let computed = network.gradients.array
    let floor = floorShare * largestMagnitude(gradients)
    for parameter in network.layout.parameters {
        let range = parameter.offset..<(parameter.offset + parameter.count)
        let want = Array(gradients[range])
        let got = Array(computed[range])
        let scale = max(minimumScale, largestMagnitude(want))
        #expect(largestDifference(got, want) <= 2e-3 * scale + floor, "\(parameter.name): scale \(scale)")
    }

    let evaluation = try network.predict(images: images, training: false)
    let expectedEvaluation = reference.forward(
        images: images, batch: batch, parameters: parameters, statistics: &statistics, training: false
    ).output
    #expect(largestDifference(evaluation, expectedEvaluation) <= 1e-3 * max(1, largestMagnitude(expectedEvaluation)))
    return (images, evaluation)
}

@Suite("MobileNet on oneDNN and its reference twin")
struct MobileNetTests {
    @Test(
        "oneDNN network matches the reference network: outputs, statistics, every gradient",
        arguments: [
            (Activation.relu, MobileNetVariant.separable), (.relu6, .separable), (.relu, .shallow),
            (.relu, .fullConvolution),
        ])
    func agreement(_ activation: Activation, _ variant: MobileNetVariant) throws {
        let spec = try MobileNetSpec(alpha: 0.25, resolution: 32, outputs: 5, variant: variant)
        let options = MobileNetOptions(activation: activation, batchNormMomentum: 0.9)
        let batch = 3
        let network = try MobileNet(spec: spec, batch: batch, options: options)
        network.initialize(seed: 42)
        var numbers = Numbers(seed: 7)
        _ = try expectReferenceAgreement(network, numbers: &numbers, minimumScale: 1e-3)
    }

    @Test("reference network gradients match finite differences (α 0.25, resolution 32)")
    func finiteDifferences() throws {
        let spec = try MobileNetSpec(alpha: 0.25, resolution: 32, outputs: 4)
        let reference = MobileNetReference(spec: spec)
        let layout = reference.layout
        let batch = 8
        var numbers = Numbers(seed: 3)
        var parameters = [Float](repeating: 0, count: layout.parameterCount)
        var statistics = [Float](repeating: 0, count: layout.statisticsCount)
        var generator = SeededGenerator(seed: 5)
        parameters.withUnsafeMutableBufferPointer { values in
            statistics.withUnsafeMutableBufferPointer { statistics in
                layout.initialize(parameters: values, statistics: statistics, generator: &generator)
            }
        }
        // Shift every batch norm's output to mean 1.5 so few activations sit near ReLU's kink, where a
        // finite step would cross it (with β = 0 half of them do, and differences stop converging).
        for parameter in layout.parameters where parameter.role == .shift {
            for index in parameter.offset..<(parameter.offset + parameter.count) { parameters[index] = 1.5 }
        }
        let images = numbers.array(batch * 3 * 32 * 32)
        let probe = numbers.array(batch * 4)
        func loss(_ parameters: [Float]) -> Double {
            var scratch = statistics
            let output = reference.forward(
                images: images, batch: batch, parameters: parameters, statistics: &scratch, training: true
            ).output
            return zip(output, probe).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        var scratch = statistics
        let forward = reference.forward(
            images: images, batch: batch, parameters: parameters, statistics: &scratch, training: true)
        var gradients = [Float](repeating: 0, count: parameters.count)
        reference.backward(
            outputGradient: probe, caches: forward.caches, batch: batch, parameters: parameters, gradients: &gradients)
        // Per tensor, the directional derivative along the analytic gradient's own direction g/|g| must
        // equal |g|. Moving a whole tensor a small step averages out single ReLU-kink crossings and float
        // rounding that make single-coordinate differences of a deep network unreliable; a wrong scale
        // or wrong components of g break the equality.
        let names = [
            "conv1.weights", "conv1.scale", "block1.dw.weights", "block1.pw.weights", "block2.dw.shift",
            "block6.pw.weights", "block12.dw.scale", "block13.pw.weights", "fc.weights", "fc.bias",
        ]
        for name in names {
            let parameter = try #require(layout.parameters.first { $0.name == name }, "no tensor \(name)")
            let range = parameter.offset..<(parameter.offset + parameter.count)
            let norm = Float(gradients[range].reduce(0) { $0 + Double($1) * Double($1) }.squareRoot())
            #expect(norm > 0, "\(name) has a zero gradient")
            let step: Float = 1e-3
            var plus = parameters
            var minus = parameters
            for index in range {
                plus[index] += step * gradients[index] / norm
                minus[index] -= step * gradients[index] / norm
            }
            let numeric = Float((loss(plus) - loss(minus)) / Double(2 * step))
            #expect(abs(numeric - norm) <= 3e-2 * norm, "\(name): numeric \(numeric), analytic |g| \(norm)")
            // Along g's own direction a gradient that misses components still passes; along random unit
            // directions d the derivative is g·d, where missing components show.
            for _ in 0..<3 {
                let direction = numbers.array(parameter.count)
                let length = Float(direction.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot())
                var plus = parameters
                var minus = parameters
                var analytic: Double = 0
                for (offset, index) in range.enumerated() {
                    let component = direction[offset] / length
                    plus[index] += step * component
                    minus[index] -= step * component
                    analytic += Double(gradients[index]) * Double(component)
                }
                let numeric = (loss(plus) - loss(minus)) / Double(2 * step)
                // g·d is about |g|/√n; measured errors stay under 2% of it plus 1% of |g|/√n, while a gradient
                // missing a fifth of its norm is off by about 20% of |g|/√n.
                let tolerance = 0.05 * abs(analytic) + 0.03 * Double(norm) / Double(parameter.count).squareRoot()
                #expect(
                    abs(numeric - analytic) <= tolerance,
                    "\(name) along a random direction: numeric \(numeric), analytic g·d \(analytic)")
            }
        }
    }

    @Test("a tiny MobileNet drives the distillation loss on a fixed batch of 16 images near zero")
    func fitsFixedBatch() throws {
        let (first, last) = try fitFixedBatch(try MobileNetSpec(alpha: 0.25, resolution: 32, outputs: 10), steps: 120)
        #expect(first > 0.3, "initial loss \(first)")
        #expect(last < 0.01, "loss went from \(first) to \(last) in 120 steps")
    }

    @Test("a batch too large for this machine's memory is refused with the size it needs")
    func batchTooLarge() throws {
        let spec = try MobileNetSpec(alpha: 1.0, resolution: 224, outputs: 1000)
        let error = try #require(throws: EngineError.self) { try MobileNet(spec: spec, batch: 100_000_000) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.hasPrefix("A batch of 100000000 at α1.0/224 needs about "))
        #expect(error.message.hasSuffix(" MiB; use a smaller batch."))
    }
}
