// Copyright 2026 The Distill authors.
// How a user names a job on the command line: by id (`7`) or by the name in its job file (`fashion-sweep`).
// Names need not be unique (a job file submitted twice makes two jobs of one name); a name means the newest.

import DistillStore
import Foundation

/// Resolves job references.
public enum JobReference {
    /// The job a reference names.
    /// - Parameters:
    ///   - reference: A job id, or a job name (the newest job of that name).
    ///   - store: The database.
    /// - Returns: The job.
    /// - Throws: `StoreError.notFound` for an unknown id, `ServiceError.invalidArgument` for an unknown name.
    public static func resolve(_ reference: String, store: Store) throws -> Job {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        // An unknown id is the store's own error: "No job with id 9; run `distill jobs` to list them."
        if let id = Int64(trimmed) { return try store.job(id: id) }
        guard !trimmed.isEmpty, let newest = try store.jobs().filter({ $0.name == trimmed }).max(by: { $0.id < $1.id })
        else {
            throw ServiceError.invalid(
                "No job is named \(ImageURLText.escaped(trimmed)); run `distill jobs` to list them, "
                    + "or name a job by its id."
            )
        }
        return newest
    }
}
