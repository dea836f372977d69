// Copyright 2026 The Distill authors.

import DistillEngine
import DistillModels
import Testing

@Suite("MobileNet parameter layout, FLOPs and reproducibility")
struct MobileNetLayoutTests {
    @Test("weight-decayed tensors come first and depthwise filters, batch norm and biases are never decayed")
    func layout() throws {
        let spec = try MobileNetSpec(alpha: 1.0, resolution: 224, outputs: 1000)
        let layout = MobileNetParameterLayout(spec: spec)
        var expectedOffset = 0
        for parameter in layout.parameters {
            #expect(parameter.offset == expectedOffset, "\(parameter.name) is not contiguous")
            expectedOffset += parameter.count
            #expect(parameter.applyWeightDecay == (parameter.offset < layout.decayedCount), "\(parameter.name)")
        }
        #expect(expectedOffset == layout.parameterCount)
        #expect(layout.parameters.filter { $0.role == .depthwiseWeights }.allSatisfy { !$0.applyWeightDecay })
        #expect(layout.parameters.filter { $0.role == .depthwiseWeights }.count == 13)
        // The paper's 4.2 M parameters are the convolution and fc weights (Table 6).
        let weights = layout.parameters.filter { $0.role == .weights || $0.role == .depthwiseWeights }
        let weightCount = weights.reduce(0) { $0 + $1.count }
        #expect((Double(weightCount) / 1e5).rounded() / 10 == 4.2)
        #expect(layout.parameter(layer: "block1.dw", role: .depthwiseWeights)?.shape == [64 / 2, 1, 3, 3])
    }

    @Test("forward FLOPs are twice the paper's Mult-Adds (569 M for α 1.0 at 224, 41 M for α 0.25)")
    func forwardFLOPs() throws {
        let full = try MobileNetSpec(alpha: 1.0, resolution: 224, outputs: 1000)
        #expect((MobileNetBenchmark.forwardFLOPs(full) / 2e6).rounded() == 569)
        let quarter = try MobileNetSpec(alpha: 0.25, resolution: 224, outputs: 1000)
        #expect((MobileNetBenchmark.forwardFLOPs(quarter) / 2e6).rounded() == 41)
    }

    @Test("two runs from the same seed give bit-identical weights on the same thread count")
    func reproducible() throws {
        let spec = try MobileNetSpec(alpha: 0.25, resolution: 32, outputs: 10)
        var generator = SeededGenerator(seed: 4)
        var images = [Float](repeating: 0, count: 8 * 3 * 32 * 32)
        images.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        var teacher = [Float](repeating: 0, count: 8 * 10)
        teacher.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        func train() throws -> ([Float], [Float]) {
            let network = try MobileNet(spec: spec, batch: 8)
            network.initialize(seed: 9)
            let trainer = try MobileNetTrainer(
                network: network, loss: SoftmaxDistillationLoss(temperature: 4), optimizer: SGD(momentum: 0.9))
            for _ in 0..<3 {
                try images.withUnsafeBufferPointer { images in
                    try teacher.withUnsafeBufferPointer { teacher in
                        _ = try trainer.trainStep(images: images, teacher: teacher, labels: nil, learningRate: 0.05)
                    }
                }
            }
            return (network.parameters.array, network.statistics.array)
        }
        let first = try train()
        let second = try train()
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
        #expect(first.0 != [Float](repeating: first.0[0], count: first.0.count))
    }
}
