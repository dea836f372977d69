// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillData
import DistillService
import DistillStore
import Foundation

/// `distill fetch`: fetch a teacher's (or a URL list's) images into the cache and the images table.
///
/// Exit codes: 0 the run finished (failed images are recorded, not fatal); 1 database or libcurl failure;
/// 2 bad options, unknown teacher, unreadable URL list.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch image URLs into the content-addressed cache and record each outcome in the images table.",
        discussion: """
            Only images not yet fetched (or whose cache file is missing) are fetched, so an interrupted run \
            can simply be started again. Schemes: http, https, and file:// under --allow-file-root; redirects \
            (at most 5) only to http/https. Transient failures (timeouts, broken connections, HTTP 429 and 5xx) \
            are retried with exponential backoff; others are recorded at once.
            Example: distill fetch --urls urls.txt --allow-file-root /data/images
            Exit codes: 0 finished (failures are recorded), 1 runtime failure, 2 bad input.
            """
    )

    @Option(help: "Fetch the images of this teacher.")
    var teacher: String?

    @Option(help: "Fetch the URLs in this file (one per line; blank lines and lines starting with # are skipped).")
    var urls: String?

    @Option(help: "Transfers in flight at once.")
    var concurrency = 32

    @Option(help: "Transfers in flight to one host at once.")
    var perHost = 8

    @Option(help: "Seconds allowed per transfer, redirects included.")
    var timeout: Double = 60

    @Option(help: "Seconds allowed to connect.")
    var connectTimeout: Double = 10

    @Option(help: "Largest accepted body in bytes.")
    var maxBytes = 32 << 20

    @Option(help: "Attempts per URL for transient failures (1 = no retry).")
    var attempts = 4

    @Option(help: "Directory file:// URLs may be read from (repeatable).")
    var allowFileRoot: [String] = []

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "No progress line.")
    var quiet = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard (teacher == nil) != (urls == nil) else {
            throw ValidationError("Give exactly one of --teacher NAME or --urls FILE.")
        }
        guard (1...1024).contains(concurrency) else {
            throw ValidationError("--concurrency \(concurrency) is outside 1…1024.")
        }
        guard (1...1024).contains(perHost) else { throw ValidationError("--per-host \(perHost) is outside 1…1024.") }
        for (name, value) in [("--timeout", timeout), ("--connect-timeout", connectTimeout)]
        where !FetchConfiguration.timeoutRange.contains(value) {
            throw ValidationError(
                "\(name) \(value) is outside 0.001…86400 seconds; give a number of seconds such as 60.")
        }
        guard maxBytes > 0 else { throw ValidationError("--max-bytes \(maxBytes) must be positive.") }
        guard (1...20).contains(attempts) else { throw ValidationError("--attempts \(attempts) is outside 1…20.") }
    }

    func run() async throws {
        let database = try store.open()
        let list = try teacher.map { try database.teacherImageURLs(named: $0) } ?? URLList.read(urls ?? "")
        var configuration = FetchConfiguration()
        configuration.concurrency = concurrency
        configuration.perHostConnections = perHost
        configuration.totalTimeout = timeout
        configuration.connectTimeout = connectTimeout
        configuration.maximumBodyBytes = maxBytes
        configuration.maximumAttempts = attempts
        configuration.allowedFileRoots = allowFileRoot.map(StoreLocation.absolute)
        let service = try ImageFetchService(store: database, configuration: configuration)
        let reporter = ProgressLine(enabled: !quiet)
        let summary = try await service.fetch(urls: list) { reporter.show($0) }
        reporter.finish()
        if json {
            print(try Output.json(summary))
        } else {
            print(FetchCommand.describe(summary))
        }
    }

    static func describe(_ summary: ImageFetchSummary) -> String {
        var lines = [
            "Fetched \(summary.fetched) of \(summary.requested - summary.alreadyFetched) images "
                + "(\(summary.alreadyFetched) already cached) in \(String(format: "%.1f", summary.seconds)) s, "
                + "\(String(format: "%.1f", Double(summary.bytes) / 1e6)) MB; \(summary.failed) failed."
        ]
        if !summary.failuresByReason.isEmpty {
            lines.append("Failures by reason:")
            for (reason, count) in summary.failuresByReason.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                lines.append("  " + reason.padding(toLength: 20, withPad: " ", startingAt: 0) + " \(count)")
            }
            lines.append("See them with `distill images --failed`.")
        }
        return lines.joined(separator: "\n")
    }
}
