// Copyright 2026 The Distill authors.

import Foundation
import Testing

@Suite("distill report through the real binary", .serialized)
struct ReportCommandTests {
    @Test("report on a trained sweep writes Markdown, SVG and self-contained HTML and names the pick")
    func reportOnTrainedSweep() throws {
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(alphas: [0.25, 0.5], resolutions: [32], epochs: 2)
        #expect(try sandbox.run(["submit", "job.yaml"]).status == 0)
        let daemon = try sandbox.start(["daemon", "--once", "--latency-repeats", "1"], log: "daemon.log")
        #expect(waitForExit(daemon, seconds: 600) && daemon.terminationStatus == 0)

        let report = try sandbox.run(["report", "1", "--out", "rep", "--budget-mult-adds", "1M"])
        #expect(report.status == 0, "\(report.stderr)")
        // Only α 0.25 at 32x32 (0.83 M Mult-Adds) fits 1 M.
        #expect(report.stdout.hasPrefix("alpha0.25-res32: top-1 "), "\(report.stdout)")
        #expect(report.stdout.contains("the best of 1 within ≤ 1.00 M Mult-Adds"))
        #expect(
            report.stdout.hasSuffix(
                "Wrote report.md, mult-adds.svg, parameters.svg, latency.svg, train-loss.svg, "
                    + "eval-loss.svg, metric-curve.svg, report.html in rep/.\n"))
        let markdown = sandbox.read("rep/report.md")
        #expect(markdown.contains("| alpha0.25-res32 | 0.25 | 32 | succeeded |"))
        #expect(markdown.contains("| alpha0.5-res32 | 0.5 | 32 | succeeded |"))
        let html = sandbox.read("rep/report.html")
        #expect(html.hasPrefix("<!DOCTYPE html>") && !html.contains("http"))
        #expect(sandbox.read("rep/mult-adds.svg").components(separatedBy: "class=\"point\"").count - 1 == 2)

        // The terminal table: rounded figures, the columns that tell students apart, within 120 columns.
        let results = try sandbox.run(["results", "--job", "1"])
        let lines = results.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first?.split(separator: " ").map(String.init) == [
                "job_id", "run_name", "state", "top1", "agreement", "params_M", "mult_adds_M", "latency_b1_ms",
                "train_s",
            ])
        #expect(lines.count == 3 && lines.allSatisfy { $0.count <= 120 })
        let row = lines[1].split(separator: " ").map(String.init)
        #expect(row.count == 9 && row[1] == "alpha0.25-res32" && row[2] == "succeeded")
        #expect(row[3].count == 6 && row[3].hasPrefix("0.") && row[5] == "0.21" && row[6] == "0.83")
        let wide = try sandbox.run(["results", "--job", "1", "--wide"])
        let wideHeader = wide.stdout.prefix { $0 != "\n" }.split(separator: " ").map(String.init)
        // 24 columns of sweep_results plus the 11 int8 columns of migration v4.
        #expect(wideHeader.count == 35 && wideHeader.prefix(4) == ["job_id", "job_name", "teacher", "run_id"])

        let bad = try sandbox.run(["report", "1", "--budget-mult-adds", "lots"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--budget-mult-adds 'lots' is not a positive count; write e.g. 150000000 or 150M."))
        let missing = try sandbox.run(["report", "9"])
        #expect(missing.status == 2 && missing.stderr == "error: No job with id 9; run `distill jobs` to list them.\n")
    }
}
