// Copyright 2026 The Distill authors.
// The report's files: SVG plots (the paper's Figure 4 and 5 shape: the metric against Mult-Adds and parameters,
// log x, one line per α (per family and α when a job trains several families), the teacher as a dashed line, the Pareto front ringed; against measured latency; loss
// and metric per epoch), report.md referencing them, and a self-contained report.html with them inline.

import DistillModels
import DistillStore
import Foundation

extension SweepReport {
    /// The report's plots: file name (without extension) and chart.
    public var charts: [(name: String, chart: SVGChart)] {
        let finished = students.filter { $0.score != nil && $0.result != nil }
        // One series per α, and per family when the job trains several (V1, V2, V3-Large, V3-Small).
        let families = MobileNetArchitecture.allCases.map(\.rawValue).filter { name in
            finished.contains { $0.run.architecture == name }
        }
        let groups = families.flatMap { family in
            Array(Set(finished.filter { $0.run.architecture == family }.map(\.run.alpha))).sorted(by: >).map {
                (family: family, alpha: $0)
            }
        }
        func series(_ x: (RunResultRow) -> Double?) -> [SVGChart.Series] {
            groups.map { group in
                let family = MobileNetArchitecture(rawValue: group.family)?.shortName ?? group.family
                return SVGChart.Series(
                    name: families.count > 1 ? "\(family) α \(Self.trim(group.alpha))" : "α \(Self.trim(group.alpha))",
                    points: finished.filter { $0.run.alpha == group.alpha && $0.run.architecture == group.family }
                        .compactMap { student in
                        guard let result = student.result, let score = student.score, let value = x(result) else {
                            return nil
                        }
                        return SVGChart.Point(
                            x: value, y: score, label: student.run.name, highlighted: student.onFront)
                    })
            }
        }
        let references = teacherScore.map { [(y: $0, label: "teacher \(teacher.name): \(Self.figure($0))")] } ?? []
        var charts: [(String, SVGChart)] = [
            (
                "mult-adds",
                SVGChart(
                    title: "\(metricName) against Mult-Adds (Pareto front ringed)", xTitle: "Mult-Adds per image (log)",
                    yTitle: metricName, logarithmicX: true, series: series { Double($0.multAdds) },
                    references: references)
            ),
            (
                "parameters",
                SVGChart(
                    title: "\(metricName) against parameters", xTitle: "parameters (log)", yTitle: metricName,
                    logarithmicX: true, series: series { Double($0.parameters) }, references: references)
            ),
            (
                "latency",
                SVGChart(
                    title: "\(metricName) against measured batch-1 latency", xTitle: "latency, ms (log)",
                    yTitle: metricName, logarithmicX: true, series: series { $0.latencyMillisecondsBatchOne },
                    references: references)
            ),
        ]
        let curves = students.filter { !$0.metrics.isEmpty }
        func curve(_ title: String, _ y: String, _ value: @escaping (RunMetricsRow) -> Double?) -> SVGChart {
            SVGChart(
                title: title, xTitle: "epoch", yTitle: y, logarithmicX: false,
                series: curves.map { student in
                    SVGChart.Series(
                        name: student.run.name,
                        points: student.metrics.compactMap { row in
                            value(row).map { SVGChart.Point(x: Double(row.epoch), y: $0) }
                        })
                })
        }
        charts.append(("train-loss", curve("Training loss per epoch", "train loss", { $0.trainLoss })))
        charts.append(("eval-loss", curve("Evaluation loss per epoch", "eval loss", { $0.evalLoss })))
        let perEpoch: (RunMetricsRow) -> Double? =
            switch metricName {
            case "top-1": { $0.top1 }
            case "mean AP": { $0.meanAP }
            default: { $0.agreement }
            }
        charts.append(("metric-curve", curve("\(metricName) per epoch", metricName, perEpoch)))
        return charts
    }

    /// The students table: header and rows of text.
    public var table: (header: [String], rows: [[String]]) {
        let header = [
            "run", "α", "resolution", "state", metricName, "agreement", "params (paper)", "params (deployed)",
            "Mult-Adds", "FLOPs", "memory access", "latency b1", "latency bN", "threads", "energy/image",
            "train time", "front",
        ]
        let rows = students.map { student -> [String] in
            let result = student.result
            let figure: (Double?) -> String = { $0.map(Self.figure) ?? "–" }
            return [
                student.run.name, Self.trim(student.run.alpha), "\(student.run.resolution)", student.run.state.rawValue,
                figure(student.score), figure(result?.teacherAgreement),
                result.map { Self.millions($0.parameters) } ?? "–",
                result.map { Self.millions($0.parametersDeployed) } ?? "–",
                result.map { Self.millions($0.multAdds) } ?? "–", result.map { Self.millions($0.flops) } ?? "–",
                result.map { String(format: "%.2f MB", Double($0.memoryAccessBytes) / 1e6) } ?? "–",
                result?.latencyMillisecondsBatchOne.map(Self.milliseconds) ?? "–",
                result.flatMap { row in
                    row.latencyMillisecondsBatchN.map { "\(Self.milliseconds($0)) (N=\(row.latencyBatch ?? 0))" }
                } ?? "–",
                result?.latencyThreads.map { "\($0)" } ?? "–",
                result.map { String(format: "%.4f mJ", $0.energyMillijoules) } ?? "–",
                result.map { String(format: "%.1f s", $0.trainSeconds) } ?? "–",
                student.onFront ? "yes" : "",
            ]
        }
        return (header, rows)
    }

    /// The job's settings as (name, value) lines.
    public var settings: [(String, String)] {
        let training = spec.training
        return [
            (
                "job",
                "\(job.id) '\(job.name)', \(job.state.rawValue), \(job.runsSucceeded)/\(job.runCount) runs succeeded"
            ),
            (
                "teacher",
                "\(teacher.name): \(teacher.kind.rawValue), dimension \(teacher.dimension), "
                    + "\(teacher.outputCount) outputs"
                    + (teacherScore.map { ", \(metricName) \(Self.figure($0)) on the evaluation images" } ?? "")
            ),
            (
                "students",
                "\(spec.students.architectures.joined(separator: ", ")), α \(spec.students.alpha.map(Self.trim).joined(separator: ", ")); "
                    + "resolution \(spec.students.resolution.map(String.init).joined(separator: ", ")); \(spec.students.activation)"
            ),
            (
                "training",
                "\(training.epochs) epochs, batch \(training.batchSize), \(training.optimizer) "
                    + "lr \(training.learningRate) (\(training.schedule)), weight decay \(training.weightDecay), "
                    + "T \(training.temperature), soft \(training.softWeight) / hard \(training.hardWeight), seed \(training.seed)"
            ),
            (
                "evaluation",
                spec.evaluation.labels.map { "labels \($0)" }
                    ?? "hold-out \(spec.evaluation.holdoutFraction) of the teacher's images"
            ),
            ("submitted", job.submittedAt + (job.finishedAt.map { ", finished \($0)" } ?? "")),
        ]
    }

    /// report.md (plots referenced as the SVG files written beside it).
    /// - Parameter budget: The budget to choose a student for (empty: the best of the sweep).
    /// - Returns: The Markdown text.
    public func markdown(budget: Budget = Budget()) -> String {
        var text = "# Distillation report: job \(job.id) '\(job.name)'\n\n"
        for (name, value) in settings { text += "- **\(name)**: \(value)\n" }
        text += "\n## The student to pick\n\n\(choose(within: budget).reason)\n\n## Students\n\n"
        let (header, rows) = table
        text +=
            "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for row in rows {
            text += "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        text += "\n## Plots\n\n"
        for (name, chart) in charts { text += "![\(chart.title)](\(name).svg)\n\n" }
        text += Self.footnote
        return text
    }

    /// report.html: self-contained (styles and SVG inline; no scripts, fonts or external references).
    /// - Parameter budget: The budget to choose a student for.
    /// - Returns: The HTML text.
    public func html(budget: Budget = Budget()) -> String {
        var text = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Distillation report: job \(job.id) \(markupEscaped(job.name))</title>
            <style>
            body { font-family: sans-serif; margin: 2em; color: #222; }
            table { border-collapse: collapse; font-size: 13px; }
            th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            tr.front td { background: #eef6ff; }
            .plots svg { margin: 0.5em 1em 1em 0; border: 1px solid #ddd; }
            </style></head><body>
            <h1>Distillation report: job \(job.id) '\(markupEscaped(job.name))'</h1>
            <ul>

            """
        for (name, value) in settings { text += "<li><b>\(markupEscaped(name))</b>: \(markupEscaped(value))</li>\n" }
        text += "</ul>\n<h2>The student to pick</h2>\n<p id=\"choice\">\(markupEscaped(choose(within: budget).reason))</p>\n"
        text += "<h2>Students</h2>\n<table id=\"students\">\n<tr>"
        let (header, rows) = table
        text += header.map { "<th>\(markupEscaped($0))</th>" }.joined() + "</tr>\n"
        for (student, row) in zip(students, rows) {
            text += "<tr class=\"run\(student.onFront ? " front" : "")\" data-run=\"\(markupEscaped(student.run.name))\">"
            text += row.map { "<td>\(markupEscaped($0))</td>" }.joined() + "</tr>\n"
        }
        text += "</table>\n<h2>Plots</h2>\n<div class=\"plots\">\n"
        for (_, chart) in charts { text += chart.render(standalone: false) }
        text += "</div>\n<p>\(markupEscaped(Self.footnote))</p>\n</body></html>\n"
        return text
    }

    /// Writes the report's files into a directory (created if needed).
    /// - Parameters:
    ///   - directory: Where.
    ///   - markdown: Write report.md and the SVG files.
    ///   - html: Write report.html.
    ///   - budget: The budget to choose a student for.
    /// - Returns: The paths written.
    /// - Throws: `ServiceError.io` when a file cannot be written.
    public func write(to directory: String, markdown: Bool, html: Bool, budget: Budget = Budget()) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ServiceError(.io, "Cannot create the report directory \(directory): \(error.localizedDescription).")
        }
        var files: [(String, String)] = []
        if markdown {
            files.append(("report.md", self.markdown(budget: budget)))
            for (name, chart) in charts { files.append(("\(name).svg", chart.render())) }
        }
        if html { files.append(("report.html", self.html(budget: budget))) }
        var written: [String] = []
        for (name, text) in files {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw ServiceError(.io, "Cannot write \(path): \(error.localizedDescription).")
            }
            written.append(path)
        }
        return written
    }

    static let footnote =
        "Costs as `distill cost` counts them: parameters as the MobileNets paper counts them (weights only) and as "
        + "deployed (batch norm folded into biases); Mult-Adds and FLOPs per image; memory access = inputs, outputs "
        + "and weights read or written per layer; latency = median measured forward pass on the training machine "
        + "with the thread count shown; energy = the SRAM estimate from operation and memory-access counts. "
        + "The front: students no other student beats on both the metric and Mult-Adds."

    static func trim(_ value: Double) -> String {
        value == value.rounded() ? String(format: "%.1f", value) : "\(value)"
    }
}
