// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillData
import DistillStore
import Foundation

extension ImageStatus: ExpressibleByArgument {}

/// `distill images`: list the images table.
struct ImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "List known images with their fetch status, size and failure reason.",
        discussion: "Example: distill images --failed")

    @Flag(help: "Only failed images.")
    var failed = false

    @Option(help: "Only images with this status: pending, fetched or failed.")
    var status: ImageStatus?

    @Option(help: "At most this many rows.")
    var limit: Int?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if failed, let status, status != .failed {
            throw ValidationError("--failed contradicts --status \(status.rawValue).")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit).") }
    }

    func run() throws {
        let database = try store.open()
        let records = try database.imageRecords(status: failed ? .failed : status, limit: limit)
        if json {
            print(try Output.json(records))
            return
        }
        let counts = try database.imageStatusCounts()
        if records.isEmpty {
            print("No images\(failed ? " failed" : ""); fetch some with `distill fetch --urls FILE`.")
        } else {
            print(
                Output.table(
                    ["ID", "STATUS", "FORMAT", "SIZE", "BYTES", "HTTP", "ATTEMPTS", "URL", "REASON"],
                    records.map { record in
                        [
                            "\(record.id)", record.status.rawValue, record.format ?? "-",
                            record.width.map { "\($0)x\(record.height ?? 0)" } ?? "-",
                            record.bytes.map(String.init) ?? "-",
                            record.httpStatus.map(String.init) ?? "-", "\(record.attempts)", record.url,
                            record.failureReason ?? "",
                        ]
                    }))
        }
        print(
            "\(counts[.fetched, default: 0]) fetched, \(counts[.failed, default: 0]) failed, "
                + "\(counts[.pending, default: 0]) pending.")
        let decoded = DecodedImageStore.usage(dataDirectory: database.location.dataDirectory)
        if decoded.files > 0 {
            print(
                "Decoded-image store: \(decoded.files) file(s), "
                    + String(format: "%.1f MB", Double(decoded.bytes) / 1e6)
                    + " (\(database.location.dataDirectory)/decoded).")
        }
    }
}
