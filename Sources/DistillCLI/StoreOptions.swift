// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillStore

/// `--db` and `--data-dir`, shared by every command that touches the database.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "Database file (default: $DISTILL_DB, else ./distill.db).")
    var database: String?

    @Option(help: "Data directory for the image cache and checkpoints (default: $DISTILL_DATA, else <db>.data).")
    var dataDir: String?

    var location: StoreLocation { StoreLocation(database: database, dataDirectory: dataDir) }

    /// Opens the database, creating and migrating it if needed.
    func open() throws -> Store { try Store(location: location) }
}
