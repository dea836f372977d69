// Copyright 2026 The Distill authors.

import DistillModels
import DistillStore
import Foundation
import Yams

/// Reads and validates a YAML job file into a `JobSpec`.
///
/// Unknown keys, wrong types and out-of-range
/// values are refused with the file, line, key path and the allowed values. Relative paths in the file
/// are resolved against the job file's directory.
public enum JobFileParser {
    static let topKeys = [
        "name", "teacher", "teach", "description", "images", "evaluation", "students", "training", "schedule",
        "export_int8",
    ]
    static let teachKeys = ["kind", "labels", "outputs_for", "embedding_size"]
    static let imageKeys = [
        "urls", "allow_file_roots", "concurrency", "max_bytes", "timeout_seconds", "min_fetched_fraction",
        "decoded_store_bytes",
    ]
    static let evaluationKeys = ["labels", "holdout_fraction"]
    static let studentKeys = ["architecture", "alpha", "resolution", "activation"]
    static let trainingKeys = [
        "epochs", "batch_size", "optimizer", "learning_rate", "momentum", "weight_decay", "schedule", "step_epochs",
        "step_gamma", "warmup_epochs", "temperature", "soft_weight", "hard_weight", "seed", "threads",
        "checkpoint_every_steps", "augment_crop", "augment_flip", "crop_scale",
    ]
    static let scheduleKeys = ["at", "window", "priority"]

    /// Parses a job file from disk.
    /// - Parameter path: The YAML file.
    /// - Returns: The validated spec.
    /// - Throws: `ServiceError.invalidArgument` naming the file, line, key and the allowed values.
    public static func parse(file path: String) throws -> JobSpec {
        try parse(text(file: path), file: path)
    }

    /// Reads a job file's text: a regular file of at most `InputFile.jobFileLimit` bytes of UTF-8.
    /// - Parameter path: The YAML file.
    /// - Returns: Its text.
    /// - Throws: `ServiceError.invalidArgument` naming the file and the problem.
    public static func text(file path: String) throws -> String {
        let data = try InputFile.read(path, what: "job file", limit: InputFile.jobFileLimit)
        guard let text = String(data: data, encoding: .utf8) else {
            throw ServiceError.invalid("\(path) is not UTF-8 text; expected a YAML job file.")
        }
        return text
    }

    /// Parses a job file's text read with `text(file:)`; relative paths resolve against the file's directory.
    /// - Parameters:
    ///   - text: The YAML.
    ///   - path: The file it came from.
    /// - Returns: The validated spec.
    /// - Throws: `ServiceError.invalidArgument` naming the file, line, key and the allowed values.
    public static func parse(_ text: String, file path: String) throws -> JobSpec {
        let directory = (StoreLocation.absolute(path) as NSString).deletingLastPathComponent
        return try parse(text, file: path, baseDirectory: directory)
    }

    /// Parses job-file text.
    /// - Parameters:
    ///   - text: The YAML.
    ///   - file: The name used in messages.
    ///   - baseDirectory: Where relative paths in the file are resolved.
    /// - Returns: The validated spec.
    /// - Throws: `ServiceError.invalidArgument` naming the line, key and the allowed values.
    public static func parse(_ text: String, file: String, baseDirectory: String) throws -> JobSpec {
        try YAMLGuard.check(text, file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ServiceError.invalid("\(file) is empty; see Jobs/ for example job files.")
            }
            root = node
        } catch let error as ServiceError {
            throw error
        } catch let error as YamlError {
            switch error {
            case .parser(let context, let problem, let mark, _), .scanner(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let detail =
                    context.map { " (\($0.description.trimmingCharacters(in: .whitespacesAndNewlines)))" } ?? ""
                throw ServiceError.invalid(
                    "\(file) line \(mark.line), column \(mark.column) is not valid YAML: \(problem)\(detail).")
            default:
                throw ServiceError.invalid("\(file) is not valid YAML: \(error)")
            }
        } catch {
            throw ServiceError.invalid("\(file) is not valid YAML: \(error)")
        }
        let top = try YAMLMapping(root, file: file, path: "")
        try top.checkKeys(topKeys)
        func resolve(_ path: String) -> String {
            path.hasPrefix("/")
                ? path
                : URL(fileURLWithPath: (baseDirectory as NSString).appendingPathComponent(path)).standardized.path
        }

        // images
        var images = JobSpec.Images()
        if let section = try top.mapping("images") {
            try section.checkKeys(imageKeys)
            images.urls = try section.string("urls").map(resolve)
            if let roots = try section.list("allow_file_roots") {
                images.allowFileRoots = try roots.map { item in
                    guard case .scalar(let scalar) = item.node, !scalar.string.isEmpty else {
                        throw ServiceError.invalid(
                            "\(file) line \(item.node.mark?.line ?? 0): `\(item.path)` must be a directory path.")
                    }
                    return resolve(scalar.string)
                }
            }
            images.concurrency =
                try section.integer("concurrency", range: 1...1024, rangeText: "1 to 1024") ?? images.concurrency
            images.maxBytes =
                try section.integer("max_bytes", range: 1024...(1 << 31), rangeText: "1024 to 2147483648")
                ?? images.maxBytes
            images.timeoutSeconds =
                try section.number("timeout_seconds", rangeText: "from 1 to 3600") { $0 >= 1 && $0 <= 3600 }
                ?? images.timeoutSeconds
            images.minFetchedFraction =
                try section.number("min_fetched_fraction", rangeText: "0 to 1") { (0...1).contains($0) }
                ?? images.minFetchedFraction
            images.decodedStoreBytes =
                try section.integer("decoded_store_bytes", range: 0...(1 << 50), rangeText: "0 (off) to 2^50")
                .map(Int64.init)
        }

        // evaluation
        var evaluation = JobSpec.Evaluation()
        if let section = try top.mapping("evaluation") {
            try section.checkKeys(evaluationKeys)
            evaluation.labels = try section.string("labels").map(resolve)
            evaluation.holdoutFraction =
                try section.number("holdout_fraction", rangeText: "more than 0 and less than 1") { $0 > 0 && $0 < 1 }
                ?? evaluation.holdoutFraction
        }

        // students
        guard let studentSection = try top.mapping("students") else {
            throw ServiceError.invalid(
                "\(file): required key `students` is missing; give at least `students.alpha` and `students.resolution`."
            )
        }
        try studentSection.checkKeys(studentKeys)
        let architectureNames = MobileNetArchitecture.allCases.map(\.rawValue)
        let architectures = try (studentSection.list("architecture") ?? []).map { item in
            guard case .scalar(let scalar) = item.node, architectureNames.contains(scalar.string) else {
                throw ServiceError.invalid(
                    "\(file) line \(item.node.mark?.line ?? 1): `\(item.path)` must be one of "
                        + "\(architectureNames.joined(separator: ", ")), found \(YAMLMapping.describe(item.node)).")
            }
            return scalar.string
        }
        try checkUnique(architectures, key: "students.architecture", file: file)
        let hasV1 = architectures.isEmpty || architectures.contains(MobileNetArchitecture.v1.rawValue)
        guard let alphaNodes = try studentSection.list("alpha") else {
            throw ServiceError.invalid(
                "\(file): required key `students.alpha` is missing; e.g. `alpha: [1.0, 0.75, 0.5, 0.25]`.")
        }
        let alphas = try alphaNodes.map { item in
            try YAMLMapping.number(
                item.node, path: item.path, file: file,
                rangeText: hasV1
                    ? "a width multiplier in (0, 1] for mobilenet_v1 students, e.g. 1.0, 0.75, 0.5, 0.25"
                    : "a width multiplier in (0, 2] for V2 and V3 students, e.g. 1.0, 0.75, 0.5, 0.35"
            ) { $0 > 0 && $0 <= (hasV1 ? 1 : 2) }
        }
        guard let resolutionNodes = try studentSection.list("resolution") else {
            throw ServiceError.invalid(
                "\(file): required key `students.resolution` is missing; e.g. `resolution: [224, 192, 160, 128]`.")
        }
        let resolutions = try resolutionNodes.map { item in
            try YAMLMapping.integer(
                item.node, path: item.path, file: file, range: 32...1024,
                rangeText: "an input size from 32 to 1024 pixels, e.g. 224, 192, 160, 128")
        }
        try checkUnique(alphas, key: "students.alpha", file: file)
        try checkUnique(resolutions, key: "students.resolution", file: file)
        let activation = try studentSection.string("activation", allowed: ["relu", "relu6"]) ?? "relu"
        let students = JobSpec.Students(
            architectures: architectures.isEmpty ? [MobileNetArchitecture.v1.rawValue] : architectures,
            alpha: alphas, resolution: resolutions, activation: activation)

        // training
        var training = JobSpec.Training()
        if let section = try top.mapping("training") {
            try section.checkKeys(trainingKeys)
            training.epochs =
                try section.integer("epochs", range: 1...10_000, rangeText: "an integer from 1 to 10000")
                ?? training.epochs
            training.batchSize =
                try section.integer(
                    "batch_size", range: 2...4096,
                    rangeText: "an integer from 2 to 4096 (batch-norm statistics need at least 2 images)")
                ?? training.batchSize
            training.optimizer =
                try section.string("optimizer", allowed: ["rmsprop", "sgd", "adam"]) ?? training.optimizer
            training.learningRate =
                try section.number("learning_rate", rangeText: "more than 0 and at most 10") { $0 > 0 && $0 <= 10 }
                ?? training.learningRate
            training.momentum =
                try section.number("momentum", rangeText: "0 or more and less than 1") { $0 >= 0 && $0 < 1 }
                ?? training.momentum
            training.weightDecay =
                try section.number("weight_decay", rangeText: "0 to 1") { (0...1).contains($0) } ?? training.weightDecay
            training.schedule =
                try section.string("schedule", allowed: ["constant", "step", "cosine"]) ?? training.schedule
            training.stepEpochs =
                try section.number("step_epochs", rangeText: "more than 0 and at most 10000") { $0 > 0 && $0 <= 10_000 }
                ?? training.stepEpochs
            training.stepGamma =
                try section.number("step_gamma", rangeText: "more than 0 and at most 1") { $0 > 0 && $0 <= 1 }
                ?? training.stepGamma
            training.warmupEpochs =
                try section.number("warmup_epochs", rangeText: "0 to 10000") { $0 >= 0 && $0 <= 10_000 }
                ?? training.warmupEpochs
            training.temperature =
                try section.number("temperature", rangeText: "more than 0 and at most 100") { $0 > 0 && $0 <= 100 }
                ?? training.temperature
            training.softWeight =
                try section.number("soft_weight", rangeText: "0 to 1000") { $0 >= 0 && $0 <= 1000 }
                ?? training.softWeight
            training.hardWeight =
                try section.number("hard_weight", rangeText: "0 to 1000") { $0 >= 0 && $0 <= 1000 }
                ?? training.hardWeight
            training.seed =
                try section.integer("seed", range: 0...Int(Int32.max), rangeText: "an integer from 0 to 2147483647")
                ?? training.seed
            training.threads =
                try section.integer("threads", range: 0...1024, rangeText: "0 (all cores) to 1024") ?? training.threads
            training.checkpointEverySteps =
                try section.integer(
                    "checkpoint_every_steps", range: 1...1_000_000, rangeText: "an integer from 1 to 1000000")
                ?? training.checkpointEverySteps
            training.augmentCrop = try section.boolean("augment_crop")
            training.augmentFlip = try section.boolean("augment_flip")
            training.cropScale = try section.number("crop_scale", rangeText: "0.05 to 1") { $0 >= 0.05 && $0 <= 1 }
            if training.softWeight == 0 && training.hardWeight == 0 {
                throw ServiceError.invalid(
                    "\(file): `training.soft_weight` and `training.hard_weight` are both 0; at least one must be positive."
                )
            }
        }

        // schedule
        var schedule = JobSpec.Schedule()
        if let section = try top.mapping("schedule") {
            try section.checkKeys(scheduleKeys)
            if let at = try section.string("at") {
                do { schedule.at = try ScheduleParser.parseTime(at) } catch let error as ServiceError {
                    throw section.fail("at", section.node("at"), error.message)
                }
            }
            if let window = try section.string("window") {
                do { _ = try ScheduleParser.parseWindow(window) } catch let error as ServiceError {
                    throw section.fail("window", section.node("window"), error.message)
                }
                schedule.window = window
            }
            schedule.priority =
                try section.integer("priority", range: -1000...1000, rangeText: "an integer from -1000 to 1000") ?? 0
        }

        guard let name = try top.string("name", required: true), let teacher = try top.string("teacher", required: true)
        else {
            throw ServiceError.invalid("\(file): `name` and `teacher` are required.")
        }
        // teach: the job trains `teacher` on a labels file instead of distilling from it.
        var teach: JobSpec.Teach?
        if let section = try top.mapping("teach") {
            try section.checkKeys(teachKeys)
            guard
                let kindText = try section.string(
                    "kind", required: true, allowed: TeacherKind.allCases.map(\.rawValue)),
                let kind = TeacherKind(rawValue: kindText), let labels = try section.string("labels", required: true)
            else { throw ServiceError.invalid("\(file): `teach.kind` and `teach.labels` are required.") }
            let embeddingSize = try section.integer(
                "embedding_size", range: 2...4096, rangeText: "an integer from 2 to 4096")
            if embeddingSize != nil, kind != .embedding {
                throw section.fail(
                    "embedding_size", section.node("embedding_size"),
                    "applies to embedding teachers only (this one is \(kind.rawValue)); remove it.")
            }
            guard evaluation.labels == nil else {
                throw ServiceError.invalid(
                    "\(file): a teach job's labels are `teach.labels` (rows whose split is not `train` are held out "
                        + "for its evaluation); remove `evaluation.labels`.")
            }
            guard alphas.count == 1, resolutions.count == 1 else {
                throw ServiceError.invalid(
                    "\(file): a teach job trains one teacher: give one `students.alpha` and one `students.resolution` "
                        + "(found \(alphas.count) and \(resolutions.count)).")
            }
            teach = JobSpec.Teach(
                kind: kind, labels: resolve(labels), outputsFor: try section.string("outputs_for").map(resolve),
                embeddingSize: kind == .embedding ? (embeddingSize ?? 128) : nil, outputs: 0)
            evaluation.labels = teach?.labels
            // Trained on labels: cross-entropy (logits), BCE on the 0/1 attributes, a metric loss (embedding).
            training.softWeight = 0
            training.hardWeight = 1
            training.temperature = 1
        }
        // Augmentation: on for teachers (flips off for attributes, some of which are side-specific), off for
        // students, whose targets are the teacher's outputs for the un-augmented image.
        training.augmentCrop = training.augmentCrop ?? (teach != nil)
        training.augmentFlip = training.augmentFlip ?? (teach != nil && teach?.kind != .attributes)
        training.cropScale = training.cropScale ?? 0.5
        let exportInt8 = try top.string("export_int8", allowed: ["true", "false"]).map { $0 == "true" }
        return JobSpec(
            name: name, teacher: teacher, teach: teach, description: try top.string("description"), images: images,
            evaluation: evaluation, students: students, training: training, schedule: schedule,
            exportInt8: exportInt8)
    }

    static func checkUnique<T: Hashable>(_ values: [T], key: String, file: String) throws {
        var seen = Set<T>()
        for value in values where !seen.insert(value).inserted {
            throw ServiceError.invalid("\(file): `\(key)` lists \(value) twice; each grid value once.")
        }
    }
}
