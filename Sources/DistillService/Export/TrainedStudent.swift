// Copyright 2026 The Distill authors.
// A finished run's student loaded back from its last checkpoint, with what an export records about it:
// the job, the teacher, the preprocessing it was trained with. Runs are named `JOB/run-name` (JOB a job id
// or name; the newest job of that name) or by run id.

import DistillData
import DistillEngine
import DistillExport
import DistillModels
import DistillStore
import Foundation

/// A trained student ready for export or evaluation.
public struct TrainedStudent {
    /// The run.
    public var run: Run
    /// Its job.
    public var job: Job
    /// The job's spec.
    public var spec: JobSpec
    /// The job's teacher.
    public var teacher: Teacher
    /// The network (batch 1) with the checkpoint's weights and statistics.
    public var network: MobileNet
    /// The normalisation images were trained with.
    public var normalization: Normalization
    /// The checkpoint file it came from.
    public var checkpointPath: String

    /// "JOB/run-name" with the job's id.
    public var reference: String { "\(job.id)/\(run.name)" }

    /// Loads a finished run's student.
    /// - Parameters:
    ///   - reference: `JOB/run-name` (JOB a job id or name) or a run id.
    ///   - store: The database (its data directory holds the checkpoints).
    ///   - requireSucceeded: Refuse runs that have not finished training.
    /// - Returns: The student.
    /// - Throws: `ServiceError.invalidArgument` naming an unknown job or run, an unfinished run or a missing
    ///   checkpoint and what to do; checkpoint and engine errors.
    public static func load(reference: String, store: Store, requireSucceeded: Bool = true) throws -> TrainedStudent {
        let run = try resolve(reference, store: store)
        let job = try store.job(id: run.jobID)
        if requireSucceeded, run.state != .succeeded {
            throw ServiceError.invalid(
                "Run \(job.id)/\(run.name) is \(run.state.rawValue); only succeeded runs can be exported. "
                    + "Train it with `distill run \(job.id)` (or wait for the daemon) and see `distill show \(job.id)`."
            )
        }
        guard let record = try store.checkpoints(runID: run.id).last else {
            throw ServiceError.invalid(
                "Run \(job.id)/\(run.name) has no checkpoint; train it with `distill run \(job.id)` first.")
        }
        let url = URL(fileURLWithPath: store.location.dataDirectory).appendingPathComponent(record.path)
        guard try CheckpointFile.ensure(record, at: url, store: store) else {
            throw ServiceError(
                .io,
                "Run \(job.id)/\(run.name)'s checkpoint \(url.path) is missing; it was deleted or the data "
                    + "directory moved. Retrain the run with `distill retry \(job.id)`.")
        }
        let spec = try RunExecutor.decodeSpec(try store.jobSpecJSON(id: job.id), jobID: job.id)
        let teacher = try store.teacher(named: job.teacher)
        guard let activation = Activation(rawValue: spec.students.activation) else {
            throw ServiceError.invalid("`students.activation` is '\(spec.students.activation)'; use relu or relu6.")
        }
        let modelSpec = try RunSession.modelSpec(run: run, outputs: teacher.dimension)
        let network = try MobileNet(spec: modelSpec, batch: 1, options: MobileNetOptions(activation: activation))
        try network.load(try Checkpoint.read(from: url))
        return TrainedStudent(
            run: run, job: job, spec: spec, teacher: teacher, network: network, normalization: .mobileNet,
            checkpointPath: url.path)
    }

    /// The run a reference names.
    static func resolve(_ reference: String, store: Store) throws -> Run {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        if let id = Int64(trimmed) {
            do {
                return try store.run(id: id)
            } catch let error as StoreError where error.code == .notFound {
                throw ServiceError.invalid(
                    "No run has id \(id); name a run as JOB/run-name (see `distill show JOB`) or by its id.")
            }
        }
        guard let slash = trimmed.firstIndex(of: "/") else {
            throw ServiceError.invalid(
                "'\(reference)' is not a run; name it as JOB/run-name (e.g. 3/alpha0.25-res128) or by its run id.")
        }
        let jobPart = String(trimmed[..<slash])
        let runName = String(trimmed[trimmed.index(after: slash)...])
        let job = try JobReference.resolve(jobPart, store: store)
        let runs = try store.runs(jobID: job.id)
        guard let run = runs.first(where: { $0.name == runName }) else {
            throw ServiceError.invalid(
                "Job \(job.id) has no run '\(runName)'; its runs are "
                    + runs.map(\.name).joined(separator: ", ") + ".")
        }
        return run
    }

    /// What the exported file records about this student.
    /// - Returns: The metadata (layout and precision are set by the exporter).
    public func exportMetadata() -> ExportMetadata {
        var names: [String] = []
        if teacher.kind == .attributes, let path = spec.evaluation.labels,
            let labels = try? EvaluationLabels.read(path: path), labels.attributeNames.count == teacher.dimension
        {
            names = labels.attributeNames
        }
        let architecture = network.spec.architecture
        let activation =
            switch architecture {
            case .v1: network.options.activation.rawValue
            case .v2: Activation.relu6.rawValue
            case .v3Large, .v3Small: "relu,hard_swish"
            }
        var metadata = ExportMetadata(
            outputKind: teacher.kind.rawValue, outputNames: names, resolution: run.resolution,
            mean: normalization.mean, standardDeviation: normalization.standardDeviation, alpha: run.alpha,
            variant: network.spec.variant.rawValue, activation: activation, run: reference, teacher: teacher.name)
        metadata.architecture = architecture.rawValue
        return metadata
    }
}
