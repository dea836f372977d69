// Copyright 2026 The Distill authors.

import DistillStore
import DistillTestSupport
import Foundation
import GRDB
import Testing

@Suite("PostgreSQL schema")
struct PostgresSchemaTests {
    @Test("PostgreSQL's migrations give the tables, columns (in order) and view columns SQLite's give")
    func sameTablesColumnsAndViews() throws {
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        try cluster.createDatabase("schema_test")
        for migration in Schema.postgresMigrations {
            _ = try cluster.psql(database: "schema_test", migration.sql)
        }
        let postgres = try cluster.psql(
            database: "schema_test",
            """
            SELECT c.table_name, t.table_type, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = 'public' ORDER BY c.table_name, c.ordinal_position
            """
        )
        .split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        var postgresColumns: [String: [String]] = [:]
        var postgresKinds: [String: String] = [:]
        var postgresTypes: [String: String] = [:]
        for row in postgres where row.count == 4 {
            postgresColumns[row[0], default: []].append(row[2])
            postgresKinds[row[0]] = row[1] == "VIEW" ? "view" : "table"
            postgresTypes["\(row[0]).\(row[2])"] = row[3]
        }

        let (_, path) = try temporaryStore()
        let sqlite = try DatabaseQueue(path: path).read { db in
            let objects = try Row.fetchAll(
                db,
                sql: """
                    SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')
                    AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name
                    """)
            return try objects.map { object -> (String, String, [String]) in
                let name: String = object["name"]
                let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [name])
                return (name, object["type"], columns.map { $0.lowercased() })
            }
        }
        #expect(sqlite.count == 13, "\(sqlite.map(\.0))")
        #expect(Set(postgresColumns.keys) == Set(sqlite.map(\.0)), "tables and views differ")
        for (name, kind, columns) in sqlite {
            #expect(postgresKinds[name] == kind, "\(name) is a \(kind) in SQLite")
            #expect(
                postgresColumns[name] == columns,
                "\(name): SQLite \(columns), PostgreSQL \(postgresColumns[name] ?? [])")
        }
        // The types the issue asks for: vectors as bytea, times as timestamptz, every id an integer.
        #expect(postgresTypes["teacher_outputs.vector"] == "bytea")
        for time in ["teachers.created_at", "jobs.submitted_at", "runs.lease_expires", "events.at"] {
            #expect(postgresTypes[time] == "timestamp with time zone", "\(time): \(postgresTypes[time] ?? "missing")")
        }
        #expect(postgresTypes["results.latency_ms_batchn"] == "double precision")
        // Users' unquoted SQL works on both: the mixed-case column is reachable by its SQLite spelling.
        #expect(try cluster.psql(database: "schema_test", "SELECT latency_ms_batchN FROM sweep_results").isEmpty)
        // The checks hold on PostgreSQL too.
        #expect(throws: PostgresCluster.Failure.self) {
            try cluster.psql(
                database: "schema_test", "INSERT INTO teachers (name, kind, dimension) VALUES ('t', 'softmax', 3)")
        }
    }
}
