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
        let yaml = try JobFileParser.text(file: path)
        var spec = try JobFileParser.parse(yaml, file: path)
        if let at = overrides.at { spec.schedule.at = try ScheduleParser.parseTime(at) }
        if let window = overrides.window {
            _ = try ScheduleParser.parseWindow(window)
            spec.schedule.window = window
        }
        if let priority = overrides.priority { spec.schedule.priority = priority }
        let teacher = try store.teacher(named: spec.teacher)
        // Per-attribute sigmoids are already calibrated probabilities: attribute runs default to T = 1.
        if teacher.kind == .attributes, !Self.setsTemperature(yaml) { spec.training.temperature = 1 }
        try Self.check(spec, against: teacher, file: path)
        try Self.checkInputs(spec, against: teacher, file: path)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(spec), as: UTF8.self)
        let window = try spec.schedule.window.map(ScheduleParser.parseWindow)
        return try store.submit(
            NewJob(
                name: spec.name, teacher: spec.teacher, specYAML: yaml, specJSON: json,
                priority: spec.schedule.priority, notBefore: spec.schedule.at, window: window, runs: spec.runPoints))
    }

    /// Checks what only the teacher and the file system can tell.
    /// Whether the job file names `training.temperature` (the text has passed `JobFileParser.parse`).
    static func setsTemperature(_ yaml: String) -> Bool {
        guard let root = try? Yams.compose(yaml: yaml), let training = root.mapping?["training"]?.mapping else {
            return false
        }
        return training["temperature"] != nil
    }

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
