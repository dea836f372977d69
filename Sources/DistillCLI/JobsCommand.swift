// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillService
import DistillStore
import Foundation

extension JobState: ExpressibleByArgument {}

/// `distill jobs`: list jobs, newest first.
struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "List jobs, newest first.",
        discussion: "Example: distill jobs --state queued --state running")

    @Option(help: "Only jobs in this state (repeatable): queued, running, paused, succeeded, failed, cancelled.")
    var state: [JobState] = []

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let jobs = try store.open().jobs(states: state)
        if json {
            print(try Output.json(jobs))
        } else if jobs.isEmpty {
            print("No jobs; submit one with `distill submit JOBFILE`.")
        } else {
            print(
                Output.table(
                    ["ID", "NAME", "TEACHER", "STATE", "RUNS", "PRIORITY", "SCHEDULE", "SUBMITTED"],
                    jobs.map { job in
                        [
                            "\(job.id)", job.name, job.teacher, job.state.rawValue,
                            "\(job.runsSucceeded)/\(job.runCount)",
                            "\(job.priority)", JobsCommand.schedule(job), job.submittedAt,
                        ]
                    }))
        }
    }

    static func schedule(_ job: Job, now: Date = DaemonCommand.scheduleClock.now()) -> String {
        var parts: [String] = []
        if let at = job.notBefore { parts.append("at \(at)") }
        if let start = job.windowStart, let end = job.windowEnd { parts.append("window \(start)-\(end)") }
        guard !parts.isEmpty else { return "now" }
        if job.state == .queued || job.state == .paused {
            let schedule = JobSchedule(
                JobScheduleFields(
                    jobID: job.id, notBefore: job.notBefore, windowStart: job.windowStart, windowEnd: job.windowEnd))
            if !schedule.isOpen(at: now) {
                parts.append("next start \(Store.timestamp(schedule.nextStart(after: now)))")
            }
        }
        return parts.joined(separator: ", ")
    }
}

/// `distill show ID`: one job with its runs and latest log lines.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a job: its state, schedule, runs and latest log lines.",
        discussion: "Example: distill show 7")

    @Argument(help: JobSelector.help)
    var job: JobSelector

    @Flag(help: "Print JSON (job, runs, spec).")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let database = try store.open()
        let id = try self.job.id(in: database)
        let job = try database.job(id: id)
        let runs = try database.runs(jobID: id)
        if json {
            struct Shown: Encodable {
                var job: Job
                var runs: [Run]
                var spec: String
            }
            print(try Output.json(Shown(job: job, runs: runs, spec: try database.jobSpecJSON(id: id))))
            return
        }
        print("Job:       \(job.id) '\(TerminalText.printable(job.name))'")
        print("Teacher:   \(job.teacher)")
        print("State:     \(job.state.rawValue)\(job.error.map { " (\($0))" } ?? "")")
        print("Priority:  \(job.priority)")
        print("Schedule:  \(JobsCommand.schedule(job))")
        print("Submitted: \(job.submittedAt)")
        if let started = job.startedAt { print("Started:   \(started)") }
        if let finished = job.finishedAt { print("Finished:  \(finished)") }
        print("")
        print(
            Output.table(
                ["RUN", "NAME", "ARCHITECTURE", "ALPHA", "RESOLUTION", "STATE", "EPOCH", "PROGRESS", "HELD BY"],
                runs.map { run in
                    [
                        "\(run.id)", run.name, run.architecture, "\(run.alpha)", "\(run.resolution)",
                        run.state.rawValue,
                        "\(run.epoch)", "\(Int((run.progress * 100).rounded()))%",
                        run.leaseOwner.map { "\($0) until \(run.leaseExpires ?? "?")" } ?? "-",
                    ]
                }))
        let events = try database.events(jobID: id).suffix(5)
        if !events.isEmpty {
            print("")
            for event in events { print(LogsCommand.line(event)) }
        }
    }
}

/// `distill cancel ID`.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job that has not finished; a daemon running it stops at its next heartbeat.",
        discussion: "Examples: distill cancel 7\n          distill cancel fashion-sweep")

    @Argument(help: JobSelector.help)
    var job: JobSelector

    @OptionGroup var store: StoreOptions

    func run() throws {
        let database = try store.open()
        let job = try database.cancelJob(id: try self.job.id(in: database))
        print("Cancelled job \(job.id) '\(job.name)'.")
    }
}

/// `distill retry ID`: requeue a failed job's failed runs.
struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Requeue a failed job's failed runs; they resume from their last checkpoint.",
        discussion: """
            The job becomes queued (or paused, when some run has progress) and a daemon or `distill run` picks \
            it up again. Fix the cause first (see `distill show ID` for the error).
            Example: distill retry 7
            Exit codes: 0 requeued, 2 the job has not failed or does not exist.
            """)

    @Argument(help: JobSelector.help)
    var job: JobSelector

    @OptionGroup var store: StoreOptions

    func run() throws {
        let database = try store.open()
        let (job, requeued) = try database.retryJob(id: try self.job.id(in: database))
        print("Requeued \(requeued) failed run(s) of job \(job.id) '\(job.name)'; it is \(job.state.rawValue).")
    }
}

/// `distill priority ID N`.
struct PriorityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "priority",
        abstract: "Set a job's priority (higher runs first); daemons use it at their next claim.",
        discussion: """
            A run already training keeps going; the new priority decides which run a worker claims next.
            Example: distill priority 7 10
            Exit codes: 0 set, 2 no such job or a bad number.
            """)

    @Argument(help: JobSelector.help)
    var job: JobSelector

    @Argument(help: "The priority, -1000000…1000000 (default at submit: 0).")
    var priority: Int

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard (-1_000_000...1_000_000).contains(priority) else {
            throw ValidationError("Priority \(priority) is outside -1000000…1000000.")
        }
    }

    func run() throws {
        let database = try store.open()
        let job = try database.setPriority(jobID: try self.job.id(in: database), priority: priority)
        print("Job \(job.id) '\(job.name)' now has priority \(job.priority).")
    }
}
