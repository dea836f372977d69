// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillService
import DistillStore

/// `distill submit JOBFILE`: validate a job file and queue it with one run per grid point.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Validate a YAML job file and queue it; prints the job id.",
        discussion: """
            The file is checked against the teacher it names: unknown keys, wrong types and out-of-range
            values are refused with the key path and the allowed values. See Jobs/ for examples.
            Example: distill submit Jobs/face-attributes-sweep.yaml --window 22:00-06:00
            """
    )

    @Argument(help: "The YAML job file.")
    var jobFile: String

    @Option(help: "Do not start before this time: HH:MM (next occurrence), 'YYYY-MM-DD HH:MM' (local) or ISO-8601.")
    var at: String?

    @Option(help: "Run only inside this daily window, HH:MM-HH:MM local time (may wrap midnight).")
    var window: String?

    @Option(help: "Priority; higher runs first (default: the file's, else 0).")
    var priority: Int?

    @Flag(help: "Print the stored job as JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if let window { _ = try ScheduleParser.parseWindow(window) }
        if let at { _ = try ScheduleParser.parseTime(at) }
        if let priority, !(-1000...1000).contains(priority) {
            throw ValidationError("--priority must be between -1000 and 1000, got \(priority).")
        }
    }

    func run() throws {
        let job = try JobSubmitter(store: try store.open()).submit(
            file: jobFile, overrides: .init(at: at, window: window, priority: priority))
        if json {
            print(try Output.json(job))
        } else {
            print("Submitted job \(job.id) '\(job.name)' with \(job.runCount) run(s).")
        }
    }
}
