// Copyright 2026 The Distill authors.

import Foundation

/// Where the database and its data directory live.
///
/// The database is `--db PATH` (or a `postgres://` URL), else `$DISTILL_DB`, else `./distill.db`. The data
/// directory (image cache, checkpoints, reports) is `--data-dir`, else `$DISTILL_DATA`, else `<database path>.data/`
/// (`./distill.data/` with a PostgreSQL URL).
public struct StoreLocation: Sendable, Equatable {
    /// Absolute path of the SQLite database file, or the PostgreSQL URL as given.
    public var databasePath: String
    /// Absolute path of the data directory.
    public var dataDirectory: String

    /// Resolves the locations from explicit options, then the environment, then the defaults.
    /// - Parameters:
    ///   - database: The `--db` option, if given.
    ///   - dataDirectory: The `--data-dir` option, if given.
    ///   - environment: The process environment (injected for tests).
    public init(
        database: String? = nil, dataDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        let db = database ?? environment["DISTILL_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "distill.db"
        // A PostgreSQL URL stays as given.
        let postgres = StoreLocation.isPostgresURL(db)
        let absoluteDB = postgres ? db : StoreLocation.absolute(db)
        self.databasePath = absoluteDB
        let data = dataDirectory ?? environment["DISTILL_DATA"].flatMap { $0.isEmpty ? nil : $0 }
        self.dataDirectory =
            data.map(StoreLocation.absolute)
            ?? (postgres ? StoreLocation.absolute("distill.data") : absoluteDB + ".data")
    }

    /// Whether `database` is a PostgreSQL connection URL (`postgres://…` or `postgresql://…`).
    public static func isPostgresURL(_ database: String) -> Bool {
        let lowered = database.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// `path` made absolute against the current directory.
    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let cwd = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).absoluteURL
            .standardized.path
    }
}
