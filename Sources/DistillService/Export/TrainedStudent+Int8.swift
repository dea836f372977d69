// Copyright 2026 The Distill authors.
// Post-training int8 quantization of a trained student, calibrated on its own training images (no labels
// needed): evenly spaced samples of the run's frozen training set, decoded and normalised as in training.

import DistillData
import DistillModels
import DistillStore
import Foundation

extension TrainedStudent {
    /// The default number of calibration images.
    public static let calibrationImageCount = 300

    /// Up to `count` of the run's training images, evenly spaced, each (3, R, R).
    /// - Parameters:
    ///   - count: How many images at most.
    ///   - store: The database (its data directory holds the image cache).
    /// - Returns: The images.
    /// - Throws: `ServiceError.invalidArgument` when the run recorded no training images; cache errors.
    public func calibrationImages(count: Int, store: Store) throws -> [[Float]] {
        guard let frozen = try store.frozenSamples(runID: run.id), !frozen.training.isEmpty else {
            throw ServiceError.invalid(
                "Run \(reference) recorded no training images to calibrate int8 ranges on; retrain it with "
                    + "`distill retry \(job.id)`.")
        }
        let stride = max(1, frozen.training.count / max(count, 1))
        let chosen = Array(Swift.stride(from: 0, to: frozen.training.count, by: stride).prefix(count))
            .map { frozen.training[$0].sha256 }
        let loader = try ImageBatchLoader(
            cache: ImageCache(dataDirectory: store.location.dataDirectory), resolution: run.resolution,
            normalization: normalization)
        let sample = loader.sampleCount
        var images: [[Float]] = []
        var start = 0
        while start < chosen.count {
            let digests = Array(chosen[start..<min(chosen.count, start + 64)])
            var batch = [Float](repeating: 0, count: digests.count * sample)
            let failures = try batch.withUnsafeMutableBufferPointer { try loader.fill(digests: digests, into: $0) }
            for index in digests.indices where failures[index] == nil {
                images.append(Array(batch[(index * sample)..<((index + 1) * sample)]))
            }
            start += digests.count
        }
        guard !images.isEmpty else {
            throw ServiceError.invalid(
                "None of run \(reference)'s training images could be read from the cache to calibrate int8 ranges; "
                    + "fetch them again with `distill fetch`.")
        }
        return images
    }

    /// The student quantized to int8, calibrated on up to `calibrationCount` training images.
    /// - Parameters:
    ///   - calibrationCount: How many training images calibrate the activation ranges.
    ///   - store: The database.
    /// - Returns: The quantized network.
    /// - Throws: As ``calibrationImages(count:store:)``; `ModelsError` if folding fails.
    public func quantized(calibrationCount: Int = calibrationImageCount, store: Store) throws -> QuantizedMobileNet {
        let folded = try FoldedMobileNet(network: network)
        return try QuantizedMobileNet(
            folded: folded, calibrationImages: try calibrationImages(count: calibrationCount, store: store))
    }
}
