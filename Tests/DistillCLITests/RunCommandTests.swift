// Copyright 2026 The Distill authors.

import DistillStore
import Foundation
import Testing

@Suite("distill run through the real binary", .serialized)
struct RunCommandTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    /// Exports 48 + 48 Fashion-MNIST images, imports a label-derived logits teacher for all of them and
    /// submits a job (α 0.25 at 32x32, batch 16, labels = the data set's labels.csv: test rows evaluate).
    func submitJob(epochs: Int) throws {
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(epochs: epochs)
        let submit = try sandbox.run(["submit", "job.yaml"])
        #expect(submit.stdout == "Submitted job 1 'cli-run' with 1 run(s).\n", "\(submit.stderr)")
    }

    @Test("run --max-steps pauses, run again finishes with results, a finished job is refused (exit 2)")
    func runPauseResumeFinish() throws {
        try submitJob(epochs: 2)
        let paused = try sandbox.run(["run", "1", "--max-steps", "2"])
        #expect(paused.status == 0, "\(paused.stderr)")
        #expect(
            paused.stdout.hasPrefix(
                "Job 1 paused: 2 training step(s) in this invocation; 48 training and 48 evaluation images."))
        #expect(paused.stdout.contains("alpha0.25-res32  paused  2/6"))
        #expect(paused.stderr.contains("alpha0.25-res32  epoch 1/2  step 1/6  loss "))
        #expect(
            paused.stderr.contains(
                "alpha0.25-res32: paused at step 2/6, checkpoint checkpoints/job1/alpha0.25-res32.ckpt"))

        let finished = try sandbox.run(["run", "1", "--json", "--quiet"])
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(finished.stderr.isEmpty)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(finished.stdout.utf8)) as? [String: Any])
        #expect(summary["state"] as? String == "succeeded")
        #expect(summary["steps_this_invocation"] as? Int == 4)
        let runs = try #require(summary["runs"] as? [[String: Any]])
        let result = try #require(runs.first?["result"] as? [String: Any])
        let top1 = try #require(result["top1"] as? Double)
        #expect((0...1).contains(top1))
        #expect(result["mult_adds"] as? Int == 834_688)

        let again = try sandbox.run(["run", "1"])
        #expect(again.status == 2)
        #expect(
            again.stderr
                == "error: Job 1 is already succeeded; only queued, paused or interrupted jobs can be run "
                + "(submit the job file again to train it anew).\n")
        #expect(try sandbox.run(["run", "9"]).stderr == "error: No job with id 9; run `distill jobs` to list them.\n")

        let csv = try sandbox.run(["results", "--job", "1", "--format", "csv"])
        #expect(csv.stdout.contains(",alpha0.25-res32,mobilenet_v1,0.25,32,succeeded,"))
        let logs = try sandbox.run(["logs", "1"])
        #expect(logs.stdout.contains("paused at step 2/6"))
        #expect(logs.stdout.contains("resumed from checkpoints/job1/alpha0.25-res32.ckpt at step 2"))
    }

    @Test("run --run NAME trains that run only; an unknown name is refused with the job's run names")
    func runOneRun() throws {
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(alphas: [0.25, 0.5], resolutions: [32], epochs: 1)
        #expect(try sandbox.run(["submit", "job.yaml"]).status == 0)
        let unknown = try sandbox.run(["run", "1", "--run", "alpha0.75-res32"])
        #expect(unknown.status == 2)
        #expect(
            unknown.stderr
                == "error: Job 1 has no run named 'alpha0.75-res32'; its runs: alpha0.25-res32, alpha0.5-res32.\n")
        let one = try sandbox.run(["run", "1", "--run", "alpha0.5-res32", "--quiet"])
        #expect(one.status == 0, "\(one.stderr)")
        let store = try Store(path: sandbox.database)
        #expect(try store.runs(jobID: 1).map(\.state) == [.queued, .succeeded])
        #expect(try store.job(id: 1).state == .queued)
    }

    /// Starts `distill run 1 --quiet` on a long job and returns once its run has started training.
    func startLongRun() throws -> (Process, Store) {
        try submitJob(epochs: 500)
        let process = sandbox.command(["run", "1", "--quiet"])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until training started (the run's first log line).
        let store = try Store(path: sandbox.database)
        var started = false
        for _ in 0..<600 where !started && process.isRunning {
            started = try store.events(jobID: 1).contains { $0.message.contains("initialised from seed") }
            if !started { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(started)
        return (process, store)
    }

    @Test("SIGINT during training checkpoints, marks the run paused and exits 0")
    func interruptPauses() throws {
        let (process, store) = try startLongRun()
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let run = try #require(try store.runs(jobID: 1).first)
        #expect(run.state == .paused)
        #expect(try store.job(id: 1).state == .paused)
        let checkpoint = try #require(try store.checkpoints(runID: run.id).last)
        #expect(checkpoint.step == run.step)
        #expect(FileManager.default.fileExists(atPath: sandbox.database + ".data/" + checkpoint.path))
    }

    @Test("distill cancel from another process stops a running distill run; the job stays cancelled")
    func cancelStops() throws {
        let (process, store) = try startLongRun()
        let cancel = try sandbox.run(["cancel", "1"])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try store.job(id: 1).state == .cancelled)
        #expect(try store.runs(jobID: 1).first?.state == .cancelled)
        #expect(try store.events(jobID: 1).contains { $0.message.contains("stopped (job cancelled) at step") })
    }

    @Test("after kill -9 the job is still running; distill run again resumes from its last checkpoint")
    func killResumes() throws {
        let (process, store) = try startLongRun()
        var checkpoints: [CheckpointRecord] = []
        for _ in 0..<600 where checkpoints.isEmpty && process.isRunning {
            checkpoints = try store.checkpoints(runID: 1)
            if checkpoints.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(try store.job(id: 1).state == .running)
        let last = try #require(try store.checkpoints(runID: 1).last)
        let again = try sandbox.run(["run", "1", "--max-steps", "1"])
        #expect(again.status == 0, "\(again.stderr)")
        // The file is written before its row, so a kill in between leaves a file one epoch (3 steps) newer.
        let marker = "alpha0.25-res32: resumed from checkpoints/job1/alpha0.25-res32.ckpt at step "
        let resumedAt = again.stderr.components(separatedBy: marker).dropFirst().first
            .flatMap { Int($0.prefix { $0.isNumber }) }
        #expect(resumedAt == last.step || resumedAt == last.step + 3, "\(again.stderr)")
        #expect(try store.runs(jobID: 1).first?.step == resumedAt.map { $0 + 1 })
        #expect(try store.job(id: 1).state == .paused && store.job(id: 1).attempts == 2)
    }
}
