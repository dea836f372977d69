// Copyright 2026 The Distill authors.
// What `distill report` shows, read from the database alone: the job's settings, its teacher (with the teacher's
// own score on the evaluation images its runs were frozen with), one row per student with every metric and cost,
// per-epoch curves, the Pareto front of metric against Mult-Adds, and the student to pick for a budget.

import DistillStore
import Foundation

/// A job's sweep, ready to be written as Markdown, HTML and SVG.
public struct SweepReport: Sendable {
    /// One student of the sweep.
    public struct Student: Sendable {
        /// The run.
        public var run: Run
        /// Its results row, once it succeeded.
        public var result: RunResultRow?
        /// Its per-epoch metrics.
        public var metrics: [RunMetricsRow]
        /// Its figure of merit (the teacher kind's metric), once it succeeded.
        public var score: Double?
        /// On the Pareto front of score against Mult-Adds.
        public var onFront = false
    }

    /// What a budget picks.
    public struct Choice: Sendable, Equatable {
        /// The chosen run's name, nil when nothing fits.
        public var runName: String?
        /// Why, in a sentence.
        public var reason: String
    }

    /// Limits a student must stay within.
    public struct Budget: Sendable, Equatable {
        /// Mult-Adds per image.
        public var multAdds: Int?
        /// Measured batch-1 latency, ms.
        public var latencyMilliseconds: Double?
        /// Parameters (paper convention).
        public var parameters: Int?

        /// Creates a budget (nil: no limit).
        public init(multAdds: Int? = nil, latencyMilliseconds: Double? = nil, parameters: Int? = nil) {
            self.multAdds = multAdds
            self.latencyMilliseconds = latencyMilliseconds
            self.parameters = parameters
        }

        /// Whether any limit is set.
        public var isEmpty: Bool { multAdds == nil && latencyMilliseconds == nil && parameters == nil }
    }

    /// The job.
    public var job: Job
    /// The validated spec.
    public var spec: JobSpec
    /// Its teacher.
    public var teacher: Teacher
    /// The teacher's own score on the evaluation images (nil without labels to score it against).
    public var teacherScore: Double?
    /// The students, in grid order.
    public var students: [Student]
    /// The name of the figure of merit: "top-1", "mean AP", "verification at FAR 1e-4" or "agreement".
    public var metricName: String

    /// Reads a job's report from the database.
    /// - Parameters:
    ///   - jobID: The job.
    ///   - store: The database.
    /// - Returns: The report.
    /// - Throws: `StoreError.notFound` for an unknown job; `ServiceError` for an unreadable spec.
    public static func load(jobID: Int64, store: Store) throws -> SweepReport {
        let job = try store.job(id: jobID)
        let spec = try RunExecutor.decodeSpec(try store.jobSpecJSON(id: jobID), jobID: jobID)
        let teacher = try store.teacher(named: job.teacher)
        var students = try store.runs(jobID: jobID).map { run in
            Student(run: run, result: try store.result(runID: run.id), metrics: try store.metrics(runID: run.id))
        }
        let metricName = Self.metricName(kind: teacher.kind, students: students)
        for index in students.indices {
            students[index].score = students[index].result.flatMap { Self.score($0, metric: metricName) }
        }
        Self.markFront(&students)
        let teacherScore = try Self.teacherScore(
            teacher: teacher, metricName: metricName, runs: students.map(\.run), store: store)
        return SweepReport(
            job: job, spec: spec, teacher: teacher, teacherScore: teacherScore, students: students,
            metricName: metricName)
    }

    /// The best finished student within a budget: the highest score, ties to fewer Mult-Adds.
    /// - Parameter budget: The limits.
    /// - Returns: The choice and why.
    public func choose(within budget: Budget) -> Choice {
        let finished = students.filter { $0.score != nil && $0.result != nil }
        guard !finished.isEmpty else {
            return Choice(runName: nil, reason: "No student has finished yet; nothing to choose from.")
        }
        var limits: [String] = []
        if let value = budget.multAdds { limits.append("≤ \(Self.millions(value)) Mult-Adds") }
        if let value = budget.latencyMilliseconds { limits.append("≤ \(Self.milliseconds(value)) batch-1 latency") }
        if let value = budget.parameters { limits.append("≤ \(Self.millions(value)) parameters") }
        let within = finished.filter { student in
            guard let result = student.result else { return false }
            if let limit = budget.multAdds, result.multAdds > limit { return false }
            if let limit = budget.parameters, result.parameters > limit { return false }
            if let limit = budget.latencyMilliseconds {
                guard let latency = result.latencyMillisecondsBatchOne, latency <= limit else { return false }
            }
            return true
        }
        let ranked = within.sorted {
            ($0.score ?? 0, -($0.result?.multAdds ?? 0)) > ($1.score ?? 0, -($1.result?.multAdds ?? 0))
        }
        guard let best = ranked.first, let result = best.result, let score = best.score else {
            let cheapest = finished.min { ($0.result?.multAdds ?? 0) < ($1.result?.multAdds ?? 0) }
            return Choice(
                runName: nil,
                reason: "No finished student fits \(limits.joined(separator: ", ")); the cheapest is "
                    + "\(cheapest?.run.name ?? "-") (\(cheapest?.result.map { Self.describeCosts($0) } ?? "-")).")
        }
        var reason = "\(best.run.name): \(metricName) \(Self.figure(score)) with \(Self.describeCosts(result))"
        reason +=
            limits.isEmpty
            ? ", the best of the sweep" : ", the best of \(within.count) within \(limits.joined(separator: ", "))"
        if let runnerUp = ranked.dropFirst().first, let other = runnerUp.score {
            reason += "; next: \(runnerUp.run.name) at \(Self.figure(other))"
        }
        return Choice(runName: best.run.name, reason: reason + ".")
    }

    // MARK: - Figures

    /// The metric of a teacher kind that a results row has.
    static func metricName(kind: TeacherKind, students: [Student]) -> String {
        let results = students.compactMap(\.result)
        switch kind {
        case .logits: return results.contains { $0.top1 != nil } || results.isEmpty ? "top-1" : "agreement"
        case .attributes: return "mean AP"
        case .embedding:
            return results.contains { $0.verificationAccuracy != nil } || results.isEmpty
                ? "verification at FAR 1e-4" : "agreement"
        }
    }

    static func score(_ result: RunResultRow, metric: String) -> Double? {
        switch metric {
        case "top-1": return result.top1
        case "mean AP": return result.meanAP
        case "verification at FAR 1e-4": return result.verificationAccuracy
        default: return result.teacherAgreement
        }
    }

    /// Marks students no other finished student beats on both score (higher) and Mult-Adds (fewer).
    static func markFront(_ students: inout [Student]) {
        for index in students.indices {
            guard let score = students[index].score, let cost = students[index].result?.multAdds else { continue }
            let dominated = students.contains { other in
                guard let otherScore = other.score, let otherCost = other.result?.multAdds else { return false }
                return otherScore >= score && otherCost <= cost && (otherScore > score || otherCost < cost)
            }
            students[index].onFront = !dominated
        }
    }

    /// The teacher's own score on the evaluation images its runs were frozen with (labels from `run_samples`).
    static func teacherScore(teacher: Teacher, metricName: String, runs: [Run], store: Store) throws -> Double? {
        guard let frozen = try runs.lazy.compactMap({ try store.frozenSamples(runID: $0.id) }).first else { return nil }
        var vectors: [String: [Float]] = [:]
        for output in try store.teacherOutputs(teacherID: teacher.id) { vectors[output.url] = output.vector }
        let width = teacher.dimension
        let samples = frozen.evaluation.filter { vectors[$0.url]?.count == width }
        switch metricName {
        case "top-1":
            let labelled = samples.filter { ($0.classIndex ?? width) < width }
            guard !labelled.isEmpty else { return nil }
            return try ClassificationMetrics.topOneAccuracy(
                logits: labelled.flatMap { vectors[$0.url] ?? [] }, labels: labelled.compactMap(\.classIndex),
                classes: width)
        case "mean AP":
            let labelled = samples.filter { $0.attributes?.count == width }
            guard !labelled.isEmpty else { return nil }
            return try AveragePrecision.report(
                scores: labelled.flatMap { vectors[$0.url] ?? [] },
                labels: labelled.flatMap { ($0.attributes ?? []).map { $0 > 0.5 } }, attributes: width
            ).mean
        case "verification at FAR 1e-4":
            let labelled = samples.filter { $0.classIndex != nil }
            let identities = labelled.compactMap(\.classIndex)
            guard Set(identities).count > 1, identities.count > Set(identities).count else { return nil }
            return try EmbeddingVerification.evaluate(
                embeddings: labelled.flatMap { vectors[$0.url] ?? [] }, identities: identities, dimension: width
            ).validationRate
        default:
            return samples.isEmpty ? nil : 1  // the teacher agrees with itself
        }
    }

    // MARK: - Formatting

    static func figure(_ value: Double) -> String { String(format: "%.4f", value) }

    static func millions(_ value: Int) -> String { String(format: "%.2f M", Double(value) / 1e6) }

    static func milliseconds(_ value: Double) -> String { String(format: "%.3f ms", value) }

    static func describeCosts(_ result: RunResultRow) -> String {
        var parts = ["\(millions(result.multAdds)) Mult-Adds", "\(millions(result.parameters)) parameters"]
        if let latency = result.latencyMillisecondsBatchOne { parts.append("\(milliseconds(latency)) batch 1") }
        return parts.joined(separator: ", ")
    }
}
