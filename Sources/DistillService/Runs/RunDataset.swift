// Copyright 2026 The Distill authors.
// A job's images, fetched and split: training samples (cached, with teacher outputs) and evaluation samples
// (cached; teacher outputs and labels where known). Built once per invocation, shared by every run.

import DistillData
import DistillEngine
import DistillStore
import Foundation

/// One image a run trains or evaluates on.
public struct RunSample: Sendable, Equatable {
    /// The image URL.
    public var url: String
    /// Its cache key.
    public var digest: String
    /// The teacher's vector for it, if the teacher has one.
    public var teacher: [Float]?
    /// Its class (labels file), if known.
    public var label: Int?
    /// Its 0/1 attributes (labels file), if known.
    public var attributes: [Float]?

    /// Whether a teach job can train on it: it has a class or attributes.
    var hasTarget: Bool { label != nil || attributes != nil }
}

/// The training and evaluation samples of a job.
public struct RunDataset: Sendable {
    /// Training samples, in URL order; every one has a teacher vector.
    public var training: [RunSample]
    /// Evaluation samples, in URL order.
    public var evaluation: [RunSample]
    /// Training URLs asked for (before fetching).
    public var requestedTraining: Int

    /// Fetches and splits a job's images.
    ///
    /// With `evaluation.labels`, the labelled URLs (except rows whose `split` is `train`) are the evaluation set
    /// and training uses the other URLs; without, `evaluation.holdout_fraction` of the URLs (chosen with the
    /// job's seed) is held out. Failed images are skipped.
    /// - Parameters:
    ///   - spec: The job.
    ///   - teacher: Its teacher.
    ///   - store: The database.
    ///   - log: Receives a line per phase.
    ///   - fetchProgress: Receives fetch progress.
    ///   - shouldStop: Checked while fetching; true → `CancellationError` (what was fetched is recorded).
    /// - Returns: The samples.
    /// - Throws: `ServiceError.runtime` when fewer than `images.min_fetched_fraction` of the training images are
    ///   usable or fewer than a batch; `ServiceError.invalidArgument` for unreadable lists; store and fetch errors.
    public static func prepare(
        spec: JobSpec, teacher: Teacher, store: Store, log: (String) -> Void,
        fetchProgress: (@Sendable (ImageFetchProgress) -> Void)? = nil, shouldStop: () -> Bool = { false }
    ) throws -> RunDataset {
        let plan = try Plan(spec: spec, teacher: teacher, store: store)
        let (vectors, candidates, evaluationURLs) = (plan.vectors, plan.training, plan.evaluation)
        let labelled = plan.labels?.byURL ?? [:]
        let requested = candidates.count
        let withoutTeacher = candidates.filter { vectors[$0] == nil }.count
        if withoutTeacher > 0, spec.teach == nil {
            log("\(withoutTeacher) training URL(s) have no output from teacher '\(teacher.name)' and are skipped")
        }

        let service = try fetchService(spec: spec, store: store)
        let summary = try service.fetchBlocking(
            urls: candidates + evaluationURLs, progress: fetchProgress, shouldStop: shouldStop)
        log(
            "images: \(summary.requested) requested, \(summary.alreadyFetched) already cached, "
                + "\(summary.fetched) fetched, \(summary.failed) failed")

        var digests: [String: String] = [:]
        for record in try store.imageRecords(status: .fetched) {
            if let digest = record.sha256, service.cache.contains(digest: digest, byteCount: record.bytes) {
                digests[record.url] = digest
            }
        }
        func sample(_ url: String) -> RunSample? {
            guard let digest = digests[url] else { return nil }
            let entry = labelled[url]
            return RunSample(
                url: url, digest: digest, teacher: vectors[url], label: entry?.classIndex,
                attributes: entry?.attributes)
        }
        // A teach job trains on labels; a distillation job on the teacher's outputs.
        let training = candidates.compactMap(sample).filter { spec.teach == nil ? $0.teacher != nil : $0.hasTarget }
        let evaluation = evaluationURLs.compactMap(sample)
        let fraction = requested > 0 ? Double(training.count) / Double(requested) : 0
        guard requested > 0, fraction >= spec.images.minFetchedFraction else {
            throw ServiceError(
                .runtime,
                "Only \(training.count) of \(requested) training images are usable (fetched, with "
                    + (spec.teach == nil ? "teacher outputs" : "labels") + "): "
                    + String(format: "%.1f%%", fraction * 100) + "; the job needs at least "
                    + String(format: "%.1f%%", spec.images.minFetchedFraction * 100)
                    + " (`images.min_fetched_fraction`). See why with `distill images --failed`.")
        }
        guard training.count >= spec.training.batchSize else {
            throw ServiceError(
                .runtime,
                "Only \(training.count) training images are usable but `training.batch_size` is "
                    + "\(spec.training.batchSize); lower the batch size or add images.")
        }
        return RunDataset(training: training, evaluation: evaluation, requestedTraining: requested)
    }
}

extension RunDataset {
    /// The samples a run was frozen with at its first start, with the teacher's vectors (a teacher that jobs
    /// use cannot be replaced, so they are the ones it trained with).
    /// - Parameters:
    ///   - frozen: The run's recorded samples.
    ///   - teacher: The job's teacher.
    ///   - store: The database.
    /// - Returns: The samples, in their recorded order.
    /// - Throws: `StoreError` when the database cannot be read.
    static func restore(
        _ frozen: (training: [FrozenSample], evaluation: [FrozenSample]), teacher: Teacher, store: Store
    ) throws -> RunDataset {
        var vectors: [String: [Float]] = [:]
        for output in try store.teacherOutputs(teacherID: teacher.id) { vectors[output.url] = output.vector }
        func sample(_ frozen: FrozenSample) -> RunSample {
            RunSample(
                url: frozen.url, digest: frozen.sha256, teacher: vectors[frozen.url], label: frozen.classIndex,
                attributes: frozen.attributes)
        }
        return RunDataset(
            training: frozen.training.map(sample), evaluation: frozen.evaluation.map(sample),
            requestedTraining: frozen.training.count)
    }

    /// The samples as `run_samples` rows record them.
    var frozen: (training: [FrozenSample], evaluation: [FrozenSample]) {
        func row(_ sample: RunSample) -> FrozenSample {
            FrozenSample(
                url: sample.url, sha256: sample.digest, classIndex: sample.label, attributes: sample.attributes)
        }
        return (training.map(row), evaluation.map(row))
    }
}

extension RunDataset {
    /// The URLs a job trains and is evaluated on, before fetching: the teacher's (or `images.urls`), split by
    /// the labels file or the hold-out fraction.
    struct Plan {
        /// The teacher's vectors by URL.
        var vectors: [String: [Float]] = [:]
        /// Training URLs.
        var training: [String]
        /// Evaluation URLs.
        var evaluation: [String]
        /// The labels file, if any.
        var labels: EvaluationLabels?

        /// Reads the lists and splits them.
        /// - Throws: `ServiceError.invalidArgument` for unreadable lists or labels outside the teacher's classes.
        init(spec: JobSpec, teacher: Teacher, store: Store) throws {
            for output in try store.teacherOutputs(teacherID: teacher.id) { vectors[output.url] = output.vector }
            let labels = try spec.evaluation.labels.map(EvaluationLabels.read(path:))
            var candidates =
                try spec.images.urls.map { try URLList.read($0, hint: "check `images.urls` in the job file") }
                ?? vectors.keys.sorted()
            if spec.teach != nil, let labels {
                // A teach job trains on its labelled images: those of split `train`, or, without a split column,
                // all but the held-out fraction.
                var seen = Set<String>()
                let all = labels.entries.map(\.url).filter { seen.insert($0).inserted }
                if labels.entries.contains(where: { $0.split != nil }) {
                    let trainURLs = Set(labels.entries.filter { !EvaluationLabels.isEvaluation($0) }.map(\.url))
                    training = all.filter { trainURLs.contains($0) }
                    evaluation = all.filter { !trainURLs.contains($0) }
                } else {
                    (training, evaluation) = Self.holdOut(all, spec: spec)
                }
                self.labels = labels
                return
            }
            if let labels, let path = spec.evaluation.labels {
                // `distill submit` made the same check; repeated for jobs stored before it did.
                try labels.check(against: teacher, usesHardLabels: spec.training.hardWeight > 0, file: path)
            }
            var evaluationURLs: [String]
            if let labels {
                var seen = Set<String>()
                evaluationURLs = labels.entries.filter(EvaluationLabels.isEvaluation).map(\.url)
                    .filter { seen.insert($0).inserted }
                candidates = candidates.filter { !seen.contains($0) }
            } else {
                (candidates, evaluationURLs) = Self.holdOut(candidates, spec: spec)
            }
            training = candidates
            evaluation = evaluationURLs
            self.labels = labels
        }

        /// Splits URLs into training and held-out ones: `evaluation.holdout_fraction` of them (at least one, and
        /// at least one left), chosen with the job's seed; both keep the given order.
        static func holdOut(_ urls: [String], spec: JobSpec) -> (training: [String], evaluation: [String]) {
            var generator = SeededGenerator(seed: UInt64(truncatingIfNeeded: spec.training.seed))
            var shuffled = urls
            generator.shuffle(&shuffled)
            let held = min(
                max(1, Int((Double(shuffled.count) * spec.evaluation.holdoutFraction).rounded())),
                max(0, shuffled.count - 1))
            let heldOut = Set(shuffled.prefix(held))
            return (urls.filter { !heldOut.contains($0) }, urls.filter { heldOut.contains($0) })
        }
    }

    /// The fetch service with the job's `images` settings.
    static func fetchService(spec: JobSpec, store: Store) throws -> ImageFetchService {
        var configuration = FetchConfiguration()
        configuration.allowedFileRoots = spec.images.allowFileRoots
        configuration.concurrency = spec.images.concurrency
        configuration.maximumBodyBytes = spec.images.maxBytes
        configuration.totalTimeout = spec.images.timeoutSeconds
        return try ImageFetchService(store: store, configuration: configuration)
    }

    /// Fetches a job's images into the cache ahead of its first run (a daemon does this for the next queued job
    /// while it trains another).
    /// - Parameters:
    ///   - spec: The job.
    ///   - teacher: Its teacher.
    ///   - store: The database.
    ///   - shouldStop: Checked between rounds of transfers; true → `CancellationError`.
    /// - Returns: The fetch summary.
    /// - Throws: As `prepare`.
    static func prefetchImages(spec: JobSpec, teacher: Teacher, store: Store, shouldStop: () -> Bool) throws
        -> ImageFetchSummary
    {
        let plan = try Plan(spec: spec, teacher: teacher, store: store)
        return try fetchService(spec: spec, store: store).fetchBlocking(
            urls: plan.training + plan.evaluation, shouldStop: shouldStop)
    }
}
