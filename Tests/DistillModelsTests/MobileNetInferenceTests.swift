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

    @Test(
        "streams give the one-pass outputs, whatever the streams and pass size (dense layers once per slice)",
        arguments: [MobileNetArchitecture.v1, .v3Small])
    func streamsMatchOnePass(_ architecture: MobileNetArchitecture) throws {
        let spec = try MobileNetSpec(
            alpha: architecture == .v1 ? 0.25 : 0.35, resolution: 32, outputs: 5, architecture: architecture)
        let network = try MobileNet(spec: spec, batch: 4, options: MobileNetOptions(batchNormMomentum: 0))
        network.initialize(seed: 3)
        var numbers = Numbers(seed: 4)
        network.withInput { buffer in _ = buffer.update(fromContentsOf: numbers.array(buffer.count)) }
        try network.forward(training: true)  // realistic running statistics
        let batch = 7
        let onePass = try MobileNetInference(folding: network, batch: batch, streams: 0)
        #expect(onePass.streams == 0)
        let images = numbers.array(onePass.inputCount)
        let expected = try onePass.predict(images: images)
        #expect(Set(expected.map { $0.bitPattern }).count > expected.count / 2, "outputs vary by image")
        let scale = max(1, largestMagnitude(expected))
        // Slices of 4 and 3 images; 3 per pass leaves short last chunks (3 + 1 and 3); 7 streams take one each.
        for (streams, perPass) in [(1, 1), (1, 7), (2, 1), (2, 3), (3, 2), (7, 1)] {
            let streamed = try MobileNetInference(
                folding: network, batch: batch, streams: streams, imagesPerPass: perPass)
            #expect(streamed.streams == streams)
            // Passes shorter than the slice run the dense layers once per slice (V3's hidden layer and h-swish too).
            #expect(streamed.runsDenseLayersPerSlice == (perPass < (batch + streams - 1) / streams))
            let output = try streamed.predict(images: images)
            #expect(
                largestDifference(output, expected) <= 1e-5 * scale,
                "\(streams) streams, \(perPass) per pass: differs by \(largestDifference(output, expected))")
            // A second batch through the same streams: nothing of the first one stays behind.
            let reversed = try onePass.predict(images: Array(images.reversed()))
            let again = try streamed.predict(images: Array(images.reversed()))
            #expect(largestDifference(again, reversed) <= 1e-5 * scale)
        }
        #expect(throws: EngineError.self) { try MobileNetInference(folding: network, batch: 3, streams: 4) }
        #expect(throws: EngineError.self) {
            try MobileNetInference(folding: network, batch: 4, streams: 2, imagesPerPass: 3)
        }
        let unrun = try MobileNetInference(folding: network, batch: 4, streams: 2)
        #expect(throws: EngineError.self) { try unrun.withOutput { _ in } }
    }
}
