// Copyright 2026 The Distill authors.
// The CLI on PostgreSQL: the commands a user types, run once on a SQLite file and once on a PostgreSQL database,
// agree (training is deterministic, so the same job gives the same figures on both); `distill db migrate` carries
// a SQLite history over to PostgreSQL with its ids and checkpoints.

import DistillStore
import DistillTestSupport
import Foundation
import Testing

@Suite("The CLI on PostgreSQL", .serialized)
struct PostgresCommandsTests {
    /// Runs `arguments` in `sandbox`; records an issue with its stderr unless it exits `status`.
    @discardableResult
    func expectStatus(_ status: Int32, _ sandbox: Sandbox, _ arguments: [String]) throws -> CommandResult {
        let result = try sandbox.run(arguments)
        #expect(
            result.status == status,
            "distill \(arguments.joined(separator: " ")) on \(sandbox.postgresURL == nil ? "SQLite" : "PostgreSQL"): \(result.stderr)"
        )
        return result
    }

    /// The deterministic figures of `results --format json`, by run name.
    func figures(_ sandbox: Sandbox) throws -> [String: [String]] {
        let json = try expectStatus(0, sandbox, ["results", "--format", "json"])
        let rows = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]) ?? []
        var figures: [String: [String]] = [:]
        for row in rows {
            let name = "\(row["job_id"] ?? "")/\(row["run_name"] ?? "")"
            figures[name] = ["state", "top1", "teacher_agreement", "teacher_kl", "parameters", "mult_adds", "alpha"].map
            {
                "\(row[$0] ?? "nil")"
            }
        }
        return figures
    }

    @Test("the same commands give the same answers on SQLite and PostgreSQL; db migrate moves a history over")
    func commandsAgreeAndMigrate() throws {
        let postgres = try Sandbox(postgresURL: try SharedPostgres.newDatabase())
        let sqlite = try Sandbox()
        var answers: [[String]] = []
        for sandbox in [sqlite, postgres] {
            try sandbox.importFashionTeacher()
            try sandbox.writeFashionJob(alphas: [0.25], resolutions: [32, 40], epochs: 2)
            try expectStatus(0, sandbox, ["submit", "job.yaml"])
            try expectStatus(0, sandbox, ["run", "1", "--quiet"])
            var answer = [
                try expectStatus(0, sandbox, ["teacher", "list"]).stdout.split(separator: "\n").first.map(String.init)
                    ?? "",
                try expectStatus(0, sandbox, ["jobs"]).stdout.contains("succeeded") ? "jobs: succeeded" : "jobs: ?",
                try expectStatus(0, sandbox, ["show", "1"]).stdout.contains("alpha0.25-res40") ? "show" : "show: ?",
                try expectStatus(0, sandbox, ["logs", "1"]).stdout.contains("succeeded") ? "logs" : "logs: ?",
                try expectStatus(2, sandbox, ["cancel", "1"]).stderr,
                try expectStatus(2, sandbox, ["teacher", "delete", "fm"]).stderr,
                try expectStatus(2, sandbox, ["retry", "1"]).stderr,
                try expectStatus(0, sandbox, ["priority", "1", "3"]).stdout,
            ]
            try expectStatus(0, sandbox, ["export", "1/alpha0.25-res32", "--format", "onnx", "--out", "s.onnx"])
            answer.append("\(try Data(contentsOf: sandbox.directory.appendingPathComponent("s.onnx")).count) bytes")
            try expectStatus(0, sandbox, ["report", "1", "--out", "report"])
            answer.append(sandbox.read("report/report.md").isEmpty ? "no report" : "report")
            answers.append(answer)
        }
        #expect(answers[0] == answers[1])
        let trained = try figures(sqlite)
        #expect(trained.count == 2 && trained.values.allSatisfy { $0.first == "succeeded" })
        #expect(try figures(postgres) == trained, "the same job trained on both backends gives the same figures")

        // Move the SQLite history to a new PostgreSQL database; a host with an empty data directory uses it.
        let target = try SharedPostgres.newDatabase()
        let migrated = try expectStatus(
            0, sqlite, ["db", "migrate", "--from", sqlite.database, "--to", target, "--json", "--quiet"])
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let summary = try decoder.decode(DatabaseCopySummary.self, from: Data(migrated.stdout.utf8))
        #expect(summary.rows["runs"] == 2 && summary.rows["results"] == 2 && summary.checkpointsKept == 2)
        let outputs = try Store(path: sqlite.database).teachers().map(\.outputCount).reduce(0, +)
        #expect(outputs > 0 && summary.rows["teacher_outputs"] == outputs && summary.checkpointsMissing.isEmpty)
        var host = try Sandbox(postgresURL: target)
        #expect(try figures(host) == trained)
        #expect(
            try expectStatus(0, host, ["logs", "1"]).stdout == (try expectStatus(0, sqlite, ["logs", "1"])).stdout)
        try expectStatus(0, host, ["export", "1/alpha0.25-res32", "--format", "onnx", "--out", "m.onnx"])
        #expect(
            try Data(contentsOf: host.directory.appendingPathComponent("m.onnx"))
                == Data(contentsOf: sqlite.directory.appendingPathComponent("s.onnx")))
        // New rows get ids after the copied ones.
        let submitted = try expectStatus(0, sqlite, ["submit", "job.yaml", "--json", "--db", target])
        #expect(submitted.stdout.contains("\"id\" : 2") || submitted.stdout.contains("\"id\":2"), "\(submitted.stdout)")
        // A database that holds anything is never overwritten.
        let refused = try expectStatus(2, sqlite, ["db", "migrate", "--from", sqlite.database, "--to", target])
        #expect(refused.stderr.contains("migrate into a new, empty database"))
        host.postgresURL = nil
        let missing = try expectStatus(2, host, ["db", "migrate", "--from", "nope.db", "--to", target])
        #expect(missing.stderr.contains("nope.db does not exist"))
    }
}
