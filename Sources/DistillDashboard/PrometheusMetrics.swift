// Copyright 2026 The Distill authors.
// `GET /metrics` in the Prometheus text exposition format (version 0.0.4): gauges read from the database at
// scrape time, every series named distill_….

import DistillStore
import Foundation

enum PrometheusMetrics {
    /// The exposition text.
    /// - Parameter store: The database.
    /// - Returns: The text.
    /// - Throws: `StoreError` when the database cannot be read.
    static func render(store: Store) throws -> String {
        var text = ""
        func family(_ name: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for sample in samples {
                let value = sample.value == sample.value.rounded() ? String(Int(sample.value)) : "\(sample.value)"
                text += "\(name)\(sample.labels.isEmpty ? "" : "{\(sample.labels)}") \(value)\n"
            }
        }
        let jobs = try store.jobs()
        family(
            "distill_jobs", "Jobs by state.",
            JobState.allCases.map { state in
                ("state=\"\(state.rawValue)\"", Double(jobs.filter { $0.state == state }.count))
            })
        var training: [(String, Double)] = []
        var speeds: [(String, Double)] = []
        var runsByState: [JobState: Int] = [:]
        for job in jobs where !job.state.isFinal {
            for run in try store.runs(jobID: job.id) {
                runsByState[run.state, default: 0] += 1
                guard run.state == .running else { continue }
                let labels = "job=\"\(job.id)\",run=\"\(label(run.name))\""
                training.append((labels, run.progress))
                if let speed = try store.metrics(runID: run.id).last?.imagesPerSecond { speeds.append((labels, speed)) }
            }
        }
        family("distill_runs_training", "Runs being trained now.", [("", Double(runsByState[.running] ?? 0))])
        family(
            "distill_runs_waiting", "Runs of unfinished jobs waiting for a worker (queued or paused).",
            [("", Double((runsByState[.queued] ?? 0) + (runsByState[.paused] ?? 0)))])
        family("distill_run_progress", "Fraction of a training run done.", training)
        family("distill_run_images_per_second", "Training images per second of a run's last epoch.", speeds)
        let images = try store.imageStatusCounts()
        family(
            "distill_images", "Images by fetch status.",
            ImageStatus.allCases.map { ("status=\"\($0.rawValue)\"", Double(images[$0] ?? 0)) })
        family(
            "distill_image_fetch_failures", "Failed images by reason.",
            try store.imageFailureCounts().sorted { $0.key < $1.key }.map {
                ("reason=\"\(label($0.key))\"", Double($0.value))
            })
        return text
    }

    /// A label value with backslash, quote and newline escaped.
    static func label(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
