// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillData
import DistillService
import DistillStore
import Foundation

/// `distill bench fetch`: small-image fetch throughput from a loopback server this command starts.
struct BenchFetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Measure fetching small images from a loopback HTTP server started for the purpose (images/s).",
        discussion: """
            Two figures: the fetcher alone (libcurl multi, bodies in memory), and the whole `distill fetch` \
            path (fetch, validate by decoding, SHA-256, atomic cache write, images-table rows) into a \
            temporary database that is deleted afterwards. URL N gets its own 28x28 grayscale PNG (about \
            400 bytes), so every image is a distinct cache file.
            """)

    @Option(help: "URLs to fetch (each a distinct URL of the same image).")
    var count = 5000

    @Option(help: "Transfers in flight at once.")
    var concurrency = 32

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive, got \(count).") }
        guard (1...1024).contains(concurrency) else {
            throw ValidationError("--concurrency \(concurrency) is outside 1…1024.")
        }
    }

    func run() async throws {
        let bodies = try (0..<count).map { try BenchDecodeCommand.fashionPNG(variant: $0) }
        let server = try LoopbackImageServer(bodies: bodies, contentType: "image/png")
        defer { server.stop() }
        var configuration = FetchConfiguration()
        configuration.concurrency = concurrency
        configuration.perHostConnections = concurrency
        let urls = (0..<count).map { "http://127.0.0.1:\(server.port)/image/\($0).png" }

        let fetcher = try Fetcher(configuration: configuration)
        var received = 0
        let start = Date()
        try fetcher.fetch(urls) { outcome in
            if case .success = outcome.result { received += 1 }
        }
        let fetchRate = Double(received) / Date().timeIntervalSince(start)
        print("Concurrency: \(concurrency), \(count) URLs, \(bodies.map(\.count).reduce(0, +) / count) bytes per body")
        print(String(format: "Fetcher only:                      %.0f images/s (%d ok)", fetchRate, received))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "distill-bench-fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("bench.db").path)
        let service = try ImageFetchService(store: store, configuration: configuration)
        let pathURLs = (0..<count).map { "http://127.0.0.1:\(server.port)/service/\($0).png" }
        let summary = try await service.fetch(urls: pathURLs)
        let serviceRate = Double(summary.fetched) / summary.seconds
        print(
            String(format: "Fetch + validate + cache + database: %.0f images/s (%d ok)", serviceRate, summary.fetched))
        print(
            "{\"benchmark\":\"fetch\",\"concurrency\":\(concurrency),\"count\":\(count),"
                + "\"fetcher_per_second\":\(Int(fetchRate)),\"service_per_second\":\(Int(serviceRate))}")
    }
}
