// Copyright 2026 The Distill authors.

import DistillData
import Foundation
import Testing

@Suite("distill CLI end to end")
struct CLITests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    static let job = """
        name: cli-sweep
        teacher: fashion
        students:
          alpha: [0.5, 0.25]
          resolution: [128, 160]
        training:
          batch_size: 2

        """

    func importTeacher() throws {
        try sandbox.write("url,c0,c1,c2\nfile:///a.png,1,2,3\nfile:///b.png,4,5,6\nfile:///c.png,7,8,9\n", to: "t.csv")
        let result = try sandbox.run(["teacher", "import", "fashion", "--kind", "logits", "--file", "t.csv"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "Imported teacher 'fashion': 3 logits vectors of dimension 3.\n")
    }

    @Test("submit → jobs → show → cancel → logs → results through the real binary")
    func jobLifecycle() throws {
        try importTeacher()
        try sandbox.write(Self.job, to: "job.yaml")
        let submit = try sandbox.run(["submit", "job.yaml", "--window", "22:00-06:00", "--priority", "4"])
        #expect(submit.status == 0, "\(submit.stderr)")
        #expect(submit.stdout == "Submitted job 1 'cli-sweep' with 4 run(s).\n")

        let jobs = try sandbox.run(["jobs", "--json"])
        let listed = try JSONSerialization.jsonObject(with: Data(jobs.stdout.utf8)) as? [[String: Any]]
        #expect(listed?.count == 1)
        #expect(listed?.first?["state"] as? String == "queued")
        #expect(listed?.first?["window_start"] as? String == "22:00")
        #expect(listed?.first?["priority"] as? Int == 4)
        #expect(try sandbox.run(["jobs"]).stdout.contains("cli-sweep  fashion  queued  0/4"))

        let show = try sandbox.run(["show", "1"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("alpha0.25-res160  mobilenet_v1  0.25   160         queued"))
        #expect(show.stdout.contains("window 22:00-06:00"))
        // A job is named by its id or by its job file's name (the newest of that name).
        #expect(try sandbox.run(["show", "cli-sweep"]).stdout == show.stdout)
        let second = try sandbox.run(["submit", "job.yaml"])
        #expect(second.stdout == "Submitted job 2 'cli-sweep' with 4 run(s).\n")
        #expect(try sandbox.run(["priority", "cli-sweep", "7"]).stdout == "Job 2 'cli-sweep' now has priority 7.\n")
        #expect(try sandbox.run(["cancel", "cli-sweep"]).stdout == "Cancelled job 2 'cli-sweep'.\n")
        #expect(try sandbox.run(["results", "--job", "cli-sweep", "--format", "csv"]).stdout.hasPrefix("job_id,"))
        let nameless = try sandbox.run(["show", "no-such-sweep"])
        #expect(nameless.status == 2)
        #expect(
            nameless.stderr
                == "error: No job is named 'no-such-sweep'; run `distill jobs` to list them, or name a job by its id.\n"
        )

        let cancel = try sandbox.run(["cancel", "1"])
        #expect(cancel.stdout == "Cancelled job 1 'cli-sweep'.\n")
        let again = try sandbox.run(["cancel", "1"])
        #expect(again.status == 2)
        #expect(again.stderr == "error: Job 1 is already cancelled; only unfinished jobs can be cancelled.\n")
        #expect(try sandbox.run(["jobs", "--state", "cancelled"]).stdout.contains("cancelled"))

        let logs = try sandbox.run(["logs", "1"])
        #expect(logs.stdout.contains("submitted 'cli-sweep' with 4 run(s) for teacher 'fashion'"))
        #expect(logs.stdout.hasSuffix("cancelled by user\n"))

        let csv = try sandbox.run(["results", "--job", "1", "--format", "csv"])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(
            lines.first?.hasPrefix("job_id,job_name,teacher,run_id,run_name,architecture,alpha,resolution,state")
                == true)
        #expect(lines.dropFirst().allSatisfy { $0.contains(",cancelled,") })
        let json = try sandbox.run(["results", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 8 && rows?.first?["alpha"] as? Double == 0.5)
    }

    @Test("bench train and bench infer --profile account for every layer kind (figures, never speed limits)")
    func benchProfiles() throws {
        let small = ["--alpha", "0.25", "--resolution", "32", "--batch", "2", "--threads", "1", "--outputs", "10"]
        let train = try sandbox.run(["bench", "train", "--steps", "2", "--profile"] + small)
        #expect(train.status == 0, "\(train.stderr)")
        let infer = try sandbox.run(["bench", "infer", "--repeats", "2", "--profile"] + small)
        #expect(infer.status == 0, "\(infer.stderr)")
        func json(_ output: String) -> [String: Any] {
            let line = output.split(separator: "\n").last.map(String.init) ?? ""
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        }
        let trained = json(train.stdout)["profile"] as? [String: Double] ?? [:]
        #expect(
            Set(trained.keys).isSuperset(of: ["convolution", "depthwise", "pointwise", "fc", "pool"]), "\(trained)")
        let inferred = json(infer.stdout)
        for key in ["profile_batch_one", "profile_batch"] {
            let table = inferred[key] as? [String: Double] ?? [:]
            #expect(Set(table.keys) == ["convolution", "depthwise", "pointwise", "fc", "pool"], "\(key): \(table)")
            #expect(table.values.allSatisfy { $0 > 0 }, "\(key): \(table)")
        }
        #expect(infer.stdout.contains("time per batch 1 pass by layer kind"), "\(infer.stdout)")
        // One thread, batch 2: one single-threaded stream taking one image at a time; --streams 0 is one pass.
        #expect(inferred["streams"] as? Int == 1 && inferred["images_per_pass"] as? Int == 1, "\(inferred)")
        let onePass = try sandbox.run(["bench", "infer", "--repeats", "1", "--streams", "0"] + small)
        #expect(onePass.status == 0 && json(onePass.stdout)["streams"] as? Int == 0, "\(onePass.stderr)")
        #expect(onePass.stdout.contains("(one pass)"), "\(onePass.stdout)")
        let tooMany = try sandbox.run(["bench", "infer", "--streams", "3"] + small)
        #expect(tooMany.status == 2 && tooMany.stderr.contains("--streams 3 must be between 0 and the batch size 2"))
        // oneDNN's int8 network runs V1 only: --int8 on a V2 student is refused before anything is timed.
        let int8 = try sandbox.run(
            ["bench", "infer", "--int8", "--architecture", "mobilenet_v2", "--alpha", "0.35", "--resolution", "32"])
        #expect(int8.status != 0 && int8.stdout.isEmpty, "\(int8.stdout)")
        #expect(
            int8.stderr.contains("--int8 times oneDNN's int8 network, which runs mobilenet_v1 only"), "\(int8.stderr)")
    }

    @Test("dataset photos writes distinct JPEGs of the asked size and their file:// URLs")
    func datasetPhotos() throws {
        let made = try sandbox.run([
            "dataset", "photos", "--out", "photos", "--count", "3", "--width", "64", "--height", "48",
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let urls = sandbox.read("photos/urls.txt").split(separator: "\n")
        #expect(urls.count == 3 && urls.allSatisfy { $0.hasPrefix("file://") && $0.hasSuffix(".jpg") }, "\(urls)")
        let files = try (0..<3).map {
            try Data(contentsOf: sandbox.directory.appendingPathComponent("photos/photo-0000\($0).jpg"))
        }
        #expect(files.allSatisfy { $0.prefix(3) == Data([0xFF, 0xD8, 0xFF]) }, "not JPEG files")
        #expect(Set(files).count == 3, "the photos are not distinct")
        let decoded = try files[0].withUnsafeBytes { try ImageDecoder().decode($0) }
        #expect(decoded.width == 64 && decoded.height == 48)
        #expect(try sandbox.run(["dataset", "photos", "--out", "p", "--noise", "99"]).status == 2)
    }

    @Test("exit codes: 0 success, 2 bad usage or bad input")
    func exitCodes() throws {
        #expect(try sandbox.run(["--help"]).status == 0)
        #expect(try sandbox.run(["teacher", "list"]).status == 0)
        let unknown = try sandbox.run(["frobnicate"])
        #expect(unknown.status == 2 && unknown.stderr.contains("Unexpected argument 'frobnicate'"))
        let missingJob = try sandbox.run(["show", "42"])
        #expect(missingJob.status == 2)
        #expect(missingJob.stderr == "error: No job with id 42; run `distill jobs` to list them.\n")
        try sandbox.write("name: x\nteacher: nobody\nstudents:\n  alpha: 2\n  resolution: 128\n", to: "bad.yaml")
        let badJob = try sandbox.run(["submit", "bad.yaml"])
        #expect(badJob.status == 2)
        #expect(
            badJob.stderr
                == "error: bad.yaml line 4: `students.alpha` is 2.0; allowed: a width multiplier in (0, 1] for mobilenet_v1 students, e.g. 1.0, 0.75, 0.5, 0.25.\n"
        )
        let badWindow = try sandbox.run(["submit", "bad.yaml", "--window", "nightly"])
        #expect(badWindow.status == 2)
        #expect(
            badWindow.stderr.contains("'nightly' is not a window; use HH:MM-HH:MM in local time, e.g. 22:00-06:00."))
        let noTeacher = try sandbox.run(["teacher", "show", "ghost"])
        #expect(noTeacher.status == 2)
        #expect(
            noTeacher.stderr
                == "error: No teacher named 'ghost' in this database; run `distill teacher list` to see them.\n")
        let unwritable = try sandbox.run(["teacher", "list", "--db", "/nonexistent-dir/x.db"])
        #expect(unwritable.status == 2)
        #expect(
            unwritable.stderr
                == "error: The database directory /nonexistent-dir does not exist; create it or pass another --db path.\n"
        )
    }

    @Test("one process imports while another lists: no 'database is locked'")
    func concurrentProcesses() throws {
        // A teacher big enough that its import transaction takes a while.
        var csv = "url," + (0..<64).map { "c\($0)" }.joined(separator: ",") + "\n"
        for row in 0..<20_000 {
            csv += "http://h/\(row).jpg," + (0..<64).map { String(($0 * row) % 97) }.joined(separator: ",") + "\n"
        }
        try sandbox.write(csv, to: "big.csv")
        #expect(try sandbox.run(["teacher", "list"]).status == 0)
        let importer = Task.detached { () throws -> [CommandResult] in
            try (0..<3).map { round in
                try sandbox.run(["teacher", "import", "big\(round)", "--kind", "logits", "--file", "big.csv"])
            }
        }
        var listings: [CommandResult] = []
        for _ in 0..<15 {
            listings.append(try sandbox.run(["teacher", "list", "--json"]))
            listings.append(try sandbox.run(["jobs"]))
        }
        let imports = try awaitResult(importer)
        for result in imports + listings {
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!result.stderr.contains("locked"))
        }
        let final = try sandbox.run(["teacher", "list", "--json"])
        let teachers = try JSONSerialization.jsonObject(with: Data(final.stdout.utf8)) as? [[String: Any]]
        #expect(teachers?.compactMap { $0["output_count"] as? Int } == [20_000, 20_000, 20_000])
    }

    func awaitResult<T: Sendable>(_ task: Task<T, any Error>) throws -> T {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            box.result = await task.result
            semaphore.signal()
        }
        semaphore.wait()
        guard let result = box.result else { throw CancellationError() }
        return try result.get()
    }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
