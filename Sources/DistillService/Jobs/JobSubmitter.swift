// Copyright 2026 The Distill authors.

import DistillData
import DistillStore
import Foundation
import Yams

/// `distill submit`: validates a job file against the database and stores it with one run per grid point.
public struct JobSubmitter: Sendable {
    /// Command-line schedule settings; each overrides the job file's `schedule` key.
    public struct Overrides: Sendable {
        /// `--at`.
        public var at: String?
        /// `--window`.
        public var window: String?
        /// `--priority`.
        public var priority: Int?

        /// Creates overrides.
        public init(at: String? = nil, window: String? = nil, priority: Int? = nil) {
            self.at = at
            self.window = window
            self.priority = priority
        }
    }

    let store: Store

    /// Creates a submitter writing into `store`.
    public init(store: Store) {
        self.store = store
    }

    /// Validates and stores a job file.
    /// - Parameters:
    ///   - path: The YAML job file.
    ///   - overrides: `--at`, `--window`, `--priority`.
    /// - Returns: The stored job.
    /// - Throws: `ServiceError.invalidArgument` for a bad file or a spec that does not fit its teacher;
    ///   `StoreError.notFound` when the teacher does not exist.
    public func submit(file path: String, overrides: Overrides = Overrides()) throws -> Job {
        try submit(yaml: try JobFileParser.text(file: path), file: path, overrides: overrides)
    }

    /// Validates and stores job-file text (`distill teach` writes its job this way).
    /// - Parameters:
    ///   - yaml: The job file's text.
    ///   - path: Its path (relative paths resolve against its directory) or a name for messages.
    ///   - overrides: `--at`, `--window`, `--priority`.
    /// - Returns: The stored job.
    /// - Throws: As `submit(file:overrides:)`.
    public func submit(yaml: String, file path: String, overrides: Overrides = Overrides()) throws -> Job {
        var spec = try JobFileParser.parse(yaml, file: path)
        if let at = overrides.at { spec.schedule.at = try ScheduleParser.parseTime(at) }
        if let window = overrides.window {
            _ = try ScheduleParser.parseWindow(window)
            spec.schedule.window = window
        }
        if let priority = overrides.priority { spec.schedule.priority = priority }
        if spec.teach != nil {
            try Self.prepareTeach(&spec, file: path)
            return try store.submit(try newJob(spec, yaml: yaml))
        }
        let teacher = try store.teacher(named: spec.teacher)
        guard teacher.status == .ready else {
            throw ServiceError.invalid(
                "\(path): teacher '\(teacher.name)' is still being trained by job \(teacher.trainedByJob ?? 0); submit "
                    + "this job after that job has succeeded (`distill show \(teacher.trainedByJob ?? 0)`).")
        }
        // Per-attribute sigmoids are already calibrated probabilities: attribute runs default to T = 1.
        if teacher.kind == .attributes, !Self.setsTemperature(yaml) { spec.training.temperature = 1 }
        try Self.check(spec, against: teacher, file: path)
        try Self.checkInputs(spec, against: teacher, file: path)
        return try store.submit(try newJob(spec, yaml: yaml))
    }

    /// The stored form of a validated spec.
    private func newJob(_ spec: JobSpec, yaml: String) throws -> NewJob {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(spec), as: UTF8.self)
        let window = try spec.schedule.window.map(ScheduleParser.parseWindow)
        var job = NewJob(
            name: spec.name, teacher: spec.teacher, specYAML: yaml, specJSON: json,
            priority: spec.schedule.priority, notBefore: spec.schedule.at, window: window, runs: spec.runPoints)
        if let teach = spec.teach { job.trainsTeacher = (teach.kind, teach.outputs) }
        return job
    }

    /// Checks a teach job's labels file against its kind and sets the number of outputs: the classes (logits),
    /// the attribute columns (attributes) or the embedding width.
    static func prepareTeach(_ spec: inout JobSpec, file: String) throws {
        guard var teach = spec.teach else { return }
        let labels = try EvaluationLabels.read(path: teach.labels)
        let training = labels.entries.filter { !EvaluationLabels.isEvaluation($0) }
        let hasSplit = labels.entries.contains { $0.split != nil }
        let trainingCount = hasSplit ? training.count : labels.entries.count
        switch teach.kind {
        case .logits, .embedding:
            if let missing = labels.entries.first(where: { $0.classIndex == nil }) {
                throw ServiceError.invalid(
                    "\(teach.labels): \(missing.url) has no class; a \(teach.kind.rawValue) teacher trains on a "
                        + "`class` (or `label`, `identity`) column for every row.")
            }
            let classes = Set(labels.entries.compactMap(\.classIndex))
            guard classes.count >= 2 else {
                throw ServiceError.invalid(
                    "\(teach.labels) has \(classes.count) distinct class(es); a teacher needs at least 2.")
            }
            teach.outputs =
                teach.kind == .logits ? (classes.max() ?? 0) + 1 : (teach.embeddingSize ?? 128)
        case .attributes:
            guard !labels.attributeNames.isEmpty else {
                throw ServiceError.invalid(
                    "\(teach.labels) has no attribute columns; an attributes teacher trains on 0/1 columns after "
                        + "`url` (and `split`, `class`), e.g. `url,split,smiling,eyeglasses`.")
            }
            teach.outputs = labels.attributeNames.count
        }
        guard trainingCount >= spec.training.batchSize else {
            throw ServiceError.invalid(
                "\(teach.labels) has \(trainingCount) training rows but `training.batch_size` is "
                    + "\(spec.training.batchSize); lower the batch size or add labelled images.")
        }
        if let path = teach.outputsFor {
            let urls = try URLList.read(path, hint: "check `teach.outputs_for` in \(file)")
            guard !urls.isEmpty else {
                throw ServiceError.invalid("\(file): `teach.outputs_for` names \(path), which lists no URLs.")
            }
        }
        for root in spec.images.allowFileRoots {
            do {
                try FetchConfiguration().checkFileRoot(root)
            } catch let error as DataError {
                throw ServiceError.invalid("\(file): `images.allow_file_roots`: \(error.message)")
            }
        }
        spec.teach = teach
    }

    /// Whether the job file names `training.temperature` (the text has passed `JobFileParser.parse`).
    static func setsTemperature(_ yaml: String) -> Bool {
        guard let root = try? Yams.compose(yaml: yaml), let training = root.mapping?["training"]?.mapping else {
            return false
        }
        return training["temperature"] != nil
    }

    /// Checks what only the teacher and the file system can tell.
    static func check(_ spec: JobSpec, against teacher: Teacher, file: String) throws {
        if spec.training.hardWeight > 0 {
            guard teacher.kind == .logits else {
                throw ServiceError.invalid(
                    "\(file): `training.hard_weight` is \(spec.training.hardWeight) but teacher '\(teacher.name)' is "
                        + "\(teacher.kind.rawValue); hard labels apply to logits teachers only — set it to 0.")
            }
            guard spec.evaluation.labels != nil else {
                throw ServiceError.invalid(
                    "\(file): `training.hard_weight` is \(spec.training.hardWeight) but no `evaluation.labels` file "
                        + "gives the labels; add one or set hard_weight to 0.")
            }
        }
        for (key, path) in [("images.urls", spec.images.urls), ("evaluation.labels", spec.evaluation.labels)] {
            if let path, !FileManager.default.fileExists(atPath: path) {
                throw ServiceError.invalid("\(file): `\(key)` names \(path), which does not exist.")
            }
        }
        for root in spec.images.allowFileRoots {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ServiceError.invalid(
                    "\(file): `images.allow_file_roots` names \(root), which is not a directory.")
            }
            do {
                try FetchConfiguration().checkFileRoot(root)
            } catch let error as DataError {
                throw ServiceError.invalid("\(file): `images.allow_file_roots`: \(error.message)")
            }
        }
        if spec.training.batchSize > teacher.outputCount && spec.images.urls == nil {
            throw ServiceError.invalid(
                "\(file): `training.batch_size` is \(spec.training.batchSize) but teacher '\(teacher.name)' has only "
                    + "\(teacher.outputCount) images; use a batch size of at most \(teacher.outputCount).")
        }
    }

    /// Reads every file a run will read (the URL list, the labels file) and checks it against the teacher, so a
    /// run never fails on input `submit` could have refused.
    static func checkInputs(_ spec: JobSpec, against teacher: Teacher, file: String) throws {
        if let path = spec.images.urls {
            let urls = try URLList.read(path, hint: "check `images.urls` in \(file)")
            guard !urls.isEmpty else {
                throw ServiceError.invalid(
                    "\(file): `images.urls` names \(path), which lists no URLs; give one image URL per line.")
            }
        }
        if let path = spec.evaluation.labels {
            let labels = try EvaluationLabels.read(path: path)
            try labels.check(against: teacher, usesHardLabels: spec.training.hardWeight > 0, file: path)
        }
    }
}
