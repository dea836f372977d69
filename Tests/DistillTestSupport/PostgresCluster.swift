// Copyright 2026 The Distill authors.
// A throwaway PostgreSQL cluster for tests: Debian's server (`make test` installs `postgresql`), initialised in a
// temporary directory, listening on a loopback port of its own with trust authentication and fsync off, stopped
// and removed when the test is done. As root (CI), the server runs as the `postgres` user, since initdb refuses
// root. Clients are Debian's `psql` for now.

import Foundation
import Synchronization

/// A PostgreSQL server owned by one test.
public final class PostgresCluster: @unchecked Sendable {
    /// The loopback port it listens on.
    public let port: Int
    /// The superuser name (trust authentication, no password).
    public let user = "distill"
    private let directory: URL
    private let binaries: URL
    private let runAsPostgres: Bool

    /// Why a cluster could not start, with what to do.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The addresses it listens on.
    public let addresses: [String]

    /// Initialises and starts a cluster.
    /// - Parameter addresses: The addresses to listen on (default loopback); clients from any of them, and from
    ///   10.77.0.0/16 (the test hosts' veth addresses), are trusted.
    /// - Throws: ``Failure`` naming the missing package or the server's log.
    public init(listeningOn addresses: [String] = ["127.0.0.1"]) throws {
        self.addresses = addresses
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.compactMap(Int.init).max() else {
            throw Failure(
                description: "PostgreSQL's server is not installed (/usr/lib/postgresql is empty); "
                    + "run `make test-deps` or `apt-get install postgresql`.")
        }
        binaries = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
        runAsPostgres = getuid() == 0
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("distill-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if runAsPostgres {
            _ = try Self.execute("/bin/chown", ["postgres", directory.path])
        }
        let data = directory.appendingPathComponent("data").path
        try Self.runServerTool(
            "initdb", ["-D", data, "-A", "trust", "-U", "distill", "--no-sync", "-E", "UTF8", "--no-locale"],
            binaries: binaries, runAsPostgres: runAsPostgres)
        let hba = URL(fileURLWithPath: data).appendingPathComponent("pg_hba.conf")
        let handle = try FileHandle(forWritingTo: hba)
        handle.seekToEndOfFile()
        handle.write(Data("host all all 10.77.0.0/16 trust\n".utf8))
        try handle.close()
        // A port from the dynamic range; another test's cluster may hold it, so a few are tried.
        var started: Int?
        for _ in 0..<8 {
            let candidate = Int.random(in: 20_000..<60_000)
            let options =
                "-p \(candidate) -k \(directory.path) -c listen_addresses=\(addresses.joined(separator: ",")) -c fsync=off "
                + "-c synchronous_commit=off -c full_page_writes=off"
            do {
                try Self.runServerTool(
                    "pg_ctl",
                    [
                        "-D", data, "-l", directory.appendingPathComponent("server.log").path, "-o", options, "-w",
                        "start",
                    ], binaries: binaries, runAsPostgres: runAsPostgres)
                started = candidate
                break
            } catch {
                continue
            }
        }
        guard let started else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: directory)
            throw Failure(description: "PostgreSQL did not start on 8 loopback ports; its log:\n\(log)")
        }
        port = started
    }

    deinit { stop() }

    /// Stops the server, ending every client's connection, and keeps its files (a fast shutdown: with fsync off,
    /// an immediate one could lose the latest commits).
    public func halt() throws {
        try runServerTool("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "fast", "-w", "stop"])
    }

    /// Starts a halted server again on the same port, with the options it had.
    public func resume() throws {
        let data = directory.appendingPathComponent("data").path
        let options =
            "-p \(port) -k \(directory.path) -c listen_addresses=\(addresses.joined(separator: ",")) -c fsync=off "
            + "-c synchronous_commit=off -c full_page_writes=off"
        try runServerTool(
            "pg_ctl",
            ["-D", data, "-l", directory.appendingPathComponent("server.log").path, "-o", options, "-w", "start"])
    }

    /// Stops the server at once and removes its files.
    public func stop() {
        let data = directory.appendingPathComponent("data").path
        if FileManager.default.fileExists(atPath: data) {
            try? runServerTool("pg_ctl", ["-D", data, "-m", "immediate", "stop"])
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Creates a database.
    /// - Parameter name: Its name (letters, digits, underscores).
    /// - Returns: Its connection URL, `postgres://distill@127.0.0.1:PORT/NAME`.
    /// - Throws: ``Failure`` with psql's error.
    @discardableResult
    public func createDatabase(_ name: String) throws -> String {
        _ = try psql(database: "postgres", "CREATE DATABASE \(name)")
        return "postgres://\(user)@\(addresses[0]):\(port)/\(name)"
    }

    /// Runs SQL through `psql` (stopping at the first error) and returns its unaligned, tuples-only output.
    /// - Parameters:
    ///   - database: The database.
    ///   - sql: One or more statements.
    /// - Returns: Rows as lines, columns separated by `|`.
    /// - Throws: ``Failure`` with psql's error.
    public func psql(database: String, _ sql: String) throws -> String {
        try Self.execute(
            "/usr/bin/psql",
            [
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-h", addresses[0], "-p", "\(port)", "-U", user, "-d",
                database,
            ],
            input: sql)
    }

    private func runServerTool(_ tool: String, _ arguments: [String]) throws {
        try Self.runServerTool(tool, arguments, binaries: binaries, runAsPostgres: runAsPostgres)
    }

    private static func runServerTool(
        _ tool: String, _ arguments: [String], binaries: URL, runAsPostgres: Bool
    ) throws {
        let path = binaries.appendingPathComponent(tool).path
        let command = (runAsPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [path] + arguments
        // The server pg_ctl starts outlives it and would inherit every open descriptor: Foundation's Process watches
        // a child through one (so waitUntilExit would wait for the server), and other tests' pipes would stay open.
        // bash closes all but 0-2 before it becomes the tool.
        let closeAndRun = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec "$@""#
        _ = try Self.execute("/bin/bash", ["-c", closeAndRun, "bash"] + command)
    }

    private static func execute(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        // Read both pipes before waiting: a full pipe would block the child.
        let outputText = Locked()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            outputText.set(output.fileHandleForReading.readDataToEndOfFile())
        }
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let text = String(decoding: outputText.data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "\(executable) \(arguments.joined(separator: " ")) exited with "
                    + "\(process.terminationStatus): \(String(decoding: errorData, as: UTF8.self))")
        }
        return text
    }

    private final class Locked: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = Data()
        func set(_ data: Data) {
            lock.lock()
            stored = data
            lock.unlock()
        }
        var data: Data {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }
    }
}

/// One cluster for a whole test process, started on first use and stopped when the process exits; each test takes
/// a database of its own on it.
public enum SharedPostgres {
    private static let state = Mutex<Result<PostgresCluster, PostgresCluster.Failure>?>(nil)
    private static let counter = Mutex(0)

    /// The process's cluster, started on first use.
    /// - Throws: ``PostgresCluster/Failure`` when it cannot start (the same failure for every later caller).
    public static func cluster() throws -> PostgresCluster {
        try state.withLock { state -> Result<PostgresCluster, PostgresCluster.Failure> in
            if let state { return state }
            let started: Result<PostgresCluster, PostgresCluster.Failure>
            do {
                started = .success(try PostgresCluster())
                atexit { SharedPostgres.stopAtExit() }
            } catch let failure as PostgresCluster.Failure {
                started = .failure(failure)
            } catch {
                started = .failure(PostgresCluster.Failure(description: "\(error)"))
            }
            state = started
            return started
        }.get()
    }

    /// A new, empty database on the shared cluster.
    /// - Returns: Its `postgres://` URL.
    public static func newDatabase() throws -> String {
        let cluster = try cluster()
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        return try cluster.createDatabase("test_\(getpid())_\(number)")
    }

    private static func stopAtExit() {
        if case .success(let cluster) = state.withLock({ $0 }) { cluster.stop() }
    }
}
