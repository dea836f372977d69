// Copyright 2026 The Distill authors.

import Foundation

/// A fresh directory under the system's temporary directory, removed with everything in it when the last value
/// holding it goes away, so test fixtures (a sandbox of 100 MB and more each) do not pile up run after run.
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Creates `<tmp>/<prefix><UUID>`.
    /// - Parameter prefix: The start of the directory's name, e.g. `distill-cli-`.
    /// - Throws: When the directory cannot be created.
    public init(prefix: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent(prefix + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
