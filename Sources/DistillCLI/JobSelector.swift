// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillService
import DistillStore
import Foundation

/// A job argument: its id, or the name in its job file (the newest job of that name).
struct JobSelector: ExpressibleByArgument {
    /// What the user typed.
    let text: String

    init?(argument: String) {
        guard !argument.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        text = argument
    }

    /// The job's id.
    /// - Parameter store: The database.
    /// - Returns: The id.
    /// - Throws: `ServiceError.invalidArgument` for an unknown id or name.
    func id(in store: Store) throws -> Int64 { try JobReference.resolve(text, store: store).id }

    /// The help line of a job argument.
    static let help: ArgumentHelp = "The job: its id or its name (the newest job of that name; see `distill jobs`)."
}
