// Copyright 2026 The Distill authors.

import DistillStore
import Foundation
import Testing

/// A database with teacher `t` and one job of `runs` runs (priority as given).
func storeWithJob(runs: Int = 2, priority: Int = 0, backend: TestBackend = .sqlite) throws -> (Store, Job) {
    let store = try temporaryStore(backend)
    try store.importTeacher(name: "t", kind: .logits, table: table([("a", [1, 2])]), sourceFile: nil, replace: false)
    let job = try submitJob(store, runs: runs, priority: priority)
    return (store, job)
}

func submitJob(_ store: Store, runs: Int, priority: Int = 0) throws -> Job {
    let points = (0..<runs).map {
        NewJob.RunPoint(name: "run\($0)", architecture: "mobilenet_v1", alpha: 0.25, resolution: 32 + $0)
    }
    return try store.submit(
        NewJob(
            name: "j", teacher: "t", specYAML: "", specJSON: "{}", priority: priority, notBefore: nil, window: nil,
            runs: points))
}

let sampleResult = RunResultRow(
    parameters: 1, parametersDeployed: 2, multAdds: 3, flops: 4, memoryAccessBytes: 5, energyMillijoules: 6,
    trainSeconds: 7)

@Suite("Leases: claims, heartbeats and conditional writes")
struct LeaseTests {
    @Test(
        "a claimed run is not claimed again until its lease expires or its holder is known dead",
        arguments: TestBackend.allCases)
    func claimsAreExclusive(backend: TestBackend) throws {
        let (store, job) = try storeWithJob(runs: 1, backend: backend)
        let now = Date()
        let first = try #require(try store.claimRun(owner: "a@h:1:x", leaseSeconds: 60, now: now))
        #expect(first.run.state == .running && first.run.attempts == 1 && first.run.leaseOwner == "a@h:1:x")
        #expect(try store.job(id: job.id).state == .running)
        #expect(try store.claimRun(owner: "b@h:2:y", leaseSeconds: 60, now: now) == nil)
        #expect(try store.heldRuns(jobID: job.id, now: now).map(\.owner) == ["a@h:1:x"])
        // A holder known dead frees the run at once; an expired lease frees it too.
        let taken = try #require(
            try store.claimRun(owner: "b@h:2:y", leaseSeconds: 60, now: now, isAbandoned: { $0 == "a@h:1:x" }))
        #expect(taken.run.attempts == 2)
        let later = now.addingTimeInterval(61)
        #expect(try store.heldRuns(jobID: job.id, now: later).isEmpty)
        let third = try #require(try store.claimRun(owner: "c@h:3:z", leaseSeconds: 60, now: later))
        #expect(third.run.attempts == 3)
        // The earlier holders can write nothing more.
        for lease in [first.lease, taken.lease] {
            let lost = #expect(throws: StoreError.self) {
                try store.updateRunProgress(lease, epoch: 1, step: 5, totalSteps: 10)
            }
            #expect(lost?.code == .leaseLost)
            #expect(try store.renewLease(lease, leaseSeconds: 60) == false)
            #expect(try store.leaseStatus(lease) == .lost)
        }
        #expect(try store.run(id: first.run.id).step == 0)
        #expect(try store.leaseStatus(third.lease) == .held)
    }

    @Test(
        "a cancel at the moment a run finishes stands: the results row is refused, the run stays cancelled",
        arguments: TestBackend.allCases)
    func cancelBeatsResult(backend: TestBackend) throws {
        let (store, job) = try storeWithJob(runs: 1, backend: backend)
        let claim = try #require(try store.claimRun(owner: "a@h:1:x", leaseSeconds: 60))
        try store.cancelJob(id: job.id)
        #expect(try store.leaseStatus(claim.lease) == .cancelled)
        let refused = #expect(throws: StoreError.self) { try store.recordResult(claim.lease, sampleResult) }
        #expect(refused?.code == .leaseLost)
        #expect(try store.result(runID: claim.run.id) == nil)
        #expect(try store.run(id: claim.run.id).state == .cancelled)
        #expect(try store.job(id: job.id).state == .cancelled)
        #expect(throws: StoreError.self) { try store.releaseRun(claim.lease, state: .paused) }
        #expect(try store.run(id: claim.run.id).state == .cancelled)
    }

    @Test(
        "a job's state follows its runs; a failed run fails the job and stops its other runs from being claimed",
        arguments: TestBackend.allCases)
    func jobStateFollowsRuns(backend: TestBackend) throws {
        let (store, job) = try storeWithJob(runs: 2, backend: backend)
        let first = try #require(try store.claimRun(owner: "a@h:1:x", leaseSeconds: 60))
        let second = try #require(try store.claimRun(owner: "b@h:2:y", leaseSeconds: 60))
        #expect(first.run.name == "run0" && second.run.name == "run1")
        try store.recordResult(first.lease, sampleResult)
        #expect(try store.job(id: job.id).state == .running)
        try store.releaseRun(second.lease, state: .paused)
        #expect(try store.job(id: job.id).state == .paused)
        let again = try #require(try store.claimRun(owner: "a@h:1:x", leaseSeconds: 60))
        try store.releaseRun(again.lease, state: .failed, error: "boom")
        let failed = try store.job(id: job.id)
        #expect(failed.state == .failed && failed.error == "boom" && failed.finishedAt != nil)
        #expect(try store.claimRun(owner: "a@h:1:x", leaseSeconds: 60) == nil)
        let retried = try store.retryJob(id: job.id)
        #expect(retried.requeued == 1 && retried.job.state == .queued && retried.job.error == nil)
        let last = try #require(try store.claimRun(owner: "a@h:1:x", leaseSeconds: 60))
        try store.recordResult(last.lease, sampleResult)
        #expect(try store.job(id: job.id).state == .succeeded)
        #expect(try store.events(jobID: job.id).last?.message == "succeeded")
    }

    @Test("claims go by priority, then submission order; closed schedules are skipped", arguments: TestBackend.allCases)
    func claimOrder(backend: TestBackend) throws {
        let (store, low) = try storeWithJob(runs: 1, backend: backend)
        let high = try submitJob(store, runs: 1)
        try store.setPriority(jobID: high.id, priority: 5)
        let closed = try submitJob(store, runs: 1, priority: 9)
        let isOpen: (JobScheduleFields) -> Bool = { $0.jobID != closed.id }
        let order = try (0..<3).compactMap { _ in
            try store.claimRun(owner: "a@h:1:x", leaseSeconds: 60, isOpen: isOpen)?.run.jobID
        }
        #expect(order == [high.id, low.id])
    }

    @Test("frozen samples round-trip with their labels", arguments: TestBackend.allCases)
    func frozenSamples(backend: TestBackend) throws {
        let (store, _) = try storeWithJob(runs: 1, backend: backend)
        let claim = try #require(try store.claimRun(owner: "a@h:1:x", leaseSeconds: 60))
        #expect(try store.frozenSamples(runID: claim.run.id) == nil)
        let training = [
            FrozenSample(url: "u1", sha256: "h1", classIndex: 3, attributes: nil),
            FrozenSample(url: "u0", sha256: "h0", classIndex: nil, attributes: [1, 0, 1]),
        ]
        let evaluation = [FrozenSample(url: "u2", sha256: "h2", classIndex: 0, attributes: [0])]
        try store.freezeSamples(claim.lease, training: training, evaluation: evaluation)
        let frozen = try #require(try store.frozenSamples(runID: claim.run.id))
        #expect(frozen.training == training && frozen.evaluation == evaluation)
    }

    @Test(
        "workers with stores of their own claim 30 runs of 3 jobs at once: each run is claimed and finished once",
        arguments: TestBackend.allCases)
    func concurrentClaimsTakeEachRunOnce(backend: TestBackend) throws {
        let (store, first) = try storeWithJob(runs: 10, backend: backend)
        let jobs = [first, try submitJob(store, runs: 10), try submitJob(store, runs: 10)]
        let finished = Claimed()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                // Each worker opens the database itself, as a daemon on its own host does.
                let own = try Store(location: store.location)
                while let claim = try own.claimRun(owner: "w\(worker)@h:\(worker):t", leaseSeconds: 60) {
                    try own.updateRunProgress(claim.lease, epoch: 1, step: 1, totalSteps: 1)
                    try own.recordResult(claim.lease, sampleResult)
                    finished.add(claim.run.id)
                }
            } catch {
                finished.fail("\(error)")
            }
        }
        #expect(finished.failures.isEmpty, "\(finished.failures)")
        let runs = try jobs.flatMap { try store.runs(jobID: $0.id) }
        #expect(finished.ids.sorted() == runs.map(\.id).sorted(), "every run finished by exactly one worker")
        #expect(runs.allSatisfy { $0.state == .succeeded && $0.attempts == 1 })
        #expect(try jobs.allSatisfy { try store.job(id: $0.id).state == .succeeded })
    }
}

/// Run ids finished by concurrent workers, and their errors.
final class Claimed: @unchecked Sendable {
    private let lock = NSLock()
    private var finished: [Int64] = []
    private var errors: [String] = []
    func add(_ id: Int64) { lock.withLock { finished.append(id) } }
    func fail(_ message: String) { lock.withLock { errors.append(message) } }
    var ids: [Int64] { lock.withLock { finished } }
    var failures: [String] { lock.withLock { errors } }
}

@Suite("The queue's wake-up signal")
struct QueueSignalTests {
    @Test("an idle PostgreSQL daemon's wait ends when another process submits, or when told to stop")
    func submitWakesPostgresWaiters() throws {
        let (store, _) = try storeWithJob(runs: 1, backend: .postgres)
        let other = try Store(location: store.location)
        // The listener is set up by the first wait; a short one does that and times out.
        #expect(store.waitForQueueChange(upTo: 0.2) == false)
        let woken = Claimed()
        let waiter = Thread {
            if store.waitForQueueChange(upTo: 30) { woken.add(1) }
            woken.add(0)
        }
        waiter.start()
        Thread.sleep(forTimeInterval: 0.3)
        _ = try submitJob(other, runs: 1)
        let ended = Date().addingTimeInterval(30)
        while woken.ids.isEmpty && Date() < ended { Thread.sleep(forTimeInterval: 0.02) }
        #expect(woken.ids == [1, 0], "the submit's NOTIFY did not wake the waiter")
        // Nothing submitted: a stop request ends the wait, which reports no change.
        let stop = Claimed()
        let stopper = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            stop.add(1)
        }
        stopper.start()
        let began = Date()
        #expect(store.waitForQueueChange(upTo: 30, unless: { !stop.ids.isEmpty }) == false)
        #expect(Date().timeIntervalSince(began) < 25, "the stop request did not end the wait")
    }

    @Test("SQLite has no queue signal: a wait runs its whole course, past a submit, unless told to stop")
    func sqliteWaitRunsItsCourse() throws {
        let (store, _) = try storeWithJob(runs: 1, backend: .sqlite)
        let other = try Store(location: store.location)
        let submitter = Thread {
            Thread.sleep(forTimeInterval: 0.1)
            _ = try? submitJob(other, runs: 1)
        }
        submitter.start()
        let began = Date()
        #expect(store.waitForQueueChange(upTo: 0.6) == false)
        #expect(Date().timeIntervalSince(began) >= 0.6, "the wait ended before its time")
        let stopped = Date()
        #expect(store.waitForQueueChange(upTo: 30, unless: { Date().timeIntervalSince(stopped) > 0.2 }) == false)
        #expect(Date().timeIntervalSince(stopped) < 25, "the stop request did not end the wait")
        #expect(try store.jobs().count == 2, "the other process's submit landed")
    }
}
