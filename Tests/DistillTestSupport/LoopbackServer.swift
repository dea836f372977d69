// Copyright 2026 The Distill authors.
// The one loopback HTTP server of the test suite: starts Tests/Fixtures/loopback_server.py on a free
// loopback port for one test and stops it afterwards (the script also stops itself when its stdin
// closes or its lifetime ends). Shared by the data, service and CLI tests.

import DistillData
import Foundation

/// A loopback HTTP server serving `root`, with test routes (status codes, redirects, hangs, …).
public final class LoopbackServer {
    /// The port it listens on at 127.0.0.1.
    public let port: Int
    /// The directory it serves under `/files/`.
    public let root: String
    private let process = Process()
    private let input = Pipe()

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/loopback_server.py").path
    }

    /// Starts the server serving files from `root`.
    /// - Parameters:
    ///   - root: The directory to serve.
    ///   - lifetime: Seconds after which the server stops by itself.
    /// - Throws: `DataError.io` when the server does not start.
    public init(root: String, lifetime: Int = 900) throws {
        self.root = root
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath, "--root", root, "--lifetime", String(lifetime)]
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let text = String(data: line, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            let port = Int(text)
        else {
            process.terminate()
            throw DataError(
                .io, "The loopback server did not print its port (got '\(String(decoding: line, as: UTF8.self))').")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The full URL of `path` on this server.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// How many requests each path received so far.
    /// - Returns: Request counts by path.
    /// - Throws: When the counts cannot be fetched.
    public func counts() throws -> [String: Int] {
        // Patient: on a loaded machine (the whole suite on two cores) the server may be silent for a while, and
        // the default low-speed limit would give up after 20 s without a byte.
        var configuration = FetchConfiguration()
        configuration.lowSpeedSeconds = 300
        configuration.totalTimeout = 300
        let fetcher = try Fetcher(configuration: configuration)
        var result: Result<FetchedBody, FetchFailure>?
        try fetcher.fetch([url("/counts")]) { outcome in result = outcome.result }
        guard case .success(let fetched) = result else {
            throw DataError(.io, "The loopback server's /counts failed: \(String(describing: result)).")
        }
        let body = fetched.bytes
        let object = try JSONSerialization.jsonObject(with: Data(body))
        return (object as? [String: Int]) ?? [:]
    }
}
