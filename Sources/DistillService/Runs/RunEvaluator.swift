// Copyright 2026 The Distill authors.
// Evaluates a trained student on a job's evaluation samples: batch norm folded (MobileNetInference), the
// outputs (N, D) compared with labels and with the teacher's outputs by the teacher's kind.

import DistillData
import DistillEngine
import DistillExport
import DistillModels
import DistillStore
import Foundation

/// The evaluation figures of a student; nil where the data do not allow a figure.
public struct RunEvaluation: Sendable, Equatable {
    /// Top-1 accuracy against labels (logits teachers, labelled images).
    public var top1: Double?
    /// Top-1 match with the teacher (logits teachers).
    public var teacherAgreement: Double?
    /// Mean KL(teacher ‖ student) at T = 1 (logits teachers).
    public var teacherKL: Double?
    /// Mean AP (attribute teachers).
    public var meanAP: Double?
    /// Validation rate at FAR 1e-4 (embedding teachers, images with a class as identity).
    public var verificationAccuracy: Double?
    /// Mean squared distance to the teacher (embedding teachers).
    public var embeddingDistance: Double?
    /// The distillation loss on the images that have teacher outputs.
    public var evalLoss: Double?
    /// Evaluation images that failed to decode, left out of every figure.
    public var failedImages = 0
}

/// Runs a student over evaluation samples and computes the metrics of its teacher's kind.
public enum RunEvaluator {
    /// Images per inference pass.
    static let batchLimit = 64

    /// Evaluates a network.
    ///
    /// Attribute teachers: AP targets are the labels file's attribute columns when every sample has as many as
    /// the teacher has outputs, else the teacher's own decisions (sigmoid(t) > 0.5, i.e. t > 0). Embedding
    /// verification compares L2-normalised embeddings (FaceNet's). Images that fail to decode are left out of
    /// every figure and counted in `failedImages`.
    /// - Parameters:
    ///   - network: The trained network (its parameters and running statistics are folded).
    ///   - kind: The teacher's kind.
    ///   - loss: The training loss, for `evalLoss`.
    ///   - samples: The evaluation samples.
    ///   - loader: Decodes cached images at the network's resolution.
    ///   - shouldStop: Checked before every batch; true → `CancellationError`.
    /// - Returns: The figures (all nil for an empty set).
    /// - Throws: `EngineError` if oneDNN fails, `ServiceError` for non-finite outputs, `CancellationError`.
    public static func evaluate(
        network: MobileNet, kind: TeacherKind, loss: any DistillationLoss, samples: [RunSample],
        loader: ImageBatchLoader, shouldStop: () -> Bool = { false }
    ) throws -> RunEvaluation {
        guard !samples.isEmpty else { return RunEvaluation() }
        let decoded = try infer(network: network, samples: samples, loader: loader, shouldStop: shouldStop)
        let (samples, outputs, failed) = (decoded.samples, decoded.outputs, decoded.failed)
        guard !samples.isEmpty else { return RunEvaluation(failedImages: failed) }
        let width = network.spec.outputs
        return try figures(outputs: outputs, width: width, kind: kind, loss: loss, samples: samples, failed: failed)
    }

    /// Evaluates the int8 student on evaluation samples, as `evaluate` does the float one: on oneDNN's int8
    /// convolutions for V1 (``MobileNetInt8Inference``), on ``QuantizedMobileNet``'s plain-Swift int8 reference
    /// for V2 and V3 (one image per core at a time; slower, and exactly what the exported files compute).
    /// - Parameters:
    ///   - quantized: The student quantized to int8.
    ///   - kind: The teacher's kind.
    ///   - loss: The training loss, for `evalLoss`.
    ///   - samples: The evaluation samples.
    ///   - loader: Decodes cached images at the network's resolution.
    ///   - shouldStop: Checked before every batch; true → `CancellationError`.
    /// - Returns: The figures (all nil for an empty set).
    /// - Throws: `EngineError` / `ModelsError` if oneDNN fails, `ServiceError` for non-finite outputs.
    public static func evaluateInt8(
        quantized: QuantizedMobileNet, kind: TeacherKind, loss: any DistillationLoss, samples: [RunSample],
        loader: ImageBatchLoader, shouldStop: () -> Bool = { false }
    ) throws -> RunEvaluation {
        guard !samples.isEmpty else { return RunEvaluation() }
        let width = quantized.folded.spec.outputs
        let batch = min(batchLimit, samples.count)
        let sample = loader.sampleCount
        var images = [Float](repeating: 0, count: batch * sample)
        let run: () throws -> [Float]
        if quantized.folded.isSequential {
            let inference = try MobileNetInt8Inference(quantized, batch: batch)
            run = { try inference.predict(images: images) }
        } else {
            run = { quantized.predict(images: images) }
        }
        let decoded = try batches(
            samples: samples, batch: batch, width: width, shouldStop: shouldStop,
            fill: { digests in try images.withUnsafeMutableBufferPointer { try loader.fill(digests: digests, into: $0) }
            },
            run: run)
        return try figures(
            outputs: decoded.outputs, width: width, kind: kind, loss: loss, samples: decoded.samples,
            failed: decoded.failed)
    }

    /// The metrics of the teacher's kind for outputs (N, D) of `samples`.
    static func figures(
        outputs: [Float], width: Int, kind: TeacherKind, loss: any DistillationLoss, samples: [RunSample], failed: Int
    ) throws -> RunEvaluation {
        func rows(_ indices: [Int]) -> [Float] {
            indices.flatMap { outputs[($0 * width)..<(($0 + 1) * width)] }
        }
        let withTeacher = samples.indices.filter { samples[$0].teacher?.count == width }
        let teacherRows = withTeacher.flatMap { samples[$0].teacher ?? [] }
        var result = RunEvaluation(failedImages: failed)
        if !withTeacher.isEmpty {
            let student = rows(withTeacher)
            var gradient = [Float](repeating: 0, count: student.count)
            let value = student.withUnsafeBufferPointer { s in
                teacherRows.withUnsafeBufferPointer { t in
                    gradient.withUnsafeMutableBufferPointer { g in
                        loss.lossAndGradient(
                            student: s, teacher: t, labels: nil, batch: withTeacher.count, width: width, gradient: g)
                    }
                }
            }
            result.evalLoss = Double(value)
        }
        switch kind {
        case .logits:
            let labelled = samples.indices.filter { samples[$0].label.map { $0 < width } ?? false }
            if !labelled.isEmpty {
                result.top1 = try ClassificationMetrics.topOneAccuracy(
                    logits: rows(labelled), labels: labelled.compactMap { samples[$0].label }, classes: width)
            }
            if !withTeacher.isEmpty {
                let agreement = try ClassificationMetrics.teacherAgreement(
                    student: rows(withTeacher), teacher: teacherRows, classes: width)
                result.teacherAgreement = agreement.topOneMatch
                result.teacherKL = agreement.meanKL
            }
        case .attributes:
            if samples.allSatisfy({ $0.attributes?.count == width }) {
                let truth = samples.flatMap { ($0.attributes ?? []).map { $0 > 0.5 } }
                result.meanAP = try AveragePrecision.report(scores: outputs, labels: truth, attributes: width).mean
            } else if !withTeacher.isEmpty {
                result.meanAP = try AveragePrecision.report(
                    scores: rows(withTeacher), labels: teacherRows.map { $0 > 0 }, attributes: width
                ).mean
            }
        case .embedding:
            let identified = samples.indices.filter { samples[$0].label != nil }
            let identities = identified.compactMap { samples[$0].label }
            if Set(identities).count > 1, identities.count > Set(identities).count {
                result.verificationAccuracy = try EmbeddingVerification.evaluate(
                    embeddings: normalized(rows(identified), width: width), identities: identities, dimension: width
                ).validationRate
            }
            if !withTeacher.isEmpty {
                result.embeddingDistance = try EmbeddingVerification.meanSquaredDistance(
                    student: rows(withTeacher), teacher: teacherRows, dimension: width)
            }
        }
        return result
    }

    /// The network's outputs `(N, D)` for the samples that decode, and how many did not.
    /// - Returns: The decoded samples, their outputs in the same order, and the failed count.
    static func infer(
        network: MobileNet, samples: [RunSample], loader: ImageBatchLoader, shouldStop: () -> Bool
    ) throws -> (samples: [RunSample], outputs: [Float], failed: Int) {
        let width = network.spec.outputs
        let inference = try MobileNetInference(folding: network, batch: min(batchLimit, samples.count))
        return try batches(
            samples: samples, batch: inference.batch, width: width, shouldStop: shouldStop,
            fill: { digests in try inference.withInput { try loader.fill(digests: digests, into: $0) } },
            run: {
                try inference.forward()
                return try inference.withOutput { Array($0) }
            })
    }

    /// Runs samples through a network batch by batch: `fill` decodes a batch's images into the network's input
    /// (a short last batch padded with its last image), `run` returns the batch's outputs `(batch, width)`. The
    /// outputs of padding and of images that fail to decode are dropped.
    /// - Returns: The decoded samples, their outputs in the same order, and the failed count.
    private static func batches(
        samples: [RunSample], batch: Int, width: Int, shouldStop: () -> Bool,
        fill: ([String]) throws -> [Int: DataError], run: () throws -> [Float]
    ) throws -> (samples: [RunSample], outputs: [Float], failed: Int) {
        var outputs: [Float] = []
        outputs.reserveCapacity(samples.count * width)
        var kept: [RunSample] = []
        var start = 0
        while start < samples.count {
            if shouldStop() { throw CancellationError() }
            let count = min(batch, samples.count - start)
            var digests = samples[start..<(start + count)].map(\.digest)
            while digests.count < batch { digests.append(digests[count - 1]) }
            let failures = try fill(digests)
            let values = try run()
            for row in 0..<count where failures[row] == nil {
                outputs.append(contentsOf: values[(row * width)..<((row + 1) * width)])
                kept.append(samples[start + row])
            }
            start += count
        }
        return (kept, outputs, samples.count - kept.count)
    }

    /// Rows `(N, D)` scaled to unit length (a zero row stays zero).
    static func normalized(_ rows: [Float], width: Int) -> [Float] {
        var result = rows
        for start in stride(from: 0, to: rows.count, by: width) {
            var sum: Float = 0
            for index in start..<(start + width) { sum += rows[index] * rows[index] }
            let scale = sum > 0 ? 1 / sum.squareRoot() : 0
            for index in start..<(start + width) { result[index] = rows[index] * scale }
        }
        return result
    }
}
