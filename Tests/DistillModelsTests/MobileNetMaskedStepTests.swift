// Copyright 2026 The Distill authors.

import DistillEngine
import DistillModels
import Foundation
import Testing

@Suite("Training steps that leave images out (failed decodes)")
struct MobileNetMaskedStepTests {
    @Test("an excluded row's input is replaced by another row's and the loss is the mean over the kept rows only")
    func excludedRows() throws {
        let spec = try MobileNetSpec(alpha: 0.25, resolution: 32, outputs: 10)
        let batch = 4
        var generator = SeededGenerator(seed: 8)
        var images = [Float](repeating: 0, count: batch * 3 * 32 * 32)
        images.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        // Row 2 is garbage: trained on, it would poison the batch-norm statistics and every weight.
        let sample = 3 * 32 * 32
        for index in (2 * sample)..<(3 * sample) { images[index] = .nan }
        var teacher = [Float](repeating: 0, count: batch * 10)
        teacher.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        let network = try MobileNet(spec: spec, batch: batch)
        network.initialize(seed: 5)
        let loss = SoftmaxDistillationLoss(temperature: 2)
        let trainer = try MobileNetTrainer(network: network, loss: loss, optimizer: SGD(momentum: 0.9))
        let value = try images.withUnsafeBufferPointer { imagePointer in
            try teacher.withUnsafeBufferPointer { teacherPointer in
                try trainer.trainStep(
                    images: imagePointer, teacher: teacherPointer, labels: nil, learningRate: 0.01, excluding: [2])
            }
        }
        #expect(value.isFinite)
        #expect(network.parameters.array.allSatisfy { $0.isFinite })
        // The forward pass saw row 0's image in row 2's slot: the two output rows agree.
        let outputs = try network.withOutput { Array($0) }
        #expect(outputs[0..<10] == outputs[20..<30])
        // The returned loss is the loss of rows 0, 1 and 3 alone, computed independently from the outputs.
        let kept = [0, 1, 3]
        let keptOutputs = kept.flatMap { outputs[($0 * 10)..<(($0 + 1) * 10)] }
        let keptTeacher = kept.flatMap { teacher[($0 * 10)..<(($0 + 1) * 10)] }
        var gradient = [Float](repeating: 0, count: 30)
        let expected = keptOutputs.withUnsafeBufferPointer { s in
            keptTeacher.withUnsafeBufferPointer { t in
                gradient.withUnsafeMutableBufferPointer { g in
                    loss.lossAndGradient(student: s, teacher: t, labels: nil, batch: 3, width: 10, gradient: g)
                }
            }
        }
        #expect(abs(value - expected) < 1e-6 * max(1, abs(expected)))
        // Every row excluded: refused, nothing trained.
        #expect(throws: EngineError.self) {
            try images.withUnsafeBufferPointer { imagePointer in
                try teacher.withUnsafeBufferPointer { teacherPointer in
                    try trainer.trainStep(
                        images: imagePointer, teacher: teacherPointer, labels: nil, learningRate: 0.01,
                        excluding: [0, 1, 2, 3])
                }
            }
        }
        #expect(trainer.step == 1)
    }
}
