// Copyright 2026 The Distill authors.
// The tiny real job the training CLI tests share: Fashion-MNIST images exported by `distill dataset`, a logits
// teacher derived from their labels ("5 for the class, -1 elsewhere") imported by `distill teacher import`, and
// job files over them.

import Foundation
import Testing

extension Sandbox {
    /// Exports `limit` training and `limit` test images into `name/` and imports teacher `name` for all of them.
    func importFashionTeacher(_ name: String = "fm", limit: Int = 48) throws {
        let export = try run(["dataset", "fashion-mnist", "--out", name, "--split", "all", "--limit", "\(limit)"])
        #expect(export.status == 0, "\(export.stderr)")
        let labels = try String(contentsOfFile: directory.path + "/\(name)/labels.csv", encoding: .utf8)
        var teacher = "url," + (0..<10).map { "c\($0)" }.joined(separator: ",") + "\n"
        for line in labels.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            let label = Int(fields[2]) ?? -1
            teacher += fields[0] + "," + (0..<10).map { $0 == label ? "5" : "-1" }.joined(separator: ",") + "\n"
        }
        try write(teacher, to: "\(name)-teacher.csv")
        let imported = try run(["teacher", "import", name, "--kind", "logits", "--file", "\(name)-teacher.csv"])
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    /// Writes a job file over the exported images (labels.csv: test rows evaluate, train rows train).
    /// - Parameters:
    ///   - file: The job file's name.
    ///   - name: The job's name.
    ///   - teacher: The teacher, whose images are in the directory of the same name.
    ///   - alphas: The grid's width multipliers.
    ///   - resolutions: The grid's resolutions.
    ///   - epochs: Epochs (48 training images, batch 16: 3 steps each).
    ///   - checkpointEvery: `checkpoint_every_steps` (default: the job file's default).
    @discardableResult
    func writeFashionJob(
        _ file: String = "job.yaml", name: String = "cli-run", teacher: String = "fm", alphas: [Double] = [0.25],
        resolutions: [Int] = [32], epochs: Int, checkpointEvery: Int? = nil
    ) throws -> String {
        try write(
            """
            name: \(name)
            teacher: \(teacher)
            images:
              allow_file_roots: [\(teacher)]
            evaluation:
              labels: \(teacher)/labels.csv
            students:
              alpha: [\(alphas.map { "\($0)" }.joined(separator: ", "))]
              resolution: [\(resolutions.map { "\($0)" }.joined(separator: ", "))]
            training:
              epochs: \(epochs)
              batch_size: 16
              optimizer: sgd
              learning_rate: 0.05
              threads: 1
            \(checkpointEvery.map { "  checkpoint_every_steps: \($0)" } ?? "")

            """, to: file)
    }

    /// Submits job.yaml as job 1 and trains it in the foreground (`distill run 1`), expecting both to succeed.
    func submitAndTrain() throws {
        let submitted = try run(["submit", "job.yaml"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let trained = try run(["run", "1", "--quiet"])
        #expect(trained.status == 0, "\(trained.stderr)")
    }

    /// Starts `distill ARGUMENTS` in the background (DISTILL_DB set, standard error to `log`).
    /// - Parameters:
    ///   - arguments: The command line.
    ///   - log: A file in the sandbox for standard error (standard output is dropped).
    ///   - environment: Extra environment variables.
    func start(_ arguments: [String], log: String, environment extra: [String: String] = [:]) throws -> Process {
        let process = command(arguments, environment: extra)
        _ = FileManager.default.createFile(atPath: directory.path + "/" + log, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent(log))
        try process.run()
        return process
    }

    /// The text of a file in the sandbox ("" when missing).
    func read(_ name: String) -> String {
        (try? String(contentsOfFile: directory.path + "/" + name, encoding: .utf8)) ?? ""
    }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass.
/// - Returns: Whether it held.
@discardableResult
func waitUntil(seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

/// Waits for a process to exit, killing it after `seconds` (a test must never hang).
/// - Returns: Whether it exited by itself in time.
@discardableResult
func waitForExit(_ process: Process, seconds: Double = 60) -> Bool {
    let exited = waitUntil(seconds: seconds) { !process.isRunning }
    if !exited {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
    return exited
}
