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

        let bad = try sandbox.run(["report", "1", "--budget-mult-adds", "lots"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--budget-mult-adds 'lots' is not a positive count; write e.g. 150000000 or 150M."))
        let missing = try sandbox.run(["report", "9"])
        #expect(missing.status == 2 && missing.stderr == "error: No job with id 9; run `distill jobs` to list them.\n")
    }
}
