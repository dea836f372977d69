// Copyright 2026 The Distill authors.

import DistillService
import DistillStore
import DistillTestSupport
import Foundation
import FoundationXML
import Testing

/// Circles of class "point" in an SVG document: (label, cx, cy, data-x, data-y).
final class SVGPoints: NSObject, XMLParserDelegate {
    var points: [(label: String, cx: Double, cy: Double, x: Double, y: Double)] = []

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        guard element == "circle", attributes["class"] == "point" else { return }
        points.append(
            (
                attributes["data-label"] ?? "", Double(attributes["cx"] ?? "") ?? .nan,
                Double(attributes["cy"] ?? "") ?? .nan, Double(attributes["data-x"] ?? "") ?? .nan,
                Double(attributes["data-y"] ?? "") ?? .nan
            ))
    }

    /// Parses `svg`; nil when it is not well-formed XML.
    static func parse(_ svg: String) -> SVGPoints? {
        let parser = XMLParser(data: Data(svg.utf8))
        let delegate = SVGPoints()
        parser.delegate = delegate
        return parser.parse() ? delegate : nil
    }
}

@Suite("distill report: tables, plots and the student to pick, from the database")
struct SweepReportTests {
    /// A job of four finished students (α 0.5 and 0.25 at 64 and 32) with chosen figures, plus a queued one.
    func sweep() throws -> (Store, Job) {
        let directory = try TemporaryDirectory.untilExit(prefix: "distill-report-")
        let store = try Store(path: directory + "/distill.db")
        try store.importTeacher(
            name: "t", kind: .logits, table: TeacherTable(urls: ["u"], values: [1, 2], dimension: 2), sourceFile: nil,
            replace: false)
        let grid: [(Double, Int)] = [(0.5, 64), (0.5, 32), (0.25, 64), (0.25, 32), (1.0, 32)]
        let spec = """
            {"name":"r","teacher":"t","images":{"allow_file_roots":[],"concurrency":8,"max_bytes":1000,\
            "timeout_seconds":10,"min_fetched_fraction":0.5},"evaluation":{"holdout_fraction":0.1},\
            "students":{"architecture":"mobilenet_v1","alpha":[0.5,0.25,1.0],"resolution":[64,32],"activation":"relu"},\
            "training":{"epochs":2,"batch_size":8,"optimizer":"sgd","learning_rate":0.1,"momentum":0.9,\
            "weight_decay":0,"schedule":"constant","step_epochs":1,"step_gamma":0.5,"warmup_epochs":0,\
            "temperature":4,"soft_weight":1,"hard_weight":0,"seed":3,"threads":1,"checkpoint_every_steps":10},\
            "schedule":{"priority":0}}
            """
        let job = try store.submit(
            NewJob(
                name: "r<&>", teacher: "t", specYAML: "", specJSON: spec, priority: 0, notBefore: nil, window: nil,
                runs: grid.map {
                    NewJob.RunPoint(
                        name: "alpha\($0.0)-res\($0.1)", architecture: "mobilenet_v1", alpha: $0.0, resolution: $0.1)
                }))
        // top-1 and costs: the α0.5-res32 student is dominated (worse and dearer than α0.25-res64).
        let figures: [(top1: Double, multAdds: Int, parameters: Int, latency: Double)] = [
            (0.80, 40_000_000, 1_300_000, 0.9), (0.60, 12_000_000, 1_300_000, 0.4),
            (0.70, 11_000_000, 470_000, 0.35), (0.55, 3_000_000, 470_000, 0.2),
        ]
        for (index, figure) in figures.enumerated() {
            let claim = try #require(try store.claimRun(owner: "w@h:1:t", leaseSeconds: 60))
            #expect(claim.run.jobID == job.id)
            for epoch in 1...2 {
                try store.recordMetrics(
                    RunMetricsRow(
                        runID: claim.run.id, epoch: epoch, step: epoch * 5, trainLoss: 2.0 / Double(epoch + index),
                        evalLoss: 2.5 / Double(epoch), top1: figure.top1 - 0.1 / Double(epoch)), lease: claim.lease)
            }
            try store.recordResult(
                claim.lease,
                RunResultRow(
                    top1: figure.top1, teacherAgreement: figure.top1 + 0.01, parameters: figure.parameters,
                    parametersDeployed: figure.parameters + 1000, multAdds: figure.multAdds,
                    flops: 2 * figure.multAdds, memoryAccessBytes: 4 * figure.parameters,
                    latencyMillisecondsBatchOne: figure.latency, latencyMillisecondsBatchN: figure.latency * 20,
                    latencyBatch: 32, latencyThreads: 2, energyMillijoules: 0.01, trainSeconds: 12))
        }
        return (store, job)
    }

    @Test("the table's numbers are the database's; the front and the pick follow the figures")
    func tableFrontAndPick() throws {
        let (store, job) = try sweep()
        let report = try SweepReport.load(jobID: job.id, store: store)
        #expect(report.metricName == "top-1")
        #expect(
            report.students.map(\.run.name) == [
                "alpha0.5-res64", "alpha0.5-res32", "alpha0.25-res64", "alpha0.25-res32", "alpha1.0-res32",
            ])
        #expect(report.students.map(\.score) == [0.80, 0.60, 0.70, 0.55, nil])
        #expect(report.students.map(\.onFront) == [true, false, true, true, false])
        let markdown = report.markdown()
        #expect(
            markdown.contains(
                "| alpha0.5-res64 | 0.5 | 64 | succeeded | 0.8000 | 0.8100 | 1.30 M | 1.30 M | 40.00 M | 80.00 M | "
                    + "5.20 MB | 0.900 ms | 18.000 ms (N=32) | 2 | 0.0100 mJ | 12.0 s | yes |"))
        #expect(markdown.contains("| alpha1.0-res32 | 1.0 | 32 | queued | – |"))

        #expect(report.choose(within: .init()).runName == "alpha0.5-res64")
        let byMultAdds = report.choose(within: .init(multAdds: 15_000_000))
        #expect(byMultAdds.runName == "alpha0.25-res64")
        #expect(
            byMultAdds.reason
                == "alpha0.25-res64: top-1 0.7000 with 11.00 M Mult-Adds, 0.47 M parameters, 0.350 ms batch 1, the best "
                + "of 3 within ≤ 15.00 M Mult-Adds; next: alpha0.5-res32 at 0.6000.")
        #expect(
            report.choose(within: .init(latencyMilliseconds: 0.3, parameters: 500_000)).runName == "alpha0.25-res32")
        let none = report.choose(within: .init(multAdds: 1_000_000))
        #expect(none.runName == nil)
        #expect(
            none.reason
                == "No finished student fits ≤ 1.00 M Mult-Adds; the cheapest is alpha0.25-res32 (3.00 M Mult-Adds, "
                + "0.47 M parameters, 0.200 ms batch 1).")
    }

    @Test("the SVG plots are valid XML with one point per finished student where its figures put it")
    func plotsPointsAtTheirCoordinates() throws {
        let (store, job) = try sweep()
        let report = try SweepReport.load(jobID: job.id, store: store)
        let charts = Dictionary(uniqueKeysWithValues: report.charts.map { ($0.name, $0.chart) })
        for (name, value) in [
            ("mult-adds", { (r: RunResultRow) in Double(r.multAdds) }), ("parameters", { Double($0.parameters) }),
            ("latency", { $0.latencyMillisecondsBatchOne ?? 0 }),
        ] as [(String, (RunResultRow) -> Double)] {
            let chart = try #require(charts[name])
            let parsed = try #require(SVGPoints.parse(chart.render()), "\(name).svg is not well-formed XML")
            let finished = report.students.filter { $0.result != nil }
            #expect(parsed.points.count == finished.count, "\(name)")
            for student in finished {
                let result = try #require(student.result)
                let point = try #require(parsed.points.first { $0.label == student.run.name }, "\(name)")
                #expect(point.x == value(result) && point.y == student.score)
                #expect(abs(point.cx - chart.xAxis.position(of: value(result))) < 0.06)
                #expect(abs(point.cy - chart.yAxis.position(of: student.score ?? 0)) < 0.06)
            }
        }
        // More Mult-Adds further right, better top-1 higher up (SVG y grows downwards).
        let multAdds = try #require(charts["mult-adds"])
        let points = try #require(SVGPoints.parse(multAdds.render())).points
        let sorted = points.sorted { $0.x < $1.x }
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.cx < $1.cx })
        let byScore = points.sorted { $0.y < $1.y }
        #expect(zip(byScore, byScore.dropFirst()).allSatisfy { $0.cy > $1.cy })
        // Per-epoch curves: two points per finished run.
        let trainLoss = try #require(charts["train-loss"])
        let curve = try #require(SVGPoints.parse(trainLoss.render()))
        #expect(curve.points.count == 8)
    }

    @Test("report.html is self-contained: plots inline, no URL of any kind, names escaped")
    func htmlSelfContained() throws {
        let (store, job) = try sweep()
        let report = try SweepReport.load(jobID: job.id, store: store)
        let directory = try TemporaryDirectory.untilExit(prefix: "distill-report-out-")
        let written = try report.write(to: directory, markdown: true, html: true)
        #expect(
            written.map { ($0 as NSString).lastPathComponent }.sorted() == [
                "eval-loss.svg", "latency.svg", "metric-curve.svg", "mult-adds.svg", "parameters.svg", "report.html",
                "report.md", "train-loss.svg",
            ])
        let html = try String(contentsOfFile: directory + "/report.html", encoding: .utf8)
        #expect(!html.contains("http") && !html.contains("<script") && !html.contains("src="))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 6)
        #expect(html.components(separatedBy: "<tr class=\"run").count - 1 == 5)
        #expect(html.contains("data-run=\"alpha0.25-res64\""))
        #expect(html.contains("job 1 'r&lt;&amp;&gt;'") && !html.contains("r<&>"))
    }
}
