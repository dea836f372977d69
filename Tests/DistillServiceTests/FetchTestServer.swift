// Copyright 2026 The Distill authors.
// Starts Tests/Fixtures/loopback_server.py for one test; it stops when this object goes away (or when its
// stdin closes, or after its lifetime).

import DistillData
import Foundation

final class FetchTestServer {
    let port: Int
    private let process = Process()
    private let input = Pipe()

    init(root: String, lifetime: Int = 120) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/loopback_server.py").path
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--root", root, "--lifetime", String(lifetime)]
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw DataError(.io, "The loopback server did not print its port.")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func counts() throws -> [String: Int] {
        var body: [UInt8] = []
        try Fetcher().fetch([url("/counts")]) { outcome in
            if case .success(let fetched) = outcome.result { body = fetched.bytes }
        }
        return (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Int]) ?? [:]
    }
}
