// Copyright 2026 The Distill authors.
// Runs the real `distill` binary the way a user would, in a temporary working directory.

import DistillTestSupport
import Foundation

/// The result of one `distill` invocation.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Whether the command was killed for running past its time limit.
    var timedOut = false
}

/// Locates the built `distill` next to the test bundle (same build directory).
enum DistillBinary {
    static var path: String {
        if let explicit = ProcessInfo.processInfo.environment["DISTILL_BIN"] { return explicit }
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // The test executable lives in <build>/debug/distillPackageTests.xctest (a file or a bundle directory).
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("distill").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/distill").path
    }
}

/// A scratch directory with its own database, where commands run.
struct Sandbox {
    let directory: URL
    /// A `postgres://` URL the commands use instead of the sandbox's SQLite file.
    var postgresURL: String?
    /// Removes the directory when the last copy of this sandbox goes away.
    private let owner: TemporaryDirectory

    init(postgresURL: String? = nil) throws {
        owner = try TemporaryDirectory(prefix: "distill-cli-")
        directory = URL(fileURLWithPath: owner.path, isDirectory: true)
        self.postgresURL = postgresURL
    }

    /// The database the commands use (`DISTILL_DB`): the sandbox's SQLite file, or the PostgreSQL URL.
    var database: String { postgresURL ?? directory.appendingPathComponent("distill.db").path }

    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// A `distill` process (not started) with `arguments`, the sandbox as working directory and `DISTILL_DB` set.
    /// - Parameters:
    ///   - arguments: The command line.
    ///   - extra: Further environment variables.
    /// - Returns: The process, for the caller to connect and start.
    func command(_ arguments: [String], environment extra: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DistillBinary.path)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["DISTILL_DB"] = database
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        return process
    }

    /// Runs `distill` with `arguments`, the sandbox as working directory and `DISTILL_DB` set.
    ///
    /// A command still running after `timeout` seconds is killed (SIGKILL) and reported with `timedOut`, so a
    /// hang fails its test instead of stalling the suite.
    /// - Parameters:
    ///   - arguments: The command line.
    ///   - extra: Further environment variables.
    ///   - timeout: Seconds before the command is killed.
    func run(_ arguments: [String], environment extra: [String: String] = [:], timeout: Double = 300) throws
        -> CommandResult
    {
        let process = command(arguments, environment: extra)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let killed = KilledFlag()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [process] in
            if process.isRunning {
                killed.set()
                kill(pid, SIGKILL)
            }
        }
        // Read both pipes before waiting, so a chatty command cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), timedOut: killed.value)
    }
}

/// Set from the timer thread, read after the process ends.
private final class KilledFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var killed = false

    func set() {
        lock.lock()
        killed = true
        lock.unlock()
    }

    var value: Bool {
        lock.lock()
        defer { lock.unlock() }
        return killed
    }
}
