// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillData
import DistillService
import DistillStore
import Foundation

/// `distill prepare JOB`: fetches a job's images and decodes them into the decoded-image store ahead of training.
///
/// Exit codes: 0 done (images that could not be stored are counted, not fatal); 1 runtime failure; 2 unknown
/// job or a job that keeps no decoded images.
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract:
            "Fetch a job's images and decode them into the decoded-image store, so its first epoch reads the store.",
        discussion: """
            A run decodes each image once, in its first epoch, and reads the decoded-image store from then on; \
            on photos that first epoch is the slow one (decoding a 640x480 JPEG costs more than half as much CPU as \
            training on it at α 0.25/128). `distill prepare` does that decoding beforehand, for every \
            resolution the job's runs train at: evaluation images (and training images, without augmentation) \
            as the student's input bytes, augmented training images as the source images their random crops \
            are cut from. Images already stored are skipped, so it can be run again or interrupted (Ctrl-C) \
            at any time; a run uses whatever is there and decodes the rest. A daemon does the same for the next \
            queued job while it trains another (fetch and decode ahead).
            Example: distill prepare 7
            """)

    @Argument(help: JobSelector.help)
    var job: JobSelector

    @Option(help: "Decoding threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "No progress lines.")
    var quiet = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads \(threads) is outside 1…256.") }
    }

    func run() throws {
        let database = try store.open()
        let jobID = try job.id(in: database)
        let stop = StopRequest()
        let signals = stop.install()
        defer { signals.forEach { $0.cancel() } }
        let fetchLine = ProgressLine(enabled: !quiet)
        let decodeLine = ProgressLine(enabled: !quiet)
        let summary: DecodedStorePreparation.Summary
        do {
            summary = try DecodedStorePreparation.prepare(
                jobID: jobID, store: database, threads: threads,
                log: { line in
                    fetchLine.finish()
                    decodeLine.finish()
                    if !quiet { FileHandle.standardError.write(Data(("prepare: " + line + "\n").utf8)) }
                },
                fetchProgress: { fetchLine.show($0) },
                progress: { resolution, done, total in
                    decodeLine.show("decode \(resolution)x\(resolution)", done: done, total: total)
                },
                shouldStop: { stop.isRequested })
        } catch is CancellationError {
            fetchLine.finish()
            decodeLine.finish()
            throw ServiceError(
                .runtime,
                "Stopped; what was stored stays. Run `distill prepare \(jobID)` again to go on, or start the job: its "
                    + "runs decode what is missing.")
        }
        if json {
            print(try Output.json(summary))
            return
        }
        let rows = summary.lines.map { line in
            [
                "\(line.resolution)x\(line.resolution)", line.sourceSide.map { "\($0)x\($0) sources" } ?? "input bytes",
                "\(line.trainingImages)", "\(line.evaluationImages)", "\(line.stored)", "\(line.present)",
                "\(line.failed)", String(format: "%.1f", line.seconds),
            ]
        }
        print(
            Output.table(
                [
                    "RESOLUTION", "TRAINING_IMAGES_AS", "TRAINING", "EVALUATION", "STORED", "ALREADY", "FAILED",
                    "SECONDS",
                ],
                rows))
        print(
            "Decoded-image store: " + String(format: "%.1f MB", Double(summary.storeBytes) / 1e6) + " of "
                + String(format: "%.1f MB", Double(summary.maximumBytes) / 1e6) + " (`images.decoded_store_bytes`).")
        if summary.lines.contains(where: { $0.failed > 0 }) {
            print(
                "Images not stored are decoded by the runs every epoch: unreadable ones are left out of training "
                    + "(see `distill images --failed`), and beyond the bound there is no room (raise "
                    + "`images.decoded_store_bytes` or free `<data dir>/decoded/`).")
        }
    }
}
