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

    /// How long a writer waits for another process's write transaction before giving up.
    public static let busyTimeout: TimeInterval = 30

    /// Opens (creating if needed) the database and migrates it to the current schema.
    /// - Parameter location: The database path and data directory.
    /// - Throws: `StoreError` with code `.database` when the file cannot be opened or migrated.
    public init(location: StoreLocation) throws {
        self.location = location
        let directory = (location.databasePath as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            throw StoreError(
                .invalidArgument,
                "The database directory \(directory) does not exist; create it or pass another --db path.")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Store.busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "distill"
        do {
            pool = try DatabasePool(path: location.databasePath, configuration: configuration)
            try Schema.migrator().migrate(pool)
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
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.wrap(error, path: location.databasePath)
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.wrap(error, path: location.databasePath)
        }
    }

    /// The writer connection outside any transaction, for connection settings around one (`body` opens it).
    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.wrap(error, path: location.databasePath)
        }
    }
}

extension StoreError {
    static func wrap(_ error: any Error, path: String) -> StoreError {
        if let error = error as? DatabaseError {
            let hint =
                error.resultCode == .SQLITE_BUSY
                ? " Another process held the database longer than \(Int(Store.busyTimeout)) s; retry."
                : ""
            return StoreError(.database, "Database \(path): \(error.message ?? "\(error)").\(hint)", cause: error)
        }
        return StoreError(.database, "Database \(path): \(error)", cause: nil)
    }
}
