// Copyright 2026 The Distill authors.
// `distill daemon` on several hosts sharing one PostgreSQL database (issue 13): three network namespaces made on
// this machine, each reaching the server only over its own veth link, each with its own host name and data
// directory (image cache, checkpoint files), so all they share is the database. Where namespaces cannot be made
// (no root, no iproute2), the same scenario runs on loopback, and the test says so.

import DistillEngine
import DistillStore
import DistillTestSupport
import Foundation
import Testing

@Suite("distill daemon on PostgreSQL: hosts sharing one database", .serialized)
struct PostgresDaemonTests {
    @Test(
        "three hosts drain 30 runs through one PostgreSQL: each trained once; a host killed mid-run is resumed by another from the checkpoint in the database, with the weights of an uninterrupted run"
    )
    func threeHostsOneDatabase() throws {
        var hosts: TestHosts?
        do {
            hosts = try TestHosts(count: 3)
        } catch {
            print("note: network namespaces are not permitted here (\(error)); the three hosts share loopback instead")
        }
        defer { hosts?.remove() }
        let cluster = try PostgresCluster(listeningOn: hosts?.serverAddresses ?? ["127.0.0.1"])
        defer { cluster.stop() }
        let url = try cluster.createDatabase("hosts")
        let urls = (0..<3).map { index in
            "postgres://distill@\(hosts?.serverAddresses[index] ?? "127.0.0.1"):\(cluster.port)/hosts"
        }

        // The queue: one long job (2 runs, 20 epochs, a checkpoint every 2) and two sweeps of 14 one-epoch runs.
        let sandbox = try Sandbox(postgresURL: url)
        try sandbox.importFashionTeacher()
        try sandbox.writeFashionJob(
            "long.yaml", name: "long", alphas: [0.25], resolutions: [32, 40], epochs: 20, checkpointEvery: 2)
        #expect(try sandbox.run(["submit", "long.yaml"]).status == 0)
        for job in 1...2 {
            try sandbox.writeFashionJob(
                "sweep\(job).yaml", name: "sweep\(job)", alphas: [0.25, 0.5],
                resolutions: [32, 36, 40, 44, 48, 52, 56], epochs: 1)
            #expect(try sandbox.run(["submit", "sweep\(job).yaml"]).status == 0)
        }

        // The reference: the long job trained without interruption, on SQLite.
        let reference = try Sandbox()
        try reference.importFashionTeacher()
        try reference.writeFashionJob(
            "long.yaml", name: "long", alphas: [0.25], resolutions: [32, 40], epochs: 20, checkpointEvery: 2)
        #expect(try reference.run(["submit", "long.yaml"]).status == 0)
        let straight = try reference.start(["daemon", "--once", "--latency-repeats", "1"], log: "daemon.log")
        #expect(waitForExit(straight, seconds: 600) && straight.terminationStatus == 0)

        let store = try Store(location: StoreLocation(database: url, dataDirectory: sandbox.directory.path))
        var daemons: [Process] = []
        for index in 0..<3 {
            let arguments = [
                "daemon", "--id", "host\(index + 1)", "--poll", "0.2", "--lease", "3", "--latency-repeats", "1",
            ]
            let process = sandbox.command(
                arguments,
                environment: [
                    "DISTILL_DB": urls[index],
                    "DISTILL_DATA": sandbox.directory.appendingPathComponent("host\(index + 1).data").path,
                ])
            if let hosts {
                let (executable, wrapped) = hosts.command(host: index, DistillBinary.path, arguments)
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = wrapped
            }
            let log = FileManager.default.createFile(
                atPath: sandbox.directory.appendingPathComponent("host\(index + 1).log").path, contents: nil)
            #expect(log)
            let handle = try FileHandle(
                forWritingTo: sandbox.directory.appendingPathComponent("host\(index + 1).log"))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            daemons.append(process)
        }
        defer {
            for daemon in daemons where daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        }

        // Kill the host that trains a run of the long job once that run has a checkpoint in the database.
        let long = try store.runs(jobID: 1)
        var victim: (run: Run, host: Int)?
        _ = try waitUntil(seconds: 300) {
            for run in try store.runs(jobID: 1) where run.state == .running {
                guard let owner = run.leaseOwner, try !store.checkpoints(runID: run.id).isEmpty,
                    let host = Int(owner.prefix { $0 != "@" }.dropFirst(4)), let total = run.totalSteps,
                    run.step < total / 2
                else { continue }
                victim = (run, host)
                return true
            }
            return false
        }
        let killed = try #require(victim, "no run of the long job was seen training with a checkpoint")
        if hosts != nil {
            // Every host reaches the server from its own veth address.
            let clients = try cluster.psql(
                database: "hosts", "SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE datname = 'hosts'")
            for index in 0..<3 {
                let address = hosts!.serverAddresses[index].dropLast(1) + "2"
                #expect(clients.contains(address), "host \(index + 1) not connected from \(address): \(clients)")
            }
        }
        kill(daemons[killed.host - 1].processIdentifier, SIGKILL)
        daemons[killed.host - 1].waitUntilExit()

        // The survivors take the dead host's run when its lease expires and finish everything.
        let finished = try waitUntil(seconds: 900) {
            try (Int64(1)...3).allSatisfy { try store.job(id: $0).state.isFinal }
        }
        #expect(finished, "the queue was not drained")
        for daemon in daemons where daemon.isRunning { daemon.terminate() }
        for daemon in daemons { #expect(waitForExit(daemon, seconds: 60)) }

        var hostsClaiming = Set<String>()
        for jobID in Int64(1)...3 {
            #expect(try store.job(id: jobID).state == .succeeded)
            let claims = try store.events(jobID: jobID).filter { $0.message.contains(": claimed by ") }
            for run in try store.runs(jobID: jobID) {
                let runClaims = claims.filter { $0.runID == run.id }
                let expected = run.id == killed.run.id ? 2 : 1
                #expect(run.state == .succeeded && run.attempts == expected && runClaims.count == expected)
                #expect(try store.result(runID: run.id) != nil)
                for claim in runClaims {
                    hostsClaiming.insert(String(claim.message.components(separatedBy: "claimed by ").last!.prefix(5)))
                }
            }
        }
        #expect(hostsClaiming.count == 3, "claims came from \(hostsClaiming)")
        let takeover = try store.events(jobID: 1).filter { $0.runID == killed.run.id }.map(\.message)
        #expect(takeover.contains { $0.contains("claimed by host") && $0.contains("attempt 2") })
        #expect(
            !(takeover.last { $0.contains("attempt 2") }?.contains("claimed by host\(killed.host)@") ?? true),
            "the killed host's run was taken by another host")
        #expect(takeover.contains { $0.contains("resumed from checkpoints/") }, "\(takeover)")

        // The long job's weights equal the uninterrupted run's, wherever its runs ended.
        let referenceStore = try Store(path: reference.database)
        for (run, other) in zip(long, try referenceStore.runs(jobID: 1)) {
            let record = try #require(try store.checkpoints(runID: run.id).last)
            let contents = try #require(try store.checkpointContents(id: record.id))
            let file = sandbox.directory.appendingPathComponent("final-\(run.id).ckpt")
            try contents.write(to: file)
            let mine = try Checkpoint.read(from: file)
            let theirs = try Checkpoint.read(
                from: URL(
                    fileURLWithPath: reference.database + ".data/"
                        + (try #require(try referenceStore.checkpoints(runID: other.id).last)).path))
            let total = try store.run(id: run.id).totalSteps
            #expect(mine.step == theirs.step && mine.step == total)
            #expect(mine.tensors == theirs.tensors, "run \(run.name): final weights differ from the uninterrupted run")
            #expect(try store.metrics(runID: run.id).map(\.epoch) == Array(1...20))
        }
        #expect(try store.integrityCheck() == "ok")
    }
}
