// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillService
import DistillStore
import Foundation

/// `distill report JOB`: Markdown and self-contained HTML with SVG plots, from the database alone.
///
/// Exit codes: 0 written; 1 a file could not be written; 2 bad options or an unknown job.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a job's report: settings, teacher, every student's metrics and costs, plots, the pick.",
        discussion: """
            Writes report.md with one SVG file per plot, and report.html with the plots inline (no scripts, \
            fonts or external references: it opens offline). Plots: the metric against Mult-Adds (log x, one \
            line per α, the teacher dashed, the Pareto front ringed: the MobileNets paper's Figure 4), against \
            parameters (Figure 5) and against measured latency, and loss and metric per epoch. Budgets choose \
            the best finished student that fits all of them and say why.
            Examples: distill report 7 --out report/
                      distill report 7 --budget-mult-adds 100M --budget-latency-ms 1.5
            Exit codes: 0 written, 1 a file could not be written, 2 bad options or an unknown job.
            """)

    @Argument(help: JobSelector.help)
    var job: JobSelector

    @Option(help: "Directory to write into (created if needed; default: report-job<ID>).")
    var out: String?

    @Option(help: "Comma-separated formats: md (report.md and the SVG files), html (report.html).")
    var format = "md,html"

    @Option(help: "Most Mult-Adds per image the chosen student may have (e.g. 150000000, 150M).")
    var budgetMultAdds: String?

    @Option(help: "Most measured batch-1 latency in milliseconds the chosen student may have.")
    var budgetLatencyMs: Double?

    @Option(help: "Most parameters (paper convention) the chosen student may have (e.g. 1300000, 1.3M).")
    var budgetParams: String?

    @OptionGroup var store: StoreOptions

    func validate() throws {
        let formats = format.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !formats.isEmpty, formats.allSatisfy({ $0 == "md" || $0 == "html" }) else {
            throw ValidationError("--format '\(format)' must list md and/or html, e.g. md,html.")
        }
        _ = try budget()
    }

    func budget() throws -> SweepReport.Budget {
        func count(_ text: String?, _ option: String) throws -> Int? {
            guard let text else { return nil }
            var number = text.trimmingCharacters(in: .whitespaces)
            var scale = 1.0
            if let last = number.last, "kKmMgG".contains(last) {
                scale = ["k": 1e3, "m": 1e6, "g": 1e9][last.lowercased()] ?? 1
                number.removeLast()
            }
            guard let value = Double(number), value.isFinite, value > 0, value * scale < 1e15 else {
                throw ValidationError("\(option) '\(text)' is not a positive count; write e.g. 150000000 or 150M.")
            }
            return Int(value * scale)
        }
        if let latency = budgetLatencyMs, !(latency.isFinite && latency > 0) {
            throw ValidationError("--budget-latency-ms \(latency) must be a positive number of milliseconds.")
        }
        return SweepReport.Budget(
            multAdds: try count(budgetMultAdds, "--budget-mult-adds"), latencyMilliseconds: budgetLatencyMs,
            parameters: try count(budgetParams, "--budget-params"))
    }

    func run() throws {
        let database = try store.open()
        let jobID = try job.id(in: database)
        let report = try SweepReport.load(jobID: jobID, store: database)
        let formats = Set(format.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let budget = try budget()
        let directory = out ?? "report-job\(jobID)"
        let written = try report.write(
            to: directory, markdown: formats.contains("md"), html: formats.contains("html"), budget: budget)
        print(report.choose(within: budget).reason)
        print(
            "Wrote " + written.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ") + " in \(directory)/."
        )
    }
}
