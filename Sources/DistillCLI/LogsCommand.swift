// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillStore
import Foundation

/// `distill logs ID [--follow]`: a job's log lines.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print a job's log lines; --follow keeps printing until the job finishes.",
        discussion: "Example: distill logs 7 --follow")

    @Argument(help: JobSelector.help)
    var job: JobSelector

    @Flag(help: "Keep printing new lines until the job reaches a final state.")
    var follow = false

    @Flag(help: "Print JSON lines (one object per event).")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let database = try store.open()
        let id = try job.id(in: database)
        var last: Int64 = 0
        while true {
            for event in try database.events(jobID: id, after: last) {
                print(json ? try LogsCommand.jsonLine(event) : LogsCommand.line(event))
                last = event.id
            }
            guard follow, !(try database.job(id: id).state.isFinal) else { break }
            fflush(nil)
            Thread.sleep(forTimeInterval: 1)
        }
    }

    static func line(_ event: Event) -> String {
        "\(event.at)  \(event.level.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0))"
            + (event.runID.map { "run \($0): " } ?? "") + TerminalText.printable(event.message)
    }

    static func jsonLine(_ event: Event) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(event), as: UTF8.self)
    }
}

/// `distill results`: rows of the sweep_results view.
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Print results (one row per run: grid point, state, metrics, costs) from the sweep_results view.",
        discussion: """
            The table rounds figures (metrics to 4 decimals, parameters, Mult-Adds and FLOPs in millions, \
            latency in ms with 3 decimals) and shows the columns that tell students apart; --wide shows all. \
            CSV and JSON keep every column at full precision.
            Examples: distill results --job 7
                      distill results --job fashion-sweep --format csv > sweep.csv
            """)

    @Option(help: "Only this job's runs: its id or its name (the newest job of that name).")
    var job: JobSelector?

    @Option(help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    @Flag(help: "Table: every column of sweep_results (default: the ones that tell students apart).")
    var wide = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let database = try store.open()
        let jobID = try job?.id(in: database)
        let table = try database.sweepResults(jobID: jobID)
        if table.rows.isEmpty && format == .table {
            print("No runs yet\(jobID.map { " for job \($0)" } ?? ""); submit a job with `distill submit JOBFILE`.")
            return
        }
        print(format == .table ? ResultsTable.render(table, wide: wide) : try Output.render(table, as: format))
    }
}
