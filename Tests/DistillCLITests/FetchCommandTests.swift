// Copyright 2026 The Distill authors.

import DistillStore
import DistillTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("distill fetch, images and dataset through the real binary")
struct FetchCommandTests {
    let sandbox: Sandbox

    init() throws { sandbox = try Sandbox() }

    private func images() throws -> [[String: Any]] {
        let result = try sandbox.run(["images", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    @Test("fetch killed with SIGKILL mid-way and restarted: every image fetched exactly once, no partial file")
    func killAndRestart() throws {
        let export = try sandbox.run(["dataset", "fashion-mnist", "--out", "fm", "--limit", "240", "--split", "test"])
        try #require(export.status == 0, "\(export.stderr)")
        let server = try LoopbackServer(root: sandbox.directory.appendingPathComponent("fm/test").path)
        let names = (0..<240).map { String(format: "%05d.png", $0) }
        // 100 ms per response at 4 in flight: the first fetch needs ≥ 6 s, far longer than the first
        // committed batch (≤ 0.5 s), so the kill always lands mid-way even on a loaded machine.
        try sandbox.write(names.map { server.url("/slow/100/\($0)") }.joined(separator: "\n") + "\n", to: "urls.txt")

        let process = sandbox.command([
            "fetch", "--urls", "urls.txt", "--concurrency", "4", "--per-host", "4", "--quiet",
        ])
        // Its output goes to a file of the sandbox (shown when the test fails). Not FileHandle.nullDevice:
        // with it the loopback server's stdin pipe was seen closed under the test (the server then stops,
        // every transfer fails and the fetch exits before it can be killed).
        let output = sandbox.directory.appendingPathComponent("killed-fetch.log").path
        #expect(FileManager.default.createFile(atPath: output, contents: nil))
        let outputHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? outputHandle.close() }
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        try process.run()
        // Wait until some outcomes are committed (read straight from the database: polling through
        // another process would be too slow under load), then kill -9.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: sandbox.database),
                let fetched = try? Store(path: sandbox.database).imageRecords(status: .fetched, limit: 1),
                !fetched.isEmpty
            {
                break
            }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "\(sandbox.read("killed-fetch.log"))")

        let before = try images().filter { $0["status"] as? String == "fetched" }.compactMap { $0["url"] as? String }
        #expect(!before.isEmpty)
        #expect(before.count < 240, "the fetch finished before it could be killed; nothing was interrupted")

        let restart = try sandbox.run([
            "fetch", "--urls", "urls.txt", "--concurrency", "16", "--per-host", "16", "--quiet",
        ])
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(restart.stdout.contains("(\(before.count) already cached)"), "\(restart.stdout)")

        let rows = try images()
        #expect(rows.count == 240)
        #expect(rows.allSatisfy { $0["status"] as? String == "fetched" })
        let counts = try server.counts()
        for url in before {
            let path = String(url.dropFirst("http://127.0.0.1:\(server.port)".count))
            #expect(counts[path] == 1, "\(path) was fetched again after it was recorded")
        }
        // The cache holds exactly one complete file per distinct image and no temporary file.
        let cache = sandbox.database + ".data/cache"
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache)
        #expect(entries.filter { $0.hasPrefix(".tmp-") }.isEmpty)
        var files: [String: Int] = [:]
        for shard in entries where shard.count == 2 {
            for name in try FileManager.default.contentsOfDirectory(atPath: cache + "/" + shard) {
                let attributes = try FileManager.default.attributesOfItem(atPath: cache + "/" + shard + "/" + name)
                files[name] = (attributes[.size] as? Int) ?? -1
            }
        }
        let digests = Dictionary(
            rows.compactMap { row in (row["sha256"] as? String).map { ($0, row["bytes"] as? Int ?? -2) } }
        ) { a, _ in a }
        #expect(files == digests)
    }

    @Test("fetch needs exactly one of --teacher and --urls")
    func fetchUsage() throws {
        let result = try sandbox.run(["fetch"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Give exactly one of --teacher NAME or --urls FILE."))
        let missing = try sandbox.run(["fetch", "--urls", "nope.txt"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: The URL list nope.txt does not exist; check the path.\n")
        let teacher = try sandbox.run(["fetch", "--teacher", "ghost"])
        #expect(teacher.status == 2)
        #expect(
            teacher.stderr
                == "error: No teacher named 'ghost' in this database; run `distill teacher list` to see them.\n")
    }

    @Test("fetch --teacher fetches the teacher's URLs; images --failed lists the failures")
    func teacherFetch() throws {
        let export = try sandbox.run(["dataset", "fashion-mnist", "--out", "fm", "--limit", "2", "--split", "train"])
        try #require(export.status == 0, "\(export.stderr)")
        let root = sandbox.directory.appendingPathComponent("fm").path
        try sandbox.write(
            "url,c0,c1\nfile://\(root)/train/00000.png,1,0\nfile://\(root)/train/00001.png,2,0\nfile://\(root)/missing.png,3,0\n",
            to: "t.csv")
        #expect(try sandbox.run(["teacher", "import", "t", "--kind", "logits", "--file", "t.csv"]).status == 0)
        let fetch = try sandbox.run(["fetch", "--teacher", "t", "--allow-file-root", "fm", "--quiet"])
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(fetch.stdout.hasPrefix("Fetched 2 of 3 images (0 already cached)"))
        #expect(fetch.stdout.contains("  file-not-found       1\n"))
        let again = try sandbox.run(["fetch", "--teacher", "t", "--allow-file-root", "fm", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
        #expect(summary?["requested"] as? Int == 3)
        #expect(summary?["already_fetched"] as? Int == 2)
        #expect(summary?["failed"] as? Int == 1)
        #expect((summary?["failures_by_reason"] as? [String: Int]) == ["file-not-found": 1])
        let failed = try sandbox.run(["images", "--failed"])
        #expect(failed.stdout.contains("file-not-found: file://\(root)/missing.png: no such file \(root)/missing.png."))
        #expect(failed.stdout.hasSuffix("2 fetched, 1 failed, 0 pending.\n"))
        let row = try sandbox.run(["images", "--failed", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(row.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 1)
        #expect(rows?.first?["attempts"] as? Int == 2)  // looked up once per fetch run, beneath its root
        #expect((rows?.first?["failure_reason"] as? String)?.hasPrefix("file-not-found: ") == true)
    }

    @Test("dataset fashion-mnist names the missing package")
    func datasetMissing() throws {
        let result = try sandbox.run(["dataset", "fashion-mnist", "--out", "x", "--source", "/nonexistent"])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: Fashion-MNIST file /nonexistent/train-images-idx3-ubyte.gz is missing; "
                + "install it with `sudo apt-get install dataset-fashion-mnist`.\n")
    }
}
