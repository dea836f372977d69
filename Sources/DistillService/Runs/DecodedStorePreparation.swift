// Copyright 2026 The Distill authors.
// `distill prepare JOB` and a daemon's decode-ahead: a job's images fetched and decoded into the decoded-image
// store for every resolution its runs train at, before its first epoch, so that epoch reads the store as later
// ones do instead of decoding (the first epoch is otherwise the slow one on photos).

import DistillData
import DistillStore
import Foundation

/// Fills the decoded-image store with a job's images ahead of training.
public enum DecodedStorePreparation {
    /// What was stored for one resolution of the job.
    public struct Line: Sendable, Equatable, Codable {
        /// The runs' input size.
        public var resolution: Int
        /// The side of the stored source images training crops are cut from; nil when training is not
        /// augmented (its images are stored as the student's input bytes, like the evaluation images).
        public var sourceSide: Int?
        /// Training images.
        public var trainingImages: Int
        /// Evaluation images.
        public var evaluationImages: Int
        /// Images decoded and stored now.
        public var stored: Int
        /// Images already in the store.
        public var present: Int
        /// Images that could not be stored (unreadable, or the store's bound was reached).
        public var failed: Int
        /// Seconds taken.
        public var seconds: Double
    }

    /// What a preparation did.
    public struct Summary: Sendable, Equatable, Codable {
        /// The job.
        public var jobID: Int64
        /// One line per resolution.
        public var lines: [Line]
        /// Bytes under the data directory's `decoded/` afterwards.
        public var storeBytes: Int64
        /// The store's bound (`images.decoded_store_bytes`).
        public var maximumBytes: Int64
    }

    /// Fetches a job's images (those not yet cached) and decodes them into the decoded-image store for each
    /// resolution its runs train at: evaluation images (and training images when training is not augmented) as
    /// the student's input bytes, augmented training images as the source images their crops are cut from.
    /// - Parameters:
    ///   - jobID: The job.
    ///   - store: The database.
    ///   - threads: Decoding threads.
    ///   - log: Receives a line per phase.
    ///   - fetchProgress: Receives fetch progress.
    ///   - progress: Receives (resolution, images done, images in all) while decoding.
    ///   - shouldStop: Checked while fetching and between chunks of images; true → `CancellationError` (what was
    ///     stored stays).
    /// - Returns: What was stored.
    /// - Throws: `ServiceError.invalidArgument` when the job keeps no decoded images (`decoded_store_bytes: 0`);
    ///   `StoreError.notFound` for an unknown job; the errors of fetching a job's images (`RunDataset.prepare`).
    public static func prepare(
        jobID: Int64, store: Store, threads: Int, log: (String) -> Void = { _ in },
        fetchProgress: (@Sendable (ImageFetchProgress) -> Void)? = nil,
        progress: (_ resolution: Int, _ done: Int, _ total: Int) -> Void = { _, _, _ in },
        shouldStop: () -> Bool = { false }
    ) throws -> Summary {
        let job = try store.job(id: jobID)
        let spec = try RunExecutor.decodeSpec(try store.jobSpecJSON(id: jobID), jobID: jobID)
        let maximumBytes = spec.images.decodedStoreBytes ?? JobSpec.Images.defaultDecodedStoreBytes
        guard maximumBytes > 0 else {
            throw ServiceError.invalid(
                "Job \(jobID) has `images.decoded_store_bytes: 0`: it keeps no decoded images, so there is nothing "
                    + "to prepare. Its runs decode every image every epoch.")
        }
        let teacher = try store.teacher(named: job.teacher)
        let dataset = try RunDataset.prepare(
            spec: spec, teacher: teacher, store: store, log: log, fetchProgress: fetchProgress,
            shouldStop: shouldStop)
        let cache = try ImageCache(dataDirectory: store.location.dataDirectory)
        let resolutions = Array(Set(try store.runs(jobID: jobID).map(\.resolution))).sorted()
        var lines: [Line] = []
        for resolution in resolutions {
            let started = Date()
            let side = RunSession.augmentedSourceSide(spec.training, resolution: resolution)
            let loader = try ImageBatchLoader(
                cache: cache, resolution: resolution, threads: max(1, threads), decodedStoreBytes: maximumBytes,
                augmentedSourceSide: side)
            let training = dataset.training.map(\.digest)
            let evaluation = dataset.evaluation.map(\.digest)
            let total = training.count + evaluation.count
            var counts = try loader.store(
                digests: training, augmented: side != nil, progress: { progress(resolution, $0, total) },
                shouldStop: shouldStop)
            let evaluated = try loader.store(
                digests: evaluation, augmented: false,
                progress: { progress(resolution, training.count + $0, total) }, shouldStop: shouldStop)
            counts.stored += evaluated.stored
            counts.present += evaluated.present
            counts.failed += evaluated.failed
            let line = Line(
                resolution: resolution, sourceSide: side, trainingImages: training.count,
                evaluationImages: evaluation.count, stored: counts.stored, present: counts.present,
                failed: counts.failed, seconds: Date().timeIntervalSince(started))
            lines.append(line)
            log(
                "\(resolution)x\(resolution): \(line.stored) images decoded and stored, \(line.present) already "
                    + "stored, \(line.failed) not stored"
                    + (side.map { " (training images as \($0)x\($0) source images for their crops)" } ?? ""))
        }
        return Summary(
            jobID: jobID, lines: lines,
            storeBytes: DecodedImageStore.usage(dataDirectory: store.location.dataDirectory).bytes,
            maximumBytes: maximumBytes)
    }
}
