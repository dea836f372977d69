// Copyright 2026 The Distill authors.
// MobileNet V2's and V3's layers: squeeze-and-excitation and the residual add against their reference
// twins on odd shapes (19 channels, 7x9, batch 3) in every layout the network hands them, and the reference
// squeeze-and-excitation against finite differences.

import DistillEngine
import DistillTestSupport
import Testing

private func near(_ a: [Float], _ b: [Float], _ what: String, tolerance: Float = 1e-4) {
    #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
    let scale = max(1, b.lazy.map { abs($0) }.largest() ?? 0)
    let difference = maxDifference(a, b)
    #expect(difference <= tolerance * scale, "\(what) differs by \(difference) (scale \(scale))")
}

@Suite("MobileNet V2 and V3 layers")
struct InvertedResidualLayerTests {
    @Test(
        "squeeze-and-excitation forward, input gradient and parameter gradients match the reference",
        arguments: [true, false])
    func squeezeExcitation(blocked: Bool) throws {
        let (batch, channels, squeeze, height, width) = (3, 19, 5, 7, 9)
        let dimensions = [batch, channels, height, width]
        let spatial = height * width
        var values = TestValues(seed: 21)
        let input = values.array(batch * channels * spatial)
        let w1 = values.array(squeeze * channels, in: -0.5...0.5)
        let b1 = values.array(squeeze, in: -0.5...0.5)
        let w2 = values.array(channels * squeeze, in: -1...1)
        let b2 = values.array(channels, in: -1...1)
        let initialGradient = values.array(w1.count + b1.count + w2.count + b2.count, in: -1...1)
        let context = try ComputeContext()
        let parameters = FloatBuffer(w1 + b1 + w2 + b2)
        let gradients = FloatBuffer(initialGradient)
        let descriptor = try MemoryDescriptor.activation(dimensions, blocked: blocked)
        let layer = try SqueezeExcitationLayer(
            dimensions: dimensions, squeeze: squeeze, inputDescriptor: descriptor, values: parameters,
            gradients: gradients,
            offsets: .init(
                reduceWeights: 0, reduceBias: w1.count, expandWeights: w1.count + b1.count,
                expandBias: w1.count + b1.count + w2.count),
            context: context)
        let inputMemory = try Memory(descriptor, context: context)
        try inputMemory.write(input, context: context)
        let output = try layer.forward(inputMemory, training: true).read(context: context)

        let reference = ReferenceSqueezeExcitation(channels: channels, squeeze: squeeze)
        let expected = reference.forward(
            input: input, reduceWeights: w1, reduceBias: b1, expandWeights: w2, expandBias: b2, batch: batch,
            spatial: spatial)
        near(output, expected.output, "forward")
        // Some channels must be scaled strictly between 0 and 1, or the hard-sigmoid's gradient is never tested.
        let scales = expected.cache.excitation.map { min(max($0 + 3, 0), 6) / 6 }
        #expect(scales.contains { $0 > 0.05 && $0 < 0.95 })

        let outputGradient = values.array(input.count, in: -1...1)
        let gradientMemory = try Memory(layer.outputDescriptor, context: context)
        try gradientMemory.write(outputGradient, context: context)
        let inputGradient = try #require(try layer.backward(gradientMemory)).read(context: context)
        var dW1 = Array(initialGradient[0..<w1.count])
        var db1 = Array(initialGradient[w1.count..<(w1.count + b1.count)])
        var dW2 = Array(initialGradient[(w1.count + b1.count)..<(w1.count + b1.count + w2.count)])
        var db2 = Array(initialGradient[(w1.count + b1.count + w2.count)...])
        let expectedInputGradient = reference.backward(
            outputGradient: outputGradient, cache: expected.cache, reduceWeights: w1, expandWeights: w2,
            reduceWeightGradient: &dW1, reduceBiasGradient: &db1, expandWeightGradient: &dW2,
            expandBiasGradient: &db2, batch: batch, spatial: spatial)
        near(inputGradient, expectedInputGradient, "input gradient")
        near(gradients.array, dW1 + db1 + dW2 + db2, "parameter gradients", tolerance: 2e-4)

        let evaluation = try layer.forward(inputMemory, training: false).read(context: context)
        near(evaluation, expected.output, "evaluation")
    }

    @Test("squeeze-and-excitation's reference gradients match finite differences")
    func squeezeExcitationFiniteDifferences() {
        let (batch, channels, squeeze, spatial) = (2, 6, 3, 5)
        let layer = ReferenceSqueezeExcitation(channels: channels, squeeze: squeeze)
        var values = TestValues(seed: 23)
        let input = values.array(batch * channels * spatial, in: -2...2)
        let w1 = values.array(squeeze * channels, in: -1...1)
        let b1 = values.array(squeeze, in: 0.2...0.8)
        let w2 = values.array(channels * squeeze, in: -1...1)
        let b2 = values.array(channels, in: -1...1)
        let probe = values.array(input.count, in: -1...1)
        func loss(_ x: [Float], _ w1: [Float], _ b1: [Float], _ w2: [Float], _ b2: [Float]) -> Double {
            dot(
                probe,
                layer.forward(
                    input: x, reduceWeights: w1, reduceBias: b1, expandWeights: w2, expandBias: b2, batch: batch,
                    spatial: spatial
                ).output)
        }
        let forward = layer.forward(
            input: input, reduceWeights: w1, reduceBias: b1, expandWeights: w2, expandBias: b2, batch: batch,
            spatial: spatial)
        var dW1 = [Float](repeating: 0, count: w1.count)
        var db1 = [Float](repeating: 0, count: b1.count)
        var dW2 = [Float](repeating: 0, count: w2.count)
        var db2 = [Float](repeating: 0, count: b2.count)
        let inputGradient = layer.backward(
            outputGradient: probe, cache: forward.cache, reduceWeights: w1, expandWeights: w2,
            reduceWeightGradient: &dW1, reduceBiasGradient: &db1, expandWeightGradient: &dW2, expandBiasGradient: &db2,
            batch: batch, spatial: spatial)
        #expect(db2.contains { $0 != 0 } && db1.contains { $0 != 0 }, "the excitation path carries no gradient")
        expectFiniteDifferences("input", point: input, analytic: inputGradient, samples: 20, step: 1e-3) {
            loss($0, w1, b1, w2, b2)
        }
        expectFiniteDifferences("reduce weights", point: w1, analytic: dW1, samples: 12, step: 1e-3) {
            loss(input, $0, b1, w2, b2)
        }
        expectFiniteDifferences("reduce bias", point: b1, analytic: db1, samples: 6, step: 1e-3) {
            loss(input, w1, $0, w2, b2)
        }
        expectFiniteDifferences("expand weights", point: w2, analytic: dW2, samples: 12, step: 1e-3) {
            loss(input, w1, b1, $0, b2)
        }
        expectFiniteDifferences("expand bias", point: b2, analytic: db2, samples: 6, step: 1e-3) {
            loss(input, w1, b1, w2, $0)
        }
    }

    @Test(
        "residual add: the sum forward, the gradient handed through and added to the shortcut's gradient",
        arguments: [true, false])
    func residual(blockedShortcut: Bool) throws {
        let dimensions = [3, 19, 7, 9]
        let count = dimensions.reduce(1, *)
        var values = TestValues(seed: 29)
        let main = values.array(count)
        let shortcut = values.array(count)
        let context = try ComputeContext()
        let mainDescriptor = try MemoryDescriptor.activation(dimensions, blocked: true)
        let shortcutDescriptor = try MemoryDescriptor.activation(dimensions, blocked: blockedShortcut)
        let layer = try ResidualAddLayer(
            dimensions: dimensions, inputDescriptor: mainDescriptor, shortcutDescriptor: shortcutDescriptor,
            context: context)
        let mainMemory = try Memory(mainDescriptor, context: context)
        try mainMemory.write(main, context: context)
        let shortcutMemory = try Memory(shortcutDescriptor, context: context)
        try shortcutMemory.write(shortcut, context: context)
        layer.shortcut = shortcutMemory
        let output = try layer.forward(mainMemory, training: true).read(context: context)
        near(output, zip(main, shortcut).map(+), "forward")
        #expect(try shortcutMemory.read(context: context) == shortcut, "the shortcut was changed")

        let outputGradient = values.array(count, in: -1...1)
        let gradientMemory = try Memory(mainDescriptor, context: context)
        try gradientMemory.write(outputGradient, context: context)
        let through = try #require(try layer.backward(gradientMemory)).read(context: context)
        #expect(through == outputGradient)
        let blockInputGradient = values.array(count, in: -1...1)
        let blockMemory = try Memory(shortcutDescriptor, context: context)
        try blockMemory.write(blockInputGradient, context: context)
        try layer.addShortcutGradient(into: blockMemory)
        near(try blockMemory.read(context: context), zip(blockInputGradient, outputGradient).map(+), "shortcut gradient")
        #expect(throws: EngineError.self) { try layer.addShortcutGradient(into: blockMemory) }
    }
}
