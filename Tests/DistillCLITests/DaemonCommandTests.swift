// Copyright 2026 The Distill authors.
// `distill daemon` through the real binary on tiny Fashion-MNIST jobs: several workers on one database, kill -9
// and restart, claims refused to `distill run`, cancel, windows, a database lock held past the busy timeout,
// SIGTERM, retry and priority. Every wait is bounded; no assertion is about speed.

import DistillEngine
import DistillStore
import DistillTestSupport
import Foundation
import GRDB
import Testing

@Suite("distill daemon through the real binary", .serialized)
struct DaemonCommandTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    func submit(_ file: String, _ extra: [String] = []) throws {
        let submitted = try sandbox.run(["submit", file] + extra)
        #expect(submitted.status == 0, "\(submitted.stderr)")
    }

    func claimEvents(_ store: Store, jobID: Int64) throws -> [Event] {
        try store.events(jobID: jobID).filter { $0.message.contains(": claimed by ") }
    }

    /// Rows of `sql` as integers.
    func integers(_ sql: String) throws -> [Int] {
        try DatabaseQueue(path: sandbox.database).read { db in try Int.fetchAll(db, sql: sql) }
    }

    @Test("three daemons on one database drain 30 runs: each trained exactly once")
    func threeDaemonsDrainThirtyRuns() throws {
        try sandbox.importFashionTeacher()
        for job in 1...3 {
            try sandbox.writeFashionJob(
                "job\(job).yaml", name: "sweep\(job)", alphas: [0.25, 0.5], resolutions: [32, 36, 40, 44, 48],
                epochs: 1)
            try submit("job\(job).yaml")
        }
        let daemons = try (1...3).map { index in
            try sandbox.start(
                ["daemon", "--once", "--id", "worker\(index)", "--poll", "0.1", "--latency-repeats", "1"],
                log: "daemon\(index).log")
        }
        for daemon in daemons {
            #expect(waitForExit(daemon, seconds: 600))
            #expect(daemon.terminationStatus == 0)
        }
        let store = try Store(path: sandbox.database)
        var owners = Set<String>()
        for jobID in Int64(1)...3 {
            #expect(try store.job(id: jobID).state == .succeeded)
            let runs = try store.runs(jobID: jobID)
            #expect(runs.count == 10)
            let claims = try claimEvents(store, jobID: jobID)
            for run in runs {
                #expect(run.state == .succeeded && run.attempts == 1 && run.leaseOwner == nil)
                let runClaims = claims.filter { $0.runID == run.id }
                #expect(runClaims.count == 1, "run \(run.name) of job \(jobID) was claimed \(runClaims.count) times")
                if let message = runClaims.first?.message,
                    let owner = message.components(separatedBy: "claimed by ").last
                {
                    owners.insert(String(owner.prefix { $0 != "@" }))
                }
                #expect(try store.metrics(runID: run.id).map(\.epoch) == [1])
                #expect(try store.result(runID: run.id) != nil)
            }
        }
        #expect(try integers("SELECT count(*) FROM results") == [30])
        #expect(try integers("SELECT count(*) FROM metrics") == [30])
        #expect(owners.count >= 2, "claims came from \(owners)")
    }

    @Test("a daemon killed with SIGKILL ten times ends every run with the weights of an uninterrupted run")
    func killNineTimesTen() throws {
        // The reference: the same sweep, trained without interruption in another database.
        let reference = try Sandbox()
        try reference.importFashionTeacher()
        try reference.writeFashionJob(alphas: [0.25], resolutions: [32, 40], epochs: 6, checkpointEvery: 2)
        #expect(try reference.run(["submit", "job.yaml"]).status == 0)
        let straight = try reference.start(["daemon", "--once", "--latency-repeats", "1"], log: "daemon.log")
        #expect(waitForExit(straight, seconds: 600) && straight.terminationStatus == 0)

        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(alphas: [0.25], resolutions: [32, 40], epochs: 6, checkpointEvery: 2)
        try submit("job.yaml")
        let store = try Store(path: sandbox.database)
        func stepsDone() throws -> Int { try store.runs(jobID: 1).reduce(0) { $0 + $1.step } }
        var kills = 0
        for round in 0..<10 {
            let before = try stepsDone()
            let daemon = try sandbox.start(
                ["daemon", "--once", "--latency-repeats", "1"], log: "daemon\(round).log")
            // Let it make some progress (or finish), then kill it at a random moment.
            try waitUntil(seconds: 60) { try !daemon.isRunning || stepsDone() > before }
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.08))
            if daemon.isRunning {
                kill(daemon.processIdentifier, SIGKILL)
                kills += 1
            }
            daemon.waitUntilExit()
        }
        #expect(kills >= 5, "only \(kills) of the 10 rounds were killed mid-run")
        let finish = try sandbox.start(["daemon", "--once", "--latency-repeats", "1"], log: "final.log")
        #expect(waitForExit(finish, seconds: 600) && finish.terminationStatus == 0)

        let referenceStore = try Store(path: reference.database)
        #expect(try store.job(id: 1).state == .succeeded)
        let runs = try store.runs(jobID: 1)
        let referenceRuns = try referenceStore.runs(jobID: 1)
        #expect(runs.count == 2 && referenceRuns.count == 2)
        for (run, other) in zip(runs, referenceRuns) {
            #expect(run.state == .succeeded && run.step == 18)
            #expect(try store.metrics(runID: run.id).map(\.epoch) == Array(1...6))
            #expect(
                try store.metrics(runID: run.id).map(\.trainLoss)
                    == referenceStore.metrics(runID: other.id).map(\.trainLoss))
            let mine = try #require(try store.checkpoints(runID: run.id).last)
            let theirs = try #require(try referenceStore.checkpoints(runID: other.id).last)
            let a = try Checkpoint.read(from: URL(fileURLWithPath: sandbox.database + ".data/" + mine.path))
            let b = try Checkpoint.read(from: URL(fileURLWithPath: reference.database + ".data/" + theirs.path))
            #expect(a.step == 18 && b.step == 18)
            #expect(a.tensors == b.tensors, "run \(run.name): final weights differ from the uninterrupted run")
        }
        #expect(try integers("SELECT count(*) FROM results") == [2])
        #expect(try integers("SELECT count(*) FROM (SELECT run_id, epoch FROM metrics GROUP BY 1, 2)") == [12])
        let integrity = try DatabaseQueue(path: sandbox.database).read { db in
            try String.fetchOne(db, sql: "PRAGMA integrity_check")
        }
        #expect(integrity == "ok")
    }

    /// Submits a long job and starts a daemon on it; returns once the run trains (a checkpoint exists).
    func startLongDaemon(id: String = "holder", extra: [String] = []) throws -> (Process, Store) {
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(epochs: 500, checkpointEvery: 2)
        try submit("job.yaml")
        let daemon = try sandbox.start(["daemon", "--id", id, "--poll", "0.1"] + extra, log: "daemon.log")
        let store = try Store(path: sandbox.database)
        #expect(try waitUntil { try !daemon.isRunning || !store.checkpoints(runID: 1).isEmpty })
        return (daemon, store)
    }

    @Test(
        "distill run against a run a daemon holds exits 2 naming the holder; SIGTERM then checkpoints, releases, exits 0"
    )
    func runRefusedWhileHeldThenSigterm() throws {
        let (daemon, store) = try startLongDaemon()
        let refused = try sandbox.run(["run", "1"])
        #expect(refused.status == 2)
        #expect(
            refused.stderr.hasPrefix(
                "error: Job 1 is being trained by another worker: run alpha0.25-res32 is held by holder@"))
        #expect(refused.stderr.contains(". Nothing was trained;"))
        let shown = try sandbox.run(["show", "1"])
        #expect(shown.stdout.contains("holder@"))

        daemon.terminate()  // SIGTERM
        #expect(waitForExit(daemon, seconds: 60))
        #expect(daemon.terminationStatus == 0)
        let run = try #require(try store.runs(jobID: 1).first)
        #expect(run.state == .paused && run.leaseOwner == nil && run.leaseExpires == nil)
        #expect(try store.checkpoints(runID: 1).last?.step == run.step)
        #expect(try store.job(id: 1).state == .paused)
        #expect(sandbox.read("daemon.log").contains("alpha0.25-res32: paused at step \(run.step)/"))

        // Released: `distill run` may take it now.
        let resumed = try sandbox.run(["run", "1", "--max-steps", "1", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try store.runs(jobID: 1).first?.step == run.step + 1)
    }

    @Test("distill cancel during training stops the daemon's run within a second; nothing is written after")
    func cancelDuringTraining() throws {
        let (daemon, store) = try startLongDaemon()
        let cancel = try sandbox.run(["cancel", "1"])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(waitUntil(seconds: 30) { sandbox.read("daemon.log").contains("stopped (job cancelled)") })
        let checkpoints = try store.checkpoints(runID: 1).count
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try store.checkpoints(runID: 1).count == checkpoints)
        #expect(try store.job(id: 1).state == .cancelled)
        #expect(try store.runs(jobID: 1).first?.state == .cancelled)
        #expect(try store.result(runID: 1) == nil)
        #expect(daemon.isRunning)  // the daemon itself goes on, idle
        daemon.terminate()
        #expect(waitForExit(daemon) && daemon.terminationStatus == 0)
    }

    @Test("distill cancel while the daemon fetches stops the fetch and leaves the job cancelled")
    func cancelDuringFetching() throws {
        let server = try LoopbackServer(root: sandbox.directory.path, lifetime: 120)
        var teacher = "url," + (0..<10).map { "c\($0)" }.joined(separator: ",") + "\n"
        for index in 0..<40 {
            teacher +=
                server.url("/hang/\(index).png") + ","
                + (0..<10).map { $0 == index % 10 ? "5" : "-1" }
                .joined(separator: ",") + "\n"
        }
        try sandbox.write(teacher, to: "teacher.csv")
        #expect(
            try sandbox.run(["teacher", "import", "slow", "--kind", "logits", "--file", "teacher.csv"]).status == 0)
        try sandbox.write(
            """
            name: slow-images
            teacher: slow
            images:
              timeout_seconds: 100
            students:
              alpha: 0.25
              resolution: 32
            training:
              epochs: 1
              batch_size: 8
              threads: 1

            """, to: "job.yaml")
        try submit("job.yaml")
        let daemon = try sandbox.start(["daemon", "--poll", "0.1"], log: "daemon.log")
        let store = try Store(path: sandbox.database)
        #expect(try waitUntil { try store.events(jobID: 1).contains { $0.message.hasPrefix("fetching images") } })
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try sandbox.run(["cancel", "1"]).status == 0)
        #expect(waitUntil(seconds: 20) { sandbox.read("daemon.log").contains("stopped (job cancelled)") })
        #expect(try store.job(id: 1).state == .cancelled)
        #expect(try store.runs(jobID: 1).first?.state == .cancelled)
        daemon.terminate()
        #expect(waitForExit(daemon) && daemon.terminationStatus == 0)
    }

    @Test("a window that closes mid-run pauses it with a checkpoint; the next window resumes it")
    func windowPausesAndResumes() throws {
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(epochs: 500, checkpointEvery: 2)
        try sandbox.write("2026-12-01T21:00:00Z", to: "clock.txt")
        try submit("job.yaml", ["--window", "22:00-06:00"])
        let environment = ["DISTILL_CLOCK_FILE": sandbox.directory.path + "/clock.txt", "TZ": "UTC"]
        let daemon = try sandbox.start(["daemon", "--poll", "0.1"], log: "daemon.log", environment: environment)
        let store = try Store(path: sandbox.database)

        // Outside the window: nothing starts, and the daemon says when the job will.
        #expect(
            waitUntil(seconds: 30) {
                sandbox.read("daemon.log").contains("idle; next start 2026-12-01T22:00:00.000Z (job 1)")
            })
        #expect(try claimEvents(store, jobID: 1).isEmpty)
        #expect(try store.job(id: 1).state == .queued)

        // The window opens: the run starts.
        try sandbox.write("2026-12-01T22:00:30Z", to: "clock.txt")
        #expect(try waitUntil { try !store.checkpoints(runID: 1).isEmpty })
        #expect(try store.job(id: 1).state == .running)

        // It closes at 06:00: the run checkpoints and pauses.
        try sandbox.write("2026-12-02T06:00:10Z", to: "clock.txt")
        #expect(try waitUntil(seconds: 30) { try store.runs(jobID: 1).first?.state == .paused })
        let paused = try #require(try store.runs(jobID: 1).first)
        #expect(paused.leaseOwner == nil && paused.step > 0)
        #expect(try store.checkpoints(runID: 1).last?.step == paused.step)
        // The log line follows the release.
        #expect(
            try waitUntil(seconds: 10) {
                try store.events(jobID: 1).contains {
                    $0.message.hasPrefix("alpha0.25-res32: paused at the end of its window at step \(paused.step)/")
                }
            })
        let jobs = try sandbox.run(["jobs"], environment: environment)
        #expect(jobs.stdout.contains("window 22:00-06:00, next start 2026-12-02T22:00:00.000Z"), "\(jobs.stdout)")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try claimEvents(store, jobID: 1).count == 1)

        // The next window resumes it from that checkpoint.
        try sandbox.write("2026-12-02T22:00:05Z", to: "clock.txt")
        #expect(try waitUntil { try claimEvents(store, jobID: 1).count == 2 })
        #expect(
            try waitUntil {
                try store.events(jobID: 1).contains {
                    $0.message.contains("resumed from checkpoints/job1/alpha0.25-res32.ckpt at step \(paused.step) ")
                }
            })
        daemon.terminate()
        #expect(waitForExit(daemon) && daemon.terminationStatus == 0)
    }

    @Test("a write lock held by another process past the busy timeout does not fail the job")
    func lockPastBusyTimeout() throws {
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(epochs: 40, checkpointEvery: 1)
        try submit("job.yaml")
        let daemon = try sandbox.start(
            ["daemon", "--once", "--latency-repeats", "1"], log: "daemon.log",
            environment: ["DISTILL_BUSY_TIMEOUT": "1"])
        let store = try Store(path: sandbox.database)
        #expect(try waitUntil { try !store.checkpoints(runID: 1).isEmpty })
        // Hold the write lock for 4 s (four busy timeouts) while the run trains and checkpoints every step.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            state = db.execute("SELECT state FROM runs WHERE id = 1").fetchone()[0]
            print(state, flush=True)
            time.sleep(4)
            db.execute("COMMIT")
            """,
            sandbox.database,
        ]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        let stateWhileLocked = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        holder.waitUntilExit()
        #expect(stateWhileLocked == "running\n")
        #expect(waitForExit(daemon, seconds: 600))
        #expect(daemon.terminationStatus == 0, "\(sandbox.read("daemon.log"))")
        #expect(try store.job(id: 1).state == .succeeded)
        #expect(try store.metrics(runID: 1).map(\.epoch) == Array(1...40))
    }

    @Test("retry requeues a failed job's failed run; priority decides which job a daemon claims first")
    func retryAndPriority() throws {
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(epochs: 1)
        // Every training image missing: the run fails before training, and so does the job.
        let images = sandbox.directory.path + "/fm"
        let moved = sandbox.directory.path + "/moved"
        try FileManager.default.moveItem(atPath: images + "/train", toPath: moved)
        try submit("job.yaml")
        let failing = try sandbox.start(["daemon", "--once", "--latency-repeats", "1"], log: "fail.log")
        #expect(waitForExit(failing) && failing.terminationStatus == 0)
        let store = try Store(path: sandbox.database)
        #expect(try store.job(id: 1).state == .failed)
        #expect(try store.runs(jobID: 1).first?.state == .failed)

        try FileManager.default.moveItem(atPath: moved, toPath: images + "/train")
        let retried = try sandbox.run(["retry", "1"])
        #expect(retried.stdout == "Requeued 1 failed run(s) of job 1 'cli-run'; it is queued.\n", "\(retried.stderr)")
        #expect(
            try sandbox.run(["retry", "1"]).stderr
                == "error: Job 1 is queued; only failed jobs can be retried (see `distill show 1`).\n")

        try sandbox.writeFashionJob("second.yaml", name: "second", epochs: 1)
        try submit("second.yaml")
        let priority = try sandbox.run(["priority", "2", "5"])
        #expect(priority.stdout == "Job 2 'second' now has priority 5.\n")
        let daemon = try sandbox.start(["daemon", "--once", "--latency-repeats", "1"], log: "daemon.log")
        #expect(waitForExit(daemon, seconds: 600) && daemon.terminationStatus == 0)
        #expect(try store.job(id: 1).state == .succeeded && store.job(id: 2).state == .succeeded)
        let firstClaim = try #require(try claimEvents(store, jobID: 2).first)
        let laterClaim = try #require(try claimEvents(store, jobID: 1).last)
        #expect(firstClaim.id < laterClaim.id, "the higher-priority job 2 was claimed after job 1")
    }

    @Test("while a run trains, the daemon fetches the next job's images into the cache and decodes them ahead")
    func fetchesNextJobAhead() throws {
        try sandbox.importFashionTeacher()
        try sandbox.importFashionTeacher("other", limit: 16)
        try sandbox.writeFashionJob("first.yaml", name: "first", epochs: 20)
        try sandbox.writeFashionJob("second.yaml", name: "second", teacher: "other", epochs: 1)
        try submit("first.yaml")
        try submit("second.yaml")
        let daemon = try sandbox.start(["daemon", "--once", "--latency-repeats", "1"], log: "daemon.log")
        #expect(waitForExit(daemon, seconds: 600) && daemon.terminationStatus == 0)
        let log = sandbox.read("daemon.log")
        #expect(log.contains("fetched ahead for job 2: 32 images, 0 already cached, 32 fetched, 0 failed"), "\(log)")
        // Every one of its 32 images is in the store afterwards: decoded ahead, or already stored by job 1's
        // run (the two teachers share images).
        let decodedAhead = log.split(separator: "\n").first { $0.contains("decoded ahead for job 2: ") } ?? ""
        let numbers = (decodedAhead.components(separatedBy: "job 2: ").last ?? "").split(separator: " ")
            .compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }
        #expect(
            numbers.count == 3 && numbers[0] + numbers[1] == 32 && numbers[2] == 0
                && decodedAhead.hasSuffix("(32x32)"), "\(log)")
        let store = try Store(path: sandbox.database)
        #expect(try store.job(id: 2).state == .succeeded)
        // Its own run found every image in the cache.
        #expect(
            try store.events(jobID: 2).contains {
                $0.message == "images: 32 requested, 32 already cached, 0 fetched, 0 failed"
            })
        // … and every image decoded in the decoded-image store: its first epoch decoded none.
        let messages = try store.events(jobID: 2).map(\.message)
        #expect(messages.contains { $0.contains("epoch 1/1") && $0.contains(" read, 0 written") }, "\(messages)")
    }
}
