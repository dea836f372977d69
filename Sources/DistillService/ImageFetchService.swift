// Copyright 2026 The Distill authors.
// Fetch → validate (decode) → cache → images table. Re-running fetches only what is not `fetched` with a
// complete cache file; results are written in batches, so a killed run loses at most the last batch
// (those URLs are still `pending` and are fetched again; the cache write is idempotent).

import DistillData
import DistillStore
import Foundation

/// Progress of a fetch run, reported a few times per second.
public struct ImageFetchProgress: Sendable, Equatable {
    /// URLs with a final outcome in this run (fetched or failed).
    public var done: Int
    /// Of those, failed.
    public var failed: Int
    /// URLs this run has to fetch.
    public var total: Int
    /// Body bytes received so far.
    public var bytes: Int
    /// Seconds since the run started.
    public var elapsedSeconds: Double

    /// Megabytes (10^6 bytes) per second so far.
    public var megabytesPerSecond: Double { elapsedSeconds > 0 ? Double(bytes) / 1e6 / elapsedSeconds : 0 }

    /// Estimated seconds left at the current rate (nil before the first outcome).
    public var etaSeconds: Double? {
        guard done > 0, elapsedSeconds > 0 else { return nil }
        return Double(total - done) * elapsedSeconds / Double(done)
    }
}

/// What a fetch run did.
public struct ImageFetchSummary: Sendable, Codable, Equatable {
    /// Unique URLs asked for.
    public var requested: Int
    /// Already fetched with a complete cache file: skipped.
    public var alreadyFetched: Int
    /// Fetched, validated and cached in this run.
    public var fetched: Int
    /// Failed in this run.
    public var failed: Int
    /// Body bytes received in this run.
    public var bytes: Int
    /// Wall-clock seconds.
    public var seconds: Double
    /// Failures of this run by reason category (`FetchFailureReason` raw values).
    public var failuresByReason: [String: Int]
}

/// Fetches image URLs into the content-addressed cache and records every outcome in the images table.
public final class ImageFetchService: Sendable {
    /// The database.
    public let store: Store
    /// The image cache under the data directory.
    public let cache: ImageCache
    /// Fetch limits.
    public let configuration: FetchConfiguration
    /// Image dimension limits (decompression-bomb guard).
    public let limits: ImageLimits
    /// Outcomes written per database transaction.
    public let batchSize: Int
    /// Threads validating and caching fetched bodies.
    public let workers: Int

    /// Creates the service.
    /// - Parameters:
    ///   - store: The database.
    ///   - dataDirectory: Where the cache lives (default: the store's data directory).
    ///   - configuration: Fetch limits.
    ///   - limits: Image dimension limits.
    ///   - batchSize: Outcomes per database transaction (default 256; also flushed every half second).
    ///   - workers: Threads validating and caching fetched bodies (default 8; they mostly wait on fsync).
    /// - Throws: `DataError.io` when the cache directory cannot be created, `.invalidArgument` for bad settings.
    public init(
        store: Store, dataDirectory: String? = nil, configuration: FetchConfiguration = FetchConfiguration(),
        limits: ImageLimits = ImageLimits(), batchSize: Int = 256, workers: Int = 8
    ) throws {
        try configuration.validate()
        self.store = store
        cache = try ImageCache(dataDirectory: dataDirectory ?? store.location.dataDirectory)
        self.configuration = configuration
        self.limits = limits
        self.batchSize = max(1, batchSize)
        self.workers = min(max(1, workers), 64)
    }

    /// Fetches the URLs that are not yet fetched (on a dedicated thread) and records the outcomes.
    /// - Parameters:
    ///   - urls: Image URLs; duplicates count once.
    ///   - progress: Called a few times per second from the fetch thread, and once at the end.
    /// - Returns: The summary.
    /// - Throws: `StoreError` when the database fails, `DataError` when libcurl or the cache directory fails.
    public func fetch(urls: [String], progress: (@Sendable (ImageFetchProgress) -> Void)? = nil) async throws
        -> ImageFetchSummary
    {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try self.fetchBlocking(urls: urls, progress: progress))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "distill-fetch"
            thread.start()
        }
    }

    /// The URLs of `urls` that still need fetching: not `fetched`, or whose cache file is missing or short.
    /// - Parameter urls: Unique URLs.
    /// - Returns: The URLs to fetch, in the given order.
    /// - Throws: `StoreError.database` when the images table cannot be read.
    public func pendingURLs(_ urls: [String]) throws -> [String] {
        var records: [String: ImageRecord] = [:]
        for record in try store.imageRecords() { records[record.url] = record }
        return urls.filter { url in
            guard let record = records[url], record.status == .fetched, let digest = record.sha256 else { return true }
            return !cache.contains(digest: digest, byteCount: record.bytes)
        }
    }

    /// The synchronous core of `fetch(urls:progress:)`; blocks the calling thread.
    /// - Parameters:
    ///   - urls: Image URLs; duplicates count once.
    ///   - progress: Called a few times per second, and once at the end.
    ///   - shouldStop: Checked between rounds of transfers; true → the outcomes so far are recorded and
    ///     `CancellationError` is thrown.
    /// - Returns: The summary.
    /// - Throws: `StoreError` or `DataError` as `fetch(urls:progress:)`, `CancellationError`.
    public func fetchBlocking(
        urls: [String], progress: (@Sendable (ImageFetchProgress) -> Void)? = nil, shouldStop: () -> Bool = { false }
    ) throws -> ImageFetchSummary {
        let start = Date()
        var seen = Set<String>()
        let unique = urls.filter { seen.insert($0).inserted }
        try store.addImageURLs(unique)
        let todo = try pendingURLs(unique)
        cache.removeStaleTemporaryFiles()

        let run = try ImageFetchRun(
            store: store, total: todo.count, batchSize: batchSize, decoders: workers, limits: limits, start: start,
            progress: progress)
        let fetcher = try Fetcher(configuration: configuration)
        // Validation, hashing and the fsynced cache write run on `workers` threads, so slow disks and decodes
        // overlap with each other and with the transfers.
        let slots = DispatchSemaphore(value: workers)
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "distill-fetch-workers", attributes: .concurrent)
        var stopped = false
        do {
            try fetcher.fetch(todo, shouldStop: shouldStop) { outcome in
                slots.wait()
                group.enter()
                queue.async {
                    let update: ImageRecordUpdate
                    do {
                        let decoder = try run.takeDecoder()
                        update = self.record(outcome, decoder: decoder)
                        run.returnDecoder(decoder)
                    } catch {
                        update = ImageRecordUpdate(
                            url: outcome.url, status: .failed, failureReason: "other: \(error)",
                            attempts: outcome.attempts)
                    }
                    run.add(update, bytes: (try? outcome.result.get().bytes.count) ?? 0)
                    slots.signal()
                    group.leave()
                }
            }
        } catch is CancellationError {
            stopped = true
        }
        group.wait()
        let (state, failures) = try run.finish()
        if stopped { throw CancellationError() }
        return ImageFetchSummary(
            requested: unique.count, alreadyFetched: unique.count - todo.count, fetched: state.done - state.failed,
            failed: state.failed, bytes: state.bytes, seconds: state.elapsedSeconds, failuresByReason: failures)
    }

    // MARK: - Private

    /// Validates a fetched body (format from the bytes, header limits, a cheap smallest-scale decode),
    /// stores it in the cache and describes the row update.
    private func record(_ outcome: FetchOutcome, decoder: ImageDecoder) -> ImageRecordUpdate {
        func failed(_ failure: FetchFailure) -> ImageRecordUpdate {
            ImageRecordUpdate(
                url: outcome.url, status: .failed, httpStatus: failure.httpStatus,
                failureReason: "\(failure.reason.rawValue): \(failure.message)", attempts: outcome.attempts)
        }
        let body: FetchedBody
        switch outcome.result {
        case .failure(let failure): return failed(failure)
        case .success(let fetched): body = fetched
        }
        let info: ImageInfo
        do {
            info = try body.bytes.withUnsafeBytes { bytes in
                let info = try decoder.info(bytes)
                _ = try decoder.decode(bytes, minimumWidth: 1, minimumHeight: 1)
                return info
            }
        } catch let error as DataError {
            let reason: FetchFailureReason
            switch error.code {
            case .unsupportedFormat: reason = .notAnImage
            case .imageTooLarge: reason = .imageTooLarge
            default: reason = .corruptImage
            }
            let type = body.contentType.map { " (Content-Type \($0))" } ?? ""
            return failed(FetchFailure(reason, "\(outcome.url)\(type): \(error.message)", httpStatus: body.httpStatus))
        } catch {
            return failed(FetchFailure(.corruptImage, "\(outcome.url): \(error)", httpStatus: body.httpStatus))
        }
        do {
            let digest = try cache.store(body.bytes)
            return ImageRecordUpdate(
                url: outcome.url, status: .fetched, sha256: digest, bytes: body.bytes.count,
                format: info.format.rawValue,
                width: info.width, height: info.height, httpStatus: body.httpStatus, attempts: outcome.attempts)
        } catch {
            return failed(FetchFailure(.cacheWrite, "\(outcome.url): \(error)", httpStatus: body.httpStatus))
        }
    }
}
