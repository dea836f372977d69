// Copyright 2026 The Distill authors.
// The SQLite store: one database file in WAL mode, shared safely by the CLI and daemons.

import Foundation
internal import GRDB

/// Distill's database.
///
/// Opening it creates the file and applies every pending migration; WAL mode and a
/// busy timeout let several processes (CLI, daemons) use it at once. All SQL binds its parameters.
public final class Store: Sendable {
    /// Where the database and the data directory live.
    public let location: StoreLocation
    let pool: DatabasePool
    /// How long a writer waits for another process's write transaction before giving up on one attempt.
    public let busyTimeout: TimeInterval
    /// How long a transient failure is retried.
    ///
    /// A transaction that failed for a transient reason (the database busy beyond `busyTimeout`, locked,
    /// or the disk full for a moment) is retried, with backoff, before the error is thrown. 0: not retried.
    public let transientRetrySeconds: TimeInterval

    /// The default busy timeout: `$DISTILL_BUSY_TIMEOUT` seconds if set (tests use short ones), else 30.
    public static var defaultBusyTimeout: TimeInterval {
        ProcessInfo.processInfo.environment["DISTILL_BUSY_TIMEOUT"].flatMap(Double.init)
            .flatMap { $0.isFinite && $0 >= 0 && $0 <= 3600 ? $0 : nil } ?? 30
    }

    /// Opens a pool, retrying while another process holds the brand-new file's lock: switching a new database to
    /// WAL fails at once with SQLITE_BUSY (the busy timeout does not cover it) when several processes open it
    /// together.
    private static func open(
        _ path: String, configuration: Configuration, waitingUpTo seconds: TimeInterval
    ) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && Date() < deadline
            {
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }

    /// Opens (creating if needed) the database and migrates it to the current schema.
    /// - Parameters:
    ///   - location: The database path and data directory.
    ///   - transientRetrySeconds: How long to retry transactions that fail for a transient reason (workers that
    ///     must not fail a job for a moment's contention pass minutes; interactive commands 0).
    /// - Throws: `StoreError` with code `.database` when the file cannot be opened or migrated.
    public init(location: StoreLocation, transientRetrySeconds: TimeInterval = 0) throws {
        self.location = location
        self.busyTimeout = Store.defaultBusyTimeout
        self.transientRetrySeconds = transientRetrySeconds
        if StoreLocation.isPostgresURL(location.databasePath) {
            throw StoreError(
                .invalidArgument,
                "--db \(location.databasePath.prefix(while: { $0 != ":" }))://… names a PostgreSQL database, "
                    + "which this build cannot use yet (the PostgreSQL backend is unfinished); pass a SQLite file path "
                    + "as --db or DISTILL_DB.")
        }
        let directory = (location.databasePath as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            throw StoreError(
                .invalidArgument,
                "The database directory \(directory) does not exist; create it or pass another --db path.")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "distill"
        // 16 KiB pages for a new database (a no-op on an existing one): teacher vectors are kilobytes each, and a
        // bulk import of 250,000 × 4,000 B rows took 5.4 s with them against 10.3 s with SQLite's default 4 KiB.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA page_size = 16384") }
        do {
            pool = try Self.open(location.databasePath, configuration: configuration, waitingUpTo: busyTimeout)
            try Self.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError(
                .database,
                "Cannot open the database \(location.databasePath): \(error.message ?? "\(error)"). "
                    + "Check the path and its permissions, or pass another --db.",
                cause: error)
        } catch {
            throw StoreError(.database, "Cannot open the database \(location.databasePath): \(error).", cause: error)
        }
    }

    /// Applies pending migrations. Two processes opening a new database at once can both see a migration
    /// pending; the one that applies it second fails ("duplicate column name") and its transaction rolls back.
    /// It then looks again: once the other's migrations are committed there is nothing left to do.
    private static func migrate(_ pool: DatabasePool) throws {
        let migrator = Schema.migrator()
        announceLongMigrations(pool, migrator)
        var attempt = 0
        while true {
            do {
                try migrator.migrate(pool)
                return
            } catch let error as DatabaseError {
                attempt += 1
                if try pool.read({ try migrator.hasCompletedMigrations($0) }) { return }
                if attempt >= 40 { throw error }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// Says on standard error when a pending migration rewrites a large table (v5 copies every teacher vector), so
    /// the first command after an upgrade is not mistaken for a hang: about 35 s per GB of vectors on 2 cores.
    private static func announceLongMigrations(_ pool: DatabasePool, _ migrator: DatabaseMigrator) {
        let bytes = try? pool.read { db -> Int64 in
            let applied = try migrator.appliedIdentifiers(db)
            // An existing database (any migration applied) that has not had v5 yet: v5 copies teacher_outputs.
            guard !applied.isEmpty, !applied.contains("v5") else { return 0 }
            return try Int64.fetchOne(db, sql: "SELECT sum(output_count * dimension * 4) FROM teachers") ?? 0
        }
        guard let bytes, bytes >= 64 << 20 else { return }
        let gigabytes = String(format: "%.1f", Double(bytes) / 1e9)
        FileHandle.standardError.write(
            Data(
                ("note: upgrading the database to schema v5: copying \(gigabytes) GB of teacher vectors into the new "
                    + "teacher_outputs table (about half a minute per GB; run `sqlite3 DB VACUUM` afterwards to give "
                    + "the freed space back).\n").utf8))
    }

    /// Opens the database at a path, with the data directory next to it.
    /// - Parameter path: The database file.
    /// - Throws: `StoreError` when the database cannot be opened.
    public convenience init(path: String) throws {
        try self.init(location: StoreLocation(database: path, environment: [:]))
    }

    /// The names of the migrations applied to this database, in order.
    public func appliedMigrations() throws -> [String] {
        try read { db in try Schema.migrator().appliedMigrations(db) }
    }

    // MARK: - Transactions

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try retryingTransient { try pool.read(body) }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try retryingTransient { try pool.write(body) }
    }

    /// Runs a transaction, retrying transient failures.
    ///
    /// SQLITE_BUSY, SQLITE_LOCKED and SQLITE_FULL are retried with doubling pauses
    /// (0.1 s up to 5 s) for `transientRetrySeconds`. The transaction was rolled back, so running it again is safe.
    private func retryingTransient<T>(_ transaction: () throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(transientRetrySeconds)
        var pause = 0.1
        while true {
            do {
                return try transaction()
            } catch let error as StoreError {
                throw error
            } catch let error as DatabaseError
                where [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL].contains(error.resultCode) && Date() < deadline
            {
                Thread.sleep(forTimeInterval: min(pause, max(0, deadline.timeIntervalSinceNow)))
                pause = min(pause * 2, 5)
            } catch {
                throw StoreError.wrap(error, path: location.databasePath, busyTimeout: busyTimeout)
            }
        }
    }

    /// The writer connection outside any transaction, for connection settings around one (`body` opens it).
    ///
    /// Not retried like `write`: its one user, the streamed teacher import, consumes its input as it goes.
    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.wrap(error, path: location.databasePath, busyTimeout: busyTimeout)
        }
    }
}

extension StoreError {
    static func wrap(_ error: any Error, path: String, busyTimeout: TimeInterval) -> StoreError {
        if let error = error as? DatabaseError {
            let hint =
                error.resultCode == .SQLITE_BUSY
                ? " Another process held the database longer than \(Int(busyTimeout)) s; retry."
                : ""
            return StoreError(.database, "Database \(path): \(error.message ?? "\(error)").\(hint)", cause: error)
        }
        return StoreError(.database, "Database \(path): \(error)", cause: nil)
    }
}
