// Copyright 2026 The Distill authors.

import DistillData
import DistillService
import DistillStore
import DistillTestSupport
import Foundation
import Testing

@Suite("Image fetch service: outcomes in the images table")
struct ImageFetchServiceTests {
    let directory: String
    let store: Store
    let png: [UInt8]
    let jpeg: [UInt8]

    init() throws {
        directory = try TemporaryDirectory.untilExit(prefix: "distill-fetch-service-")
        try FileManager.default.createDirectory(atPath: directory + "/www", withIntermediateDirectories: true)
        store = try Store(path: directory + "/distill.db")
        var pixels = [UInt8]()
        for index in 0..<(40 * 30) { pixels += [UInt8(index % 256), UInt8(index / 5 % 256), 77] }
        let image = try RGBImage(width: 40, height: 30, pixels: pixels)
        png = try PNGCodec.encode(samples: pixels, width: 40, height: 30, colorType: .truecolor)
        jpeg = try JPEGCodec().encode(image, quality: 90)
        var corrupt = jpeg
        for index in (corrupt.count / 3)..<(corrupt.count - 2) {
            corrupt[index] = UInt8(truncatingIfNeeded: index * 7919)
        }
        var bomb = try PNGCodec.encode(samples: [1, 2, 3], width: 1, height: 1, colorType: .truecolor)
        // IHDR width/height → 100000 x 100000, CRC recomputed.
        for (offset, value) in [(16, UInt32(100_000)), (20, UInt32(100_000))] {
            for byte in 0..<4 { bomb[offset + byte] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(byte))) }
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bomb[12..<29] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        crc = ~crc
        for byte in 0..<4 { bomb[29 + byte] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(byte))) }
        let files: [(String, [UInt8])] = [
            ("a.png", png), ("b.jpg", jpeg), ("corrupt.jpg", corrupt), ("bomb.png", bomb), ("empty.png", []),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: directory + "/www/" + name)) }
    }

    private func service(_ change: (inout FetchConfiguration) -> Void = { _ in }) throws -> ImageFetchService {
        var configuration = FetchConfiguration()
        configuration.retryBaseDelay = 0.01
        configuration.retryMaximumDelay = 0.05
        configuration.maximumAttempts = 3
        configuration.totalTimeout = 5
        configuration.maximumBodyBytes = 1_000_000
        change(&configuration)
        return try ImageFetchService(store: store, dataDirectory: directory + "/data", configuration: configuration)
    }

    private func records() throws -> [String: ImageRecord] {
        Dictionary(uniqueKeysWithValues: try store.imageRecords().map { ($0.url, $0) })
    }

    @Test("every kind of outcome is recorded with its status, reason, HTTP status and attempts")
    func outcomes() async throws {
        let server = try LoopbackServer(root: directory + "/www")
        let cases: [(path: String, status: ImageStatus, reason: String?, http: Int?, attempts: Int)] = [
            ("/files/a.png", .fetched, nil, 200, 1),
            ("/files/b.jpg", .fetched, nil, 200, 1),
            ("/status/404", .failed, "http-client-error", 404, 1),
            ("/flaky/s1/1/500/a.png", .fetched, nil, 200, 2),
            ("/status/429", .failed, "rate-limited", 429, 3),
            ("/hang", .failed, "timeout", nil, 2),
            ("/big/2000000", .failed, "too-large", 200, 1),
            ("/stream/2000000", .failed, "too-large", 200, 1),
            ("/halfway/a.png", .failed, "truncated", 200, 3),
            ("/redirect/3/files/b.jpg", .fetched, nil, 200, 1),
            ("/redirect/8/files/b.jpg", .failed, "too-many-redirects", 302, 1),
            ("/redirect-to-file", .failed, "disallowed-scheme", 302, 1),
            ("/html", .failed, "not-an-image", 200, 1),
            ("/files/corrupt.jpg", .failed, "corrupt-image", 200, 1),
            ("/files/bomb.png", .failed, "image-too-large", 200, 1),
            ("/files/empty.png", .failed, "not-an-image", 200, 1),
        ]
        let urls = cases.map { server.url($0.path) } + ["ftp://example.com/x.png"]
        let summary = try await service {
            $0.totalTimeout = 1
            $0.maximumAttempts = $0.maximumAttempts
        }.fetch(urls: urls)
        let rows = try records()
        for item in cases {
            let row = try #require(rows[server.url(item.path)], "\(item.path)")
            #expect(row.status == item.status, "\(item.path)")
            #expect(
                row.failureReason?.prefix { $0 != ":" }.description == item.reason,
                "\(item.path): \(row.failureReason ?? "")")
            if item.path != "/hang" && item.path != "/halfway/a.png" {
                #expect(row.httpStatus == item.http, "\(item.path)")
            }
            let expectedAttempts = item.path == "/hang" ? 3 : item.attempts
            #expect(row.attempts == expectedAttempts, "\(item.path)")
        }
        let ftp = try #require(rows["ftp://example.com/x.png"])
        #expect(ftp.status == .failed && ftp.attempts == 0)
        #expect(ftp.failureReason?.hasPrefix("disallowed-scheme: ") == true)
        let a = try #require(rows[server.url("/files/a.png")])
        #expect(a.format == "png" && a.width == 40 && a.height == 30 && a.bytes == png.count)
        #expect(a.sha256 == (try SHA256.hex(png)))
        #expect(a.fetchedAt != nil)
        let b = try #require(rows[server.url("/files/b.jpg")])
        #expect(b.format == "jpeg" && b.width == 40 && b.height == 30)
        let cache = try ImageCache(dataDirectory: directory + "/data")
        #expect(try cache.load(digest: try #require(a.sha256)) == png)
        #expect(Set(cache.digests()) == Set([try SHA256.hex(png), try SHA256.hex(jpeg)]))
        #expect(summary.requested == urls.count && summary.fetched == 4 && summary.failed == urls.count - 4)
        #expect(summary.failuresByReason["not-an-image"] == 2)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("a second run fetches only what is not fetched, and a deleted cache file again")
    func rerun() async throws {
        let server = try LoopbackServer(root: directory + "/www")
        let urls = [server.url("/files/a.png"), server.url("/files/b.jpg"), server.url("/status/404")]
        let first = try await service().fetch(urls: urls + [urls[0]])
        #expect(first.requested == 3 && first.fetched == 2 && first.failed == 1)
        let second = try await service().fetch(urls: urls)
        #expect(second.alreadyFetched == 2 && second.fetched == 0 && second.failed == 1)
        var counts = try server.counts()
        #expect(counts["/files/a.png"] == 1 && counts["/files/b.jpg"] == 1 && counts["/status/404"] == 2)
        // A cache file that vanished makes its image pending work again.
        let cache = try ImageCache(dataDirectory: directory + "/data")
        try FileManager.default.removeItem(atPath: try cache.path(forDigest: try SHA256.hex(jpeg)))
        let third = try await service().fetch(urls: urls)
        #expect(third.alreadyFetched == 1 && third.fetched == 1)
        counts = try server.counts()
        #expect(counts["/files/b.jpg"] == 2)
        #expect(try records()[urls[2]]?.attempts == 3)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("1,000 URLs are fetched concurrently into 1,000 rows and two cache files")
    func thousand() async throws {
        let server = try LoopbackServer(root: directory + "/www")
        let urls = (0..<1000).map { server.url($0 % 2 == 0 ? "/files/a.png?n=\($0)" : "/files/b.jpg?n=\($0)") }
        let progress = ProgressRecorder()
        let summary = try await service { $0.perHostConnections = 32 }.fetch(urls: urls) { progress.add($0) }
        #expect(summary.fetched == 1000 && summary.failed == 0)
        #expect(try store.imageStatusCounts() == [.fetched: 1000])
        #expect(try ImageCache(dataDirectory: directory + "/data").digests().count == 2)
        #expect(progress.last?.done == 1000 && progress.last?.total == 1000)
        #expect(try store.integrityCheck() == "ok")
    }
}

/// Collects progress reports from the fetch thread.
final class ProgressRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [ImageFetchProgress] = []

    func add(_ progress: ImageFetchProgress) {
        lock.lock()
        reports.append(progress)
        lock.unlock()
    }

    var last: ImageFetchProgress? {
        lock.lock()
        defer { lock.unlock() }
        return reports.last
    }
}
