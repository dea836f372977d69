// Copyright 2026 The Distill authors.

import DistillEngine
import DistillModels
import Foundation
import Testing

@Suite("MobileNet checkpoints")
struct MobileNetCheckpointTests {
    @Test("resuming from a checkpoint file gives the same weights as an uninterrupted run")
    func resume() throws {
        let spec = try MobileNetSpec(alpha: 0.25, resolution: 32, outputs: 10)
        var generator = SeededGenerator(seed: 21)
        var images = [Float](repeating: 0, count: 4 * 8 * 3 * 32 * 32)
        images.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        var teacher = [Float](repeating: 0, count: 4 * 8 * 10)
        teacher.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        func makeTrainer() throws -> MobileNetTrainer {
            let network = try MobileNet(spec: spec, batch: 8)
            network.initialize(seed: 3)
            return try MobileNetTrainer(
                network: network, loss: SoftmaxDistillationLoss(temperature: 4),
                optimizer: Adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4))
        }
        func train(_ trainer: MobileNetTrainer, batches: Range<Int>) throws {
            for batch in batches {
                let imageRange = (batch * 8 * 3 * 32 * 32)..<((batch + 1) * 8 * 3 * 32 * 32)
                let teacherRange = (batch * 80)..<((batch + 1) * 80)
                try images[imageRange].withUnsafeBufferPointer { images in
                    try teacher[teacherRange].withUnsafeBufferPointer { teacher in
                        _ = try trainer.trainStep(images: images, teacher: teacher, labels: nil, learningRate: 0.01)
                    }
                }
            }
        }
        let straight = try makeTrainer()
        try train(straight, batches: 0..<4)

        let first = try makeTrainer()
        try train(first, batches: 0..<2)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "distill-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("run.ckpt")
        try first.checkpoint().write(to: file)

        let resumed = try makeTrainer()
        try resumed.restore(from: Checkpoint.read(from: file))
        #expect(resumed.step == 2)
        try train(resumed, batches: 2..<4)
        #expect(resumed.network.parameters.array == straight.network.parameters.array)
        #expect(resumed.network.statistics.array == straight.network.statistics.array)
        #expect(resumed.state.array == straight.state.array)
    }

    @Test("restoring a checkpoint of another width names the mismatched tensor")
    func mismatch() throws {
        let small = try MobileNetTrainer(
            network: MobileNet(spec: MobileNetSpec(alpha: 0.25, resolution: 32, outputs: 10), batch: 2),
            loss: SoftmaxDistillationLoss(), optimizer: SGD(momentum: 0.9))
        let wide = try MobileNetTrainer(
            network: MobileNet(spec: MobileNetSpec(alpha: 0.5, resolution: 32, outputs: 10), batch: 2),
            loss: SoftmaxDistillationLoss(), optimizer: SGD(momentum: 0.9))
        let error = try #require(throws: EngineError.self) { try wide.restore(from: small.checkpoint()) }
        #expect(error.code == .shapeMismatch)
        #expect(error.message.hasPrefix("Checkpoint tensor conv1.weights holds 216 values but this network needs 432"))
    }
}
