// Copyright 2026 The Distill authors.
// The store: Distill's data model over one of two backends (SQLiteBackend, PostgresBackend).

import Foundation

/// Distill's database: a SQLite file (the embedded default) or a PostgreSQL database (many hosts).
///
/// Opening it creates the database where needed and applies every pending migration. On SQLite, WAL mode and a
/// busy timeout let several processes (CLI, daemons) use it at once; on PostgreSQL, daemons on many hosts share
/// it. All SQL binds its parameters.
public final class Store: Sendable {
    /// Where the database and the data directory live.
    public let location: StoreLocation
    let backend: any StoreBackend
    /// How long a SQLite writer waits for another process's write transaction before giving up on one attempt.
    public let busyTimeout: TimeInterval
    /// How long a transient failure is retried.
    ///
    /// A transaction that failed for a transient reason (the database busy beyond `busyTimeout`, locked,
    /// or the disk full for a moment) is retried, with backoff, before the error is thrown. 0: not retried.
    public let transientRetrySeconds: TimeInterval

    /// Whether this store is a shared PostgreSQL database.
    public var isPostgres: Bool { backend is PostgresBackend }

    /// The default busy timeout: `$DISTILL_BUSY_TIMEOUT` seconds if set (tests use short ones), else 30.
    public static var defaultBusyTimeout: TimeInterval {
        ProcessInfo.processInfo.environment["DISTILL_BUSY_TIMEOUT"].flatMap(Double.init)
            .flatMap { $0.isFinite && $0 >= 0 && $0 <= 3600 ? $0 : nil } ?? 30
    }

    /// Opens (creating if needed) the database and migrates it to the current schema.
    /// - Parameters:
    ///   - location: The database path or `postgres://` URL, and the data directory.
    ///   - transientRetrySeconds: How long to retry transactions that fail for a transient reason (workers that
    ///     must not fail a job for a moment's contention pass minutes; interactive commands 0).
    /// - Throws: `StoreError` with code `.database` when the database cannot be opened or migrated,
    ///   `.invalidArgument` for a malformed URL or a missing directory.
    public init(location: StoreLocation, transientRetrySeconds: TimeInterval = 0) throws {
        self.location = location
        self.busyTimeout = Store.defaultBusyTimeout
        self.transientRetrySeconds = transientRetrySeconds
        if StoreLocation.isPostgresURL(location.databasePath) {
            backend = try PostgresBackend(url: location.databasePath)
            return
        }
        let directory = (location.databasePath as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            throw StoreError(
                .invalidArgument,
                "The database directory \(directory) does not exist; create it or pass another --db path.")
        }
        backend = try SQLiteBackend(path: location.databasePath, busyTimeout: busyTimeout)
    }

    /// Opens the database at a path, with the data directory next to it.
    /// - Parameter path: The database file.
    /// - Throws: `StoreError` when the database cannot be opened.
    public convenience init(path: String) throws {
        try self.init(location: StoreLocation(database: path, environment: [:]))
    }

    /// The names of the migrations applied to this database, in order.
    public func appliedMigrations() throws -> [String] {
        try retryingTransient { try backend.appliedMigrations() }
    }

    /// The database as people name it in messages: the file's path, or the URL without its password.
    var displayName: String {
        (backend as? PostgresBackend)?.displayURL ?? location.databasePath
    }

    // MARK: - Transactions

    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try retryingTransient { try backend.read(body) }
    }

    func write<T>(isolation: WriteIsolation = .serializable, _ body: (any SQLConnection) throws -> T) throws -> T {
        try retryingTransient { try backend.write(isolation: isolation, body) }
    }

    /// Runs a transaction, retrying transient failures.
    ///
    /// SQLITE_BUSY, SQLITE_LOCKED and SQLITE_FULL, PostgreSQL's serialization failures once the backend's own
    /// retries are spent, and a PostgreSQL server that cannot be reached (nothing was sent) are retried with
    /// doubling pauses (0.1 s up to 5 s) for `transientRetrySeconds`. The transaction was rolled back, so running it
    /// again is safe.
    func retryingTransient<T>(_ transaction: () throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(transientRetrySeconds)
        var pause = 0.1
        while true {
            do {
                return try transaction()
            } catch let error as StoreError {
                throw error
            } catch let failure as SQLFailure
                where (failure.isTransient || failure.isUnreachable) && Date() < deadline
            {
                Thread.sleep(forTimeInterval: min(pause, max(0, deadline.timeIntervalSinceNow)))
                pause = min(pause * 2, 5)
            } catch {
                throw StoreError.wrap(error, path: displayName, busyTimeout: busyTimeout)
            }
        }
    }

    /// A write transaction set up for a bulk load (see `StoreBackend.bulkWrite`).
    ///
    /// Not retried like `write`: its one user, the streamed teacher import, consumes its input as it goes.
    func bulkWrite<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try backend.bulkWrite(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.wrap(error, path: displayName, busyTimeout: busyTimeout)
        }
    }
}

extension StoreError {
    static func wrap(_ error: any Error, path: String, busyTimeout: TimeInterval) -> StoreError {
        if let failure = error as? SQLFailure {
            let hint =
                failure.isBusy ? " Another process held the database longer than \(Int(busyTimeout)) s; retry." : ""
            return StoreError(.database, "Database \(path): \(failure.message).\(hint)", cause: failure.underlying)
        }
        return StoreError(.database, "Database \(path): \(error)", cause: nil)
    }
}
