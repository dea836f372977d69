// Copyright 2026 The Distill authors.

import DistillEngine
import DistillModels
import Testing

@Suite("MobileNet inference with batch norm folded into the convolutions")
struct MobileNetInferenceTests {
    @Test("folded network matches the evaluation-mode network", arguments: Activation.allCases)
    func foldedMatchesEvaluation(_ activation: Activation) throws {
        let spec = try MobileNetSpec(alpha: 0.25, resolution: 32, outputs: 7)
        let network = try MobileNet(spec: spec, batch: 4, options: MobileNetOptions(activation: activation))
        network.initialize(seed: 8)
        var numbers = Numbers(seed: 2)
        // Non-trivial running statistics and affine parameters, as after training.
        for entry in network.layout.statistics {
            for c in 0..<entry.channels {
                network.statistics[entry.offset + c] = numbers.array(1, in: -0.2...0.2)[0]
                network.statistics[entry.offset + entry.channels + c] = numbers.array(1, in: 0.5...2)[0]
            }
        }
        for parameter in network.layout.parameters where parameter.role == .scale || parameter.role == .shift {
            for index in parameter.offset..<(parameter.offset + parameter.count) {
                network.parameters[index] = numbers.array(1, in: parameter.role == .scale ? 0.5...1.5 : -0.5...0.5)[0]
            }
        }
        let images = numbers.array(network.inputCount)
        let expected = try network.predict(images: images, training: false)

        let folded = try MobileNetInference(folding: network)
        let output = try folded.predict(images: images)
        let scale = max(1, largestMagnitude(expected))
        #expect(
            largestDifference(output, expected) <= 1e-4 * scale, "differs by \(largestDifference(output, expected))")

        let single = try MobileNetInference(folding: network, batch: 1)
        let first = try single.predict(images: Array(images[0..<single.inputCount]))
        #expect(largestDifference(first, Array(expected[0..<7])) <= 1e-4 * scale)
    }
}
