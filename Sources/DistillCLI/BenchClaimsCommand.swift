// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillStore
import Foundation

/// `distill bench claims`: how fast workers take runs from the queue, on SQLite or PostgreSQL.
struct BenchClaimsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claims",
        abstract: "Measure claims per second and claim latency with several workers on one database.",
        discussion: """
            Submits one job of --runs tiny runs, then --workers threads, each with its own connection to the \
            database (as daemons on separate hosts have), claim a run, record its result at once and claim the \
            next until none is left: the queue under contention, without training. Prints claims per second, \
            the claim latency (median, 95th percentile, worst) and checks that every run was claimed exactly \
            once. Without --db it uses a temporary SQLite file; with --db it needs an empty scratch database \
            (a postgres:// URL or a new file), which keeps the bench's rows.
            Example: distill bench claims --db postgres://distill@127.0.0.1/scratch --workers 3
            """)

    @Option(help: "Workers claiming at once.")
    var workers = 3

    @Option(help: "Runs in the queue.")
    var runs = 300

    @Option(name: .customLong("db"), help: "An empty scratch database (default: a temporary SQLite file).")
    var database: String?

    @Flag(help: "Print only the JSON line.")
    var json = false

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers \(workers) is outside 1…64.") }
        guard (1...100_000).contains(runs) else { throw ValidationError("--runs \(runs) is outside 1…100000.") }
    }

    func run() throws {
        var temporary: URL?
        let location: StoreLocation
        if let database {
            location = StoreLocation(database: database)
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "distill-bench-claims-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            temporary = directory
            location = StoreLocation(database: directory.appendingPathComponent("bench.db").path)
        }
        defer { if let temporary { try? FileManager.default.removeItem(at: temporary) } }
        let store = try Store(location: location)
        guard try store.jobs().isEmpty, try store.teachers().isEmpty else {
            throw ValidationError(
                "--db \(database ?? "") already holds jobs or teachers; bench claims needs an empty scratch database.")
        }
        try store.importTeacher(
            name: "bench-claims",
            kind: .logits,
            table: TeacherTable(urls: ["bench://0"], values: [0, 1], dimension: 2),
            sourceFile: nil,
            replace: false)
        let points = (0..<runs).map {
            NewJob.RunPoint(name: "run\($0)", architecture: "mobilenet_v1", alpha: 0.25, resolution: 32)
        }
        let job = try store.submit(
            NewJob(
                name: "bench-claims", teacher: "bench-claims", specYAML: "", specJSON: "{}", priority: 0,
                notBefore: nil, window: nil, runs: points))
        let result = RunResultRow(
            parameters: 1, parametersDeployed: 1, multAdds: 1, flops: 1, memoryAccessBytes: 1, energyMillijoules: 0,
            trainSeconds: 0)
        let record = ClaimRecord()
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            do {
                let own = try Store(location: location, transientRetrySeconds: 60)
                let owner = "bench\(worker)@bench:\(getpid()):\(worker)"
                while true {
                    let asked = Date()
                    guard let claim = try own.claimRun(owner: owner, leaseSeconds: 600) else { break }
                    record.add(claim.run.id, seconds: Date().timeIntervalSince(asked))
                    try own.recordResult(claim.lease, result)
                }
            } catch {
                record.fail("\(error)")
            }
        }
        let wall = Date().timeIntervalSince(start)
        if let failure = record.failures.first { throw ValidationError("A worker failed: \(failure)") }
        let ids = record.ids
        let once = Set(ids).count == ids.count && ids.count == runs
        let succeeded = try store.job(id: job.id).state == .succeeded
        let latencies = record.latencies.sorted()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))] * 1000
        }
        let backend = store.isPostgres ? "postgresql" : "sqlite"
        let rate = Double(ids.count) / wall
        if !json {
            print("\(backend), \(workers) worker(s), \(runs) runs: \(String(format: "%.0f", rate)) claims/s")
            print(
                String(
                    format: "claim latency: median %.2f ms, p95 %.2f ms, worst %.2f ms", percentile(0.5),
                    percentile(0.95), latencies.last.map { $0 * 1000 } ?? 0))
            print(
                "every run claimed exactly once: \(once ? "yes" : "NO"); job \(succeeded ? "succeeded" : "NOT succeeded")"
            )
        }
        print(
            "{\"benchmark\":\"claims\",\"backend\":\"\(backend)\",\"workers\":\(workers),\"runs\":\(runs),"
                + String(
                    format: "\"claims_per_second\":%.1f,\"claim_ms_median\":%.3f,\"claim_ms_p95\":%.3f,"
                        + "\"claim_ms_worst\":%.3f,", rate, percentile(0.5), percentile(0.95),
                    (latencies.last ?? 0) * 1000)
                + "\"each_run_claimed_once\":\(once && succeeded)}")
        if !once || !succeeded {
            throw ValidationError("The queue lost or duplicated claims: \(ids.count) claims of \(runs) runs.")
        }
    }
}

/// Claimed run ids and claim latencies from concurrent workers.
private final class ClaimRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed: [Int64] = []
    private var seconds: [Double] = []
    private var errors: [String] = []

    func add(_ id: Int64, seconds latency: Double) {
        lock.withLock {
            claimed.append(id)
            seconds.append(latency)
        }
    }

    func fail(_ message: String) { lock.withLock { errors.append(message) } }
    var ids: [Int64] { lock.withLock { claimed } }
    var latencies: [Double] { lock.withLock { seconds } }
    var failures: [String] { lock.withLock { errors } }
}
