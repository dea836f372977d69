// Copyright 2026 The Distill authors.

import DistillStore
import DistillTestSupport
import Foundation
import GRDB
import Testing

/// A fresh database file in its own temporary directory.
func temporaryStore() throws -> (Store, String) {
    let path = try TemporaryDirectory.untilExit(prefix: "distill-store-") + "/test.db"
    return (try Store(path: path), path)
}

/// The two backends the store tests run on.
enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// An empty store on `backend`: a new SQLite file, or a new database on the test process's PostgreSQL cluster.
func temporaryStore(_ backend: TestBackend) throws -> Store {
    switch backend {
    case .sqlite:
        return try temporaryStore().0
    case .postgres:
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("distill-pg-data-\(UUID().uuidString)")
        return try Store(
            location: StoreLocation(
                database: try SharedPostgres.newDatabase(), dataDirectory: data.path, environment: [:]))
    }
}

func table(_ rows: [(String, [Float])]) -> TeacherTable {
    TeacherTable(urls: rows.map(\.0), values: rows.flatMap(\.1), dimension: rows.first?.1.count ?? 0)
}

@Suite("Store")
struct StoreTests {
    @Test("schema.sql and migrations/ apply from scratch, every one, and reopening is idempotent")
    func schemaAppliesAndIsIdempotent() throws {
        let (store, path) = try temporaryStore()
        let all = Schema.migrations.map(\.name)
        #expect(all.prefix(4) == ["v1", "v2", "v3", "v4"])
        #expect(try store.appliedMigrations() == all)
        let again = try Store(path: path)
        #expect(try again.appliedMigrations() == all)
        let queue = try DatabaseQueue(path: path)
        let tables = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        }
        for expected in [
            "checkpoints", "events", "images", "jobs", "labels", "metrics", "results", "run_leases", "run_samples",
            "runs", "sweep_results", "teacher_outputs", "teachers",
        ] {
            #expect(tables.contains(expected), "missing \(expected)")
        }
        let mode = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test("v5 turns an existing database's teacher_outputs into a rowid table with every row, still unique per teacher")
    func teacherOutputsMigrateToRowidTable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("distill-v5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.db").path
        // A database as the previous release left it: migrations v1-v4, SQLite's default 4 KiB pages, two teachers.
        let old = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        for migration in Schema.migrations.prefix(4) {
            let sql = migration.sql
            migrator.registerMigration(migration.name) { db in try db.execute(sql: sql) }
        }
        try migrator.migrate(old)
        let vectors: [(Int64, String, [Float])] = [
            (1, "https://x/b.jpg", [1, -2]), (1, "https://x/a.jpg", [0.5, 3]), (2, "https://x/a.jpg", [7, 8]),
        ]
        try old.write { db in
            try db.execute(
                sql: "INSERT INTO teachers (id, name, kind, dimension, output_count) VALUES (1, 'one', 'logits', 2, 2)")
            try db.execute(
                sql: "INSERT INTO teachers (id, name, kind, dimension, output_count) VALUES (2, 'two', 'logits', 2, 1)")
            for (teacher, url, vector) in vectors {
                try db.execute(
                    sql: "INSERT INTO teacher_outputs (teacher_id, url, vector) VALUES (?, ?, ?)",
                    arguments: [teacher, url, vector.withUnsafeBufferPointer { Data(buffer: $0) }])
            }
        }
        try old.close()

        let store = try Store(path: path)
        #expect(try store.appliedMigrations() == Schema.migrations.map(\.name))
        #expect(
            try store.teacherOutputs(teacherID: 1) == [
                TeacherOutput(url: "https://x/a.jpg", vector: [0.5, 3]),
                TeacherOutput(url: "https://x/b.jpg", vector: [1, -2]),
            ])
        #expect(try store.teacherOutputs(teacherID: 2) == [TeacherOutput(url: "https://x/a.jpg", vector: [7, 8])])
        let queue = try DatabaseQueue(path: path)
        let (withoutRowid, plan, pageSize) = try queue.read { db in
            (
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'teacher_outputs'")?
                    .contains("WITHOUT ROWID"),
                try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN SELECT vector FROM teacher_outputs WHERE teacher_id = 1 AND url = 'u'"
                ).map { $0["detail"] as String? ?? "" }.joined(separator: "; "),
                try Int.fetchOne(db, sql: "PRAGMA page_size")
            )
        }
        #expect(withoutRowid == false)
        #expect(plan.contains("teacher_outputs_by_url"), "\(plan)")
        #expect(pageSize == 4096, "an existing database keeps its page size")
        // Still one vector per URL and teacher, and a teacher's deletion still takes its vectors along.
        #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO teacher_outputs (teacher_id, url, vector) VALUES (1, 'https://x/a.jpg', x'00')")
            }
        }
        try queue.write { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "DELETE FROM teachers WHERE id = 1")
        }
        #expect(try store.teacherOutputs(teacherID: 1).isEmpty)
        #expect(try store.teacherOutputs(teacherID: 2).count == 1)

        // A new database gets 16 KiB pages.
        let (_, newPath) = try temporaryStore()
        #expect(try DatabaseQueue(path: newPath).read { try Int.fetchOne($0, sql: "PRAGMA page_size") } == 16384)
    }

    @Test("a PostgreSQL URL is never taken for a file path; a bad one or an unreachable server is a clear error")
    func postgresURLErrors() throws {
        for url in ["postgres://me:secret@127.0.0.1:1/distill", "POSTGRESQL://me:secret@127.0.0.1:1/x"] {
            let location = StoreLocation(database: url, environment: [:])
            #expect(location.databasePath == url)
            #expect(location.dataDirectory == StoreLocation.absolute("distill.data"))
            let error = #expect(throws: StoreError.self) { try Store(location: location) }
            #expect(error?.code == .database)
            #expect(error?.message.contains("Cannot open the PostgreSQL database") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("secret") == false)
            #expect(!FileManager.default.fileExists(atPath: url))
        }
        for (url, why) in [
            ("postgres://127.0.0.1/distill", "names no user"), ("postgres://me@/distill", "names no host"),
            ("postgres://me@db/x?sslmode=require", "TLS"),
        ] {
            let error = #expect(throws: StoreError.self) { try Store(location: StoreLocation(database: url)) }
            #expect(error?.code == .invalidArgument && error?.message.contains(why) == true, "\(error?.message ?? "")")
        }
    }

    @Test("PostgreSQL: a new database gets every migration once; a second opener finds nothing to do")
    func postgresMigrations() throws {
        let url = try SharedPostgres.newDatabase()
        let location = StoreLocation(database: url, dataDirectory: "/tmp", environment: [:])
        let openers = Failures()
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            do { _ = try Store(location: location) } catch { openers.add("\(error)") }
        }
        #expect(openers.all.isEmpty, "\(openers.all)")
        #expect(try Store(location: location).appliedMigrations() == Schema.postgresMigrations.map(\.name))
        #expect(try Store(location: location).integrityCheck() == "ok")
    }

    @Test("several openers of a new database at once all succeed (the loser of a migration race looks again)")
    func concurrentFirstOpen() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "distill-race-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for round in 0..<5 {
            let path = directory.appendingPathComponent("d\(round).db").path
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do { _ = try Store(path: path) } catch { failures.add("\(error)") }
            }
            #expect(failures.all.isEmpty, "\(failures.all)")
            #expect(try Store(path: path).appliedMigrations().count == Schema.migrations.count)
        }
    }

    @Test("the embedded migrations are exactly schema.sql and migrations/vN.sql (run `make schema` after editing)")
    func embeddedSchemaMatchesFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let normalise = { (text: String) in
            text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let numbers = try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("migrations").path
        )
        .compactMap { name in name.hasPrefix("v") && name.hasSuffix(".sql") ? Int(name.dropFirst().dropLast(4)) : nil }
        .sorted()
        let files = ["schema.sql"] + numbers.map { "migrations/v\($0).sql" }
        #expect(Schema.migrations.map(\.name) == ["v1"] + numbers.map { "v\($0)" })
        for (file, migration) in zip(files, Schema.migrations) {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            #expect(normalise(text) == normalise(migration.sql), "\(file)")
        }
        let postgresNumbers = try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("migrations/postgres").path
        )
        .compactMap { name in name.hasPrefix("v") && name.hasSuffix(".sql") ? Int(name.dropFirst().dropLast(4)) : nil }
        .sorted()
        #expect(Schema.postgresMigrations.map(\.name) == postgresNumbers.map { "v\($0)" })
        for (number, migration) in zip(postgresNumbers, Schema.postgresMigrations) {
            let file = "migrations/postgres/v\(number).sql"
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            #expect(normalise(text) == normalise(migration.sql), "\(file)")
        }
        // Every SQLite migration from PostgreSQL's first on has a PostgreSQL twin.
        let first = postgresNumbers.first ?? Int.max
        #expect(numbers.filter { $0 > first } == postgresNumbers.filter { $0 > first })
    }

    @Test("vectors round-trip as float32 little-endian blobs", arguments: TestBackend.allCases)
    func vectorsRoundTrip(backend: TestBackend) throws {
        let store = try temporaryStore(backend)
        let teacher = try store.importTeacher(
            name: "t", kind: .embedding, table: table([("a", [1.5, -2, 3e-8]), ("b", [0, .pi, -0.0])]),
            sourceFile: nil, replace: false)
        #expect(teacher.outputCount == 2 && teacher.dimension == 3)
        let outputs = try store.teacherOutputs(teacherID: teacher.id)
        #expect(
            outputs == [
                TeacherOutput(url: "a", vector: [1.5, -2, 3e-8]), TeacherOutput(url: "b", vector: [0, .pi, -0.0]),
            ])
        let blob: Data?
        switch backend {
        case .sqlite:
            blob = try DatabaseQueue(path: store.location.databasePath).read { db in
                try Data.fetchOne(db, sql: "SELECT vector FROM teacher_outputs WHERE url = 'a'")
            }
        case .postgres:
            let url = store.location.databasePath
            let hex = try SharedPostgres.cluster().psql(
                database: String(url[url.index(after: url.lastIndex(of: "/")!)...]),
                "SELECT encode(vector, 'hex') FROM teacher_outputs WHERE url = 'a'")
            let digits = Array(hex.trimmingCharacters(in: .whitespacesAndNewlines))
            blob = Data(
                stride(from: 0, to: digits.count, by: 2).compactMap { UInt8(String(digits[$0...$0 + 1]), radix: 16) })
        }
        #expect(
            blob.map(Array.init) == [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0]
                + Array(withUnsafeBytes(of: Float(3e-8).bitPattern.littleEndian, Array.init)))
    }

    @Test(
        "an import that fails halfway stores nothing and leaves earlier teachers intact",
        arguments: TestBackend.allCases)
    func failedImportLosesNothing(backend: TestBackend) throws {
        let store = try temporaryStore(backend)
        try store.importTeacher(
            name: "first", kind: .logits, table: table([("u1", [1, 2]), ("u2", [3, 4])]), sourceFile: nil,
            replace: false)
        // The duplicate URL violates the unique (teacher_id, url) index on the third insert, inside the transaction.
        let broken = table([("v1", [1, 2]), ("v2", [3, 4]), ("v1", [5, 6])])
        #expect(throws: StoreError.self) {
            try store.importTeacher(name: "second", kind: .logits, table: broken, sourceFile: nil, replace: false)
        }
        #expect(try store.teachers().map(\.name) == ["first"])
        #expect(try store.teacherOutputs(teacherID: store.teacher(named: "first").id).count == 2)
        // A failed replace keeps the old version too.
        #expect(throws: StoreError.self) {
            try store.importTeacher(name: "first", kind: .logits, table: broken, sourceFile: nil, replace: true)
        }
        #expect(try store.teacherOutputs(teacherID: store.teacher(named: "first").id).map(\.url) == ["u1", "u2"])
    }

    @Test("a large import leaves no large WAL behind while another connection (a daemon, say) stays open")
    func importGivesTheWALBack() throws {
        let (store, path) = try temporaryStore()
        // A second store on the file keeps its connections open throughout, as a running daemon does; without it
        // the WAL would go with the last connection anyway.
        let daemon = try Store(path: path)
        #expect(try daemon.teachers().isEmpty)
        let rows = (0..<4000).map { ("https://example.com/\($0).jpg", [Float](repeating: Float($0), count: 256)) }
        try store.importTeacher(name: "big", kind: .embedding, table: table(rows), sourceFile: nil, replace: false)
        func walBytes() -> Int {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "-wal")
            return (attributes?[.size] as? NSNumber)?.intValue ?? 0
        }
        // 4,000 × 1 KiB vectors went through the WAL (over 4 MB); it is truncated once they are in the database.
        let kept = walBytes()
        #expect(kept < 1 << 20, "the WAL kept \(kept) bytes")
        #expect(try daemon.teacherOutputs(teacherID: daemon.teacher(named: "big").id).count == 4000)
    }

    @Test("an existing name is refused without replace, replaced with it", arguments: TestBackend.allCases)
    func existingNameNeedsReplace(backend: TestBackend) throws {
        let store = try temporaryStore(backend)
        try store.importTeacher(
            name: "t", kind: .logits, table: table([("a", [1, 2])]), sourceFile: nil, replace: false)
        let error = #expect(throws: StoreError.self) {
            try store.importTeacher(
                name: "t", kind: .logits, table: table([("b", [1, 2])]), sourceFile: nil, replace: false)
        }
        #expect(
            error?.message
                == "A teacher named 't' already exists; pass --replace to overwrite it or choose another name.")
        try store.importTeacher(
            name: "t", kind: .attributes, table: table([("b", [1, 2, 3])]), sourceFile: nil, replace: true)
        let replaced = try store.teacher(named: "t")
        #expect(replaced.kind == .attributes && replaced.dimension == 3)
    }

    @Test(
        "a job stores one run per grid point; cancelling it cancels its unfinished runs",
        arguments: TestBackend.allCases)
    func submitAndCancel(backend: TestBackend) throws {
        let store = try temporaryStore(backend)
        try store.importTeacher(
            name: "t", kind: .logits, table: table([("a", [1, 2])]), sourceFile: nil, replace: false)
        let points = [0.5, 0.25].flatMap { alpha in
            [128, 160].map {
                NewJob.RunPoint(
                    name: "alpha\(alpha)-res\($0)", architecture: "mobilenet_v1", alpha: alpha, resolution: $0)
            }
        }
        let job = try store.submit(
            NewJob(
                name: "j", teacher: "t", specYAML: "", specJSON: "{}", priority: 3, notBefore: nil,
                window: ("22:00", "06:00"), runs: points))
        #expect(job.state == .queued && job.runCount == 4 && job.windowStart == "22:00")
        #expect(
            try store.runs(jobID: job.id).map(\.name) == [
                "alpha0.5-res128", "alpha0.5-res160", "alpha0.25-res128", "alpha0.25-res160",
            ])
        #expect(try store.sweepResults(jobID: job.id).rows.count == 4)
        try store.cancelJob(id: job.id)
        #expect(try store.job(id: job.id).state == .cancelled)
        #expect(try store.runs(jobID: job.id).allSatisfy { $0.state == .cancelled })
        let again = #expect(throws: StoreError.self) { try store.cancelJob(id: job.id) }
        #expect(again?.message == "Job \(job.id) is already cancelled; only unfinished jobs can be cancelled.")
        #expect(try store.events(jobID: job.id).map(\.message).last == "cancelled by user")
        let missing = #expect(throws: StoreError.self) { try store.job(id: 999) }
        #expect(
            missing?.code == .notFound && missing?.message == "No job with id 999; run `distill jobs` to list them.")
    }

    @Test("a job naming an unknown teacher is refused", arguments: TestBackend.allCases)
    func unknownTeacher(backend: TestBackend) throws {
        let store = try temporaryStore(backend)
        let error = #expect(throws: StoreError.self) {
            try store.submit(
                NewJob(
                    name: "j", teacher: "nope", specYAML: "", specJSON: "{}", priority: 0, notBefore: nil, window: nil,
                    runs: []))
        }
        #expect(
            error?.message
                == "The job names teacher 'nope', which is not in this database; import it with `distill teacher import` first."
        )
    }

    @Test("database location: --db, then $DISTILL_DB, then ./distill.db; data directory next to it")
    func locationResolution() {
        #expect(StoreLocation(database: "/a/x.db", environment: ["DISTILL_DB": "/b/y.db"]).databasePath == "/a/x.db")
        #expect(StoreLocation(environment: ["DISTILL_DB": "/b/y.db"]).databasePath == "/b/y.db")
        #expect(StoreLocation(environment: ["DISTILL_DB": "/b/y.db"]).dataDirectory == "/b/y.db.data")
        #expect(StoreLocation(environment: ["DISTILL_DATA": "/d"]).dataDirectory == "/d")
        #expect(StoreLocation(environment: [:]).databasePath.hasSuffix("/distill.db"))
    }
}

/// Errors collected from concurrent openers.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}

@Suite("PostgreSQL server restarts")
struct PostgresRestartTests {
    @Test(
        "a worker's store outlives a PostgreSQL restart: stale pooled connections are replaced, an unreachable server is waited for"
    )
    func storeOutlivesRestart() throws {
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        let url = try cluster.createDatabase("restart")
        let location = StoreLocation(database: url, dataDirectory: "/tmp", environment: [:])
        let worker = try Store(location: location, transientRetrySeconds: 60)
        try worker.importTeacher(
            name: "t", kind: .logits, table: table([("a", [1, 2])]), sourceFile: nil, replace: false)
        let job = try submitJob(worker, runs: 2)
        // The pool's connections break while idle; the next transaction starts again on a new one.
        _ = try cluster.psql(database: "restart", "CHECKPOINT")
        try cluster.halt()
        try cluster.resume()
        let claim = try #require(try worker.claimRun(owner: "w@h:1:x", leaseSeconds: 60))
        // Down for a while: the worker's write waits for the server instead of failing the run.
        try cluster.halt()
        let restarter = Thread {
            Thread.sleep(forTimeInterval: 1.5)
            try? cluster.resume()
        }
        restarter.start()
        try worker.updateRunProgress(claim.lease, epoch: 1, step: 3, totalSteps: 10)
        #expect(try worker.run(id: claim.run.id).step == 3)
        // An interactive command (no retry window) says what is wrong at once.
        try cluster.halt()
        let interactive = try? Store(location: location)
        #expect(interactive == nil)
        try cluster.resume()
        #expect(try Store(location: location).job(id: job.id).state == .running)
    }
}
