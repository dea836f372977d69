// Copyright 2026 The Distill authors.
// The images table (schema.sql): one row per unique URL with its fetch status, filled by the image fetcher.

import Foundation

/// Fetch status of an image row.
public enum ImageStatus: String, Sendable, Codable, CaseIterable {
    case pending, fetched, failed
}

/// One row of the images table.
public struct ImageRecord: Sendable, Codable, Equatable {
    /// Row id.
    public var id: Int64
    /// The URL (unique).
    public var url: String
    /// pending, fetched or failed.
    public var status: ImageStatus
    /// SHA-256 of the cached bytes (the cache key), when fetched.
    public var sha256: String?
    /// Size of the body in bytes, when fetched.
    public var bytes: Int?
    /// `jpeg` or `png`, when fetched.
    public var format: String?
    /// Pixel width, when fetched.
    public var width: Int?
    /// Pixel height, when fetched.
    public var height: Int?
    /// The final HTTP status, when a response arrived.
    public var httpStatus: Int?
    /// `category: message` for failed images (category before the first ": ").
    public var failureReason: String?
    /// Attempts over all fetch runs.
    public var attempts: Int
    /// When it was fetched (ISO-8601 UTC).
    public var fetchedAt: String?
    /// When the row last changed (ISO-8601 UTC).
    public var updatedAt: String
}

/// The result of fetching one image, to be written to its row.
public struct ImageRecordUpdate: Sendable, Equatable {
    /// The URL of the row.
    public var url: String
    /// fetched or failed.
    public var status: ImageStatus
    /// Cache key, for fetched images.
    public var sha256: String?
    /// Body size, for fetched images.
    public var bytes: Int?
    /// `jpeg` or `png`, for fetched images.
    public var format: String?
    /// Pixel width, for fetched images.
    public var width: Int?
    /// Pixel height, for fetched images.
    public var height: Int?
    /// The final HTTP status, when a response arrived.
    public var httpStatus: Int?
    /// `category: message`, for failed images.
    public var failureReason: String?
    /// Attempts made in this run (added to the row's count).
    public var attempts: Int

    /// Creates an update.
    public init(
        url: String, status: ImageStatus, sha256: String? = nil, bytes: Int? = nil, format: String? = nil,
        width: Int? = nil, height: Int? = nil, httpStatus: Int? = nil, failureReason: String? = nil, attempts: Int
    ) {
        self.url = url
        self.status = status
        self.sha256 = sha256
        self.bytes = bytes
        self.format = format
        self.width = width
        self.height = height
        self.httpStatus = httpStatus
        self.failureReason = failureReason
        self.attempts = attempts
    }
}

extension Store {
    /// Adds URLs as `pending` rows; URLs already present keep their row.
    /// - Parameter urls: The URLs.
    /// - Returns: How many rows were added.
    /// - Throws: `StoreError.database` when the write fails.
    @discardableResult
    public func addImageURLs(_ urls: [String]) throws -> Int {
        try write { db in
            var added = 0
            for url in urls {
                added += try db.execute(
                    sql: "INSERT INTO images (url) VALUES (?) ON CONFLICT (url) DO NOTHING", arguments: [url])
            }
            return added
        }
    }

    /// Image rows, oldest first.
    /// - Parameters:
    ///   - status: Only rows with this status (nil = all).
    ///   - limit: At most this many rows (nil = all).
    /// - Returns: The rows.
    /// - Throws: `StoreError.database` when the read fails.
    public func imageRecords(status: ImageStatus? = nil, limit: Int? = nil) throws -> [ImageRecord] {
        try read { db in
            let rows: [SQLRow]
            let limitClause = limit.map { " LIMIT \(max(0, $0))" } ?? ""
            if let status {
                rows = try db.fetchAll(
                    sql: "SELECT * FROM images WHERE status = ? ORDER BY id" + limitClause, arguments: [status.rawValue]
                )
            } else {
                rows = try db.fetchAll(sql: "SELECT * FROM images ORDER BY id" + limitClause)
            }
            return rows.map(Store.imageRecord(from:))
        }
    }

    /// Writes fetch results to their rows in one transaction.
    /// - Parameter updates: One update per URL (rows are added when missing).
    /// - Throws: `StoreError.database` when the write fails (then none of the updates is stored).
    public func recordImageUpdates(_ updates: [ImageRecordUpdate]) throws {
        guard !updates.isEmpty else { return }
        try write { db in
            let sql = """
                INSERT INTO images (url, status, sha256, bytes, format, width, height, http_status, failure_reason,
                                    attempts, fetched_at, updated_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
                        CASE WHEN ?2 = 'fetched' THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END,
                        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                ON CONFLICT (url) DO UPDATE SET
                    status = excluded.status, sha256 = excluded.sha256, bytes = excluded.bytes,
                    format = excluded.format, width = excluded.width, height = excluded.height,
                    http_status = excluded.http_status, failure_reason = excluded.failure_reason,
                    attempts = images.attempts + excluded.attempts, fetched_at = excluded.fetched_at,
                    updated_at = excluded.updated_at
                """
            for update in updates {
                try db.execute(
                    sql: sql,
                    arguments: [
                        update.url, update.status.rawValue, update.sha256, update.bytes, update.format, update.width,
                        update.height, update.httpStatus, update.failureReason, update.attempts,
                    ])
            }
        }
    }

    /// How many rows have each status.
    public func imageStatusCounts() throws -> [ImageStatus: Int] {
        try read { db in
            var counts: [ImageStatus: Int] = [:]
            for row in try db.fetchAll(sql: "SELECT status, count(*) AS n FROM images GROUP BY status") {
                if let status = ImageStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    /// How many images failed for each reason (the category before the first ':' of `failure_reason`).
    public func imageFailureCounts() throws -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            let reason =
                db.dialect == .postgres
                ? "split_part(coalesce(failure_reason, 'unknown'), ':', 1)"
                : "substr(coalesce(failure_reason, 'unknown'), 1, "
                    + "instr(coalesce(failure_reason, 'unknown') || ':', ':') - 1)"
            for row in try db.fetchAll(
                sql: "SELECT \(reason) AS reason, count(*) AS n FROM images WHERE status = 'failed' GROUP BY reason")
            {
                counts[row["reason"]] = row["n"]
            }
            return counts
        }
    }

    /// The image URLs of a teacher, sorted.
    /// - Throws: `StoreError.notFound` when there is no such teacher.
    public func teacherImageURLs(named name: String) throws -> [String] {
        let teacher = try teacher(named: name)
        return try read { db in
            try db.fetchAll(
                String.self, sql: "SELECT url FROM teacher_outputs WHERE teacher_id = ? ORDER BY url",
                arguments: [teacher.id])
        }
    }

    static func imageRecord(from row: SQLRow) -> ImageRecord {
        ImageRecord(
            id: row["id"], url: row["url"], status: ImageStatus(rawValue: row["status"]) ?? .pending,
            sha256: row["sha256"], bytes: row["bytes"], format: row["format"], width: row["width"],
            height: row["height"], httpStatus: row["http_status"], failureReason: row["failure_reason"],
            attempts: row["attempts"], fetchedAt: row["fetched_at"], updatedAt: row["updated_at"])
    }
}

extension Store {
    /// Checks the database: SQLite's `PRAGMA integrity_check`; on PostgreSQL, that every vector has its teacher's
    /// dimension.
    /// - Returns: `"ok"` for an intact database, otherwise the list of problems.
    public func integrityCheck() throws -> String {
        try retryingTransient { try backend.integrityCheck() }
    }
}
