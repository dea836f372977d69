// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillStore

/// `--db` and `--data-dir`, shared by every command that touches the database.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: "Database file, or a postgres://USER@HOST/DB URL (default: $DISTILL_DB, else ./distill.db).")
    var database: String?

    @Option(
        help:
            "Data directory for the image cache and checkpoints (default: $DISTILL_DATA, else <db>.data; ./distill.data with PostgreSQL)."
    )
    var dataDir: String?

    var location: StoreLocation { StoreLocation(database: database, dataDirectory: dataDir) }

    /// Opens the database, creating and migrating it if needed.
    /// - Parameter transientRetrySeconds: How long workers retry a transaction that failed for a transient
    ///   reason (busy, locked, disk full for a moment); interactive commands fail at once.
    /// - Returns: The store.
    /// - Throws: `StoreError` when the database cannot be opened.
    func open(transientRetrySeconds: Double = 0) throws -> Store {
        try Store(location: location, transientRetrySeconds: transientRetrySeconds)
    }

    /// How long workers (`run`, `daemon`) retry transient database failures before failing the run.
    static let workerRetrySeconds: Double = 600
}
