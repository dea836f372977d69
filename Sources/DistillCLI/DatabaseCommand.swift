// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillData
import DistillStore
import Foundation

/// `distill db`: the database itself.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the database itself (move from SQLite to PostgreSQL).",
        subcommands: [DatabaseMigrateCommand.self])
}

/// `distill db migrate --from distill.db --to postgres://…`.
struct DatabaseMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy every teacher, job, run, result, log line and checkpoint into a new, empty database.",
        discussion: """
            For moving up from the embedded SQLite file to a PostgreSQL database that daemons on many hosts share \
            (or back). Everything is copied in one transaction, with the ids users know; the source is only read. \
            Into PostgreSQL, the latest checkpoint of each run is copied into the database too (from the source's \
            data directory), so any host can resume or export it; the image cache is not copied (each host fetches \
            what it trains on). The destination is created or migrated to the current schema first and must hold \
            no teachers, jobs or images.
            Example: distill db migrate --from distill.db --to postgres://distill@db.example/distill
            """)

    @Option(help: "The database to copy: a SQLite file or a postgres:// URL.")
    var from: String

    @Option(help: "The new database: a postgres:// URL (create it first with `createdb`) or a new SQLite file.")
    var to: String

    @Option(help: "The source's data directory, where its checkpoint files are (default: <from>.data).")
    var fromDataDir: String?

    @Flag(help: "Print what was copied as JSON.")
    var json = false

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    func run() throws {
        let sourceLocation = StoreLocation(database: from, dataDirectory: fromDataDir)
        if !StoreLocation.isPostgresURL(from) && !FileManager.default.fileExists(atPath: sourceLocation.databasePath) {
            throw ValidationError("--from \(from) does not exist; name the SQLite file (or postgres:// URL) to copy.")
        }
        let source = try Store(location: sourceLocation)
        let destination = try Store(location: StoreLocation(database: to))
        guard source.location.databasePath != destination.location.databasePath else {
            throw ValidationError("--from and --to name the same database.")
        }
        let sourceData = URL(fileURLWithPath: source.location.dataDirectory)
        let summary = try source.copyEverything(
            to: destination,
            checkpointFile: { record in
                guard let data = try? Data(contentsOf: sourceData.appendingPathComponent(record.path)),
                    data.count == record.bytes, (try? SHA256.hex([UInt8](data))) == record.sha256
                else { return nil }
                return data
            },
            progress: { table, rows in
                if !quiet { FileHandle.standardError.write(Data("copied \(rows) row(s) of \(table)\n".utf8)) }
            })
        if json {
            print(try Output.json(summary))
            return
        }
        let tables = Store.copyTableNames.map { "\(summary.rows[$0] ?? 0) \($0)" }.joined(separator: ", ")
        print("Copied \(tables).")
        if destination.isPostgres {
            print("Checkpoints in the database: \(summary.checkpointsKept) (the latest of each run).")
        }
        if !summary.checkpointsMissing.isEmpty {
            FileHandle.standardError.write(
                Data(
                    ("warning: \(summary.checkpointsMissing.count) checkpoint file(s) were missing or damaged in "
                        + "\(sourceData.path) (\(summary.checkpointsMissing.prefix(3).joined(separator: ", "))); "
                        + "pass --from-data-dir if the data directory moved. Their runs' results are copied; "
                        + "exporting them needs a retrain.\n").utf8))
        }
    }
}
