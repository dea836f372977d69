// Copyright 2026 The Distill authors.
// `distill serve` through the real binary and a real browser: headless Chromium (Debian's `chromium`, installed
// by `make test`) renders the dashboard and the report; screenshots go under .build/.

import DistillData
import DistillTestSupport
import Foundation
import Testing

@Suite("distill serve and the report in a browser", .serialized)
struct ServeCommandTests {
    /// Starts `distill serve --port 0` and returns it with its port (read from its first line).
    func serve(_ sandbox: Sandbox) throws -> (Process, Int) {
        let process = sandbox.command(["serve", "--port", "0"])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        let port = text.components(separatedBy: "127.0.0.1:").last.flatMap { Int($0.prefix { $0.isNumber }) }
        return (process, try #require(port, "serve printed \(text)"))
    }

    /// GET over loopback: the body, or the HTTP status of a failure.
    func get(_ url: String) throws -> (status: Int, body: String) {
        var result: (Int, String) = (0, "")
        try Fetcher().fetch([url]) { outcome in
            switch outcome.result {
            case .success(let body): result = (body.httpStatus ?? 200, String(decoding: body.bytes, as: UTF8.self))
            case .failure(let failure): result = (failure.httpStatus ?? 0, failure.message)
            }
        }
        return result
    }

    /// Chromium's DOM of a page after its scripts ran for `virtualSeconds`; a screenshot under .build/.
    func browse(_ url: String, screenshot: String, virtualSeconds: Int = 3) throws -> String {
        let profile = try TemporaryDirectory.untilExit(prefix: "distill-chromium-")
        let shots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        func chromium(_ extra: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
            process.arguments =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + profile,
                    "--virtual-time-budget=\(virtualSeconds * 1000)", "--window-size=1300,2000",
                ] + extra + [url]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            #expect(waitForExit(process, seconds: 120))
            return String(decoding: data, as: UTF8.self)
        }
        _ = try chromium(["--screenshot=" + shots.appendingPathComponent(screenshot).path])
        #expect(FileManager.default.fileExists(atPath: shots.appendingPathComponent(screenshot).path))
        return try chromium(["--dump-dom"])
    }

    @Test("the dashboard renders jobs, runs, plots and live progress in Chromium; unknown jobs are 404 pages")
    func dashboardInBrowser() throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
            "Chromium is missing: `make test` installs Debian's chromium")
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(alphas: [0.25, 0.5], resolutions: [32], epochs: 2)
        #expect(try sandbox.run(["submit", "job.yaml"]).status == 0)
        let trained = try sandbox.start(["daemon", "--once", "--latency-repeats", "1"], log: "daemon.log")
        #expect(waitForExit(trained, seconds: 600) && trained.terminationStatus == 0)
        // A second, long job that a daemon trains while the dashboard is up.
        try sandbox.writeFashionJob("long.yaml", name: "long-one", epochs: 500, checkpointEvery: 2)
        #expect(try sandbox.run(["submit", "long.yaml"]).status == 0)
        let (server, port) = try serve(sandbox)
        defer {
            server.terminate()
            _ = waitForExit(server)
        }
        let base = "http://127.0.0.1:\(port)"

        let list = try browse(base + "/", screenshot: "dashboard-jobs.png")
        #expect(list.contains("cli-run") && list.contains("long-one"))
        #expect(list.components(separatedBy: "<tr class=\"job\"").count - 1 == 2)

        let page = try browse(base + "/jobs/1", screenshot: "dashboard-job1.png")
        #expect(page.contains("Job 1 'cli-run'"))
        for run in ["alpha0.25-res32", "alpha0.5-res32"] {
            #expect(page.contains("<tr class=\"run\" data-run=\"\(run)\">"), "row of \(run)")
            // One point per plot of the metric against a cost (3 plots), one per epoch on each curve (3 × 2).
            #expect(page.components(separatedBy: "data-label=\"\(run)\"").count - 1 == 3)
            #expect(page.components(separatedBy: "data-series=\"\(run)\"").count - 1 == 6)
        }

        // Live: the long job's progress moves while a daemon trains it, and the page shows the API's figures.
        let daemon = try sandbox.start(["daemon", "--poll", "0.1"], log: "long.log")
        defer {
            daemon.terminate()
            _ = waitForExit(daemon)
        }
        func step() throws -> Int {
            let snapshot = try JSONSerialization.jsonObject(with: Data(get(base + "/api/jobs/2").body.utf8))
            let runs = (snapshot as? [String: Any])?["runs"] as? [[String: Any]]
            return ((runs?.first?["run"] as? [String: Any])?["step"] as? Int) ?? -1
        }
        #expect(try waitUntil(seconds: 60) { try step() > 0 })
        let first = try step()
        #expect(try waitUntil(seconds: 60) { try step() > first })
        let live = try browse(base + "/jobs/2", screenshot: "dashboard-job2-live.png", virtualSeconds: 5)
        #expect(live.contains("<td data-field=\"state\" class=\"state-running\">running</td>"))
        #expect(live.contains("<span id=\"job-state\">running</span>"))

        let metrics = try get(base + "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("distill_jobs{state=\"succeeded\"} 1\n"))
        #expect(metrics.body.contains("distill_runs_training 1\n"))
        #expect(metrics.body.contains("distill_images{status=\"fetched\"} 96\n"))
        let jobs = try JSONSerialization.jsonObject(with: Data(get(base + "/api/jobs").body.utf8)) as? [[String: Any]]
        #expect(jobs?.map { $0["name"] as? String } == ["long-one", "cli-run"])

        #expect(try get(base + "/jobs/77").status == 404)
        #expect(try get(base + "/jobs/not-a-number").status == 404)
        #expect(try get(base + "/api/jobs/77").status == 404)
        #expect(server.isRunning)
    }

    @Test("the report file renders in Chromium with every run's row and its plots, offline")
    func reportInBrowser() throws {
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(alphas: [0.25, 0.5], resolutions: [32], epochs: 1)
        #expect(try sandbox.run(["submit", "job.yaml"]).status == 0)
        let daemon = try sandbox.start(["daemon", "--once", "--latency-repeats", "1"], log: "daemon.log")
        #expect(waitForExit(daemon, seconds: 600) && daemon.terminationStatus == 0)
        #expect(try sandbox.run(["report", "1", "--out", "rep"]).status == 0)
        let dom = try browse(sandbox.directory.path + "/rep/report.html", screenshot: "report.png")
        #expect(dom.contains("Distillation report: job 1 'cli-run'"))
        #expect(dom.contains("data-run=\"alpha0.25-res32\"") && dom.contains("data-run=\"alpha0.5-res32\""))
        #expect(dom.components(separatedBy: "class=\"point\"").count - 1 == 3 * 2 + 3 * 2)
    }
}
