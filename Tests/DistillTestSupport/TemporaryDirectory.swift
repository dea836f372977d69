// Copyright 2026 The Distill authors.

import Foundation
import Synchronization

/// A fresh directory under the system's temporary directory, removed with everything in it when the last value
/// holding it goes away, so test fixtures (a sandbox of 100 MB and more each) do not pile up run after run.
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Creates `<tmp>/<prefix><UUID>`.
    /// - Parameter prefix: The start of the directory's name, e.g. `distill-cli-`.
    /// - Throws: When the directory cannot be created.
    public init(prefix: String = "distill-test-") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent(prefix + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Creates a directory that stays until the test process exits, for fixtures no value owns (a helper that
    /// returns a store opened in it, say): it is removed at exit, as every `TemporaryDirectory` is when dropped.
    /// - Parameter prefix: The start of the directory's name.
    /// - Returns: The directory's absolute path.
    /// - Throws: When the directory cannot be created.
    public static func untilExit(prefix: String) throws -> String {
        let directory = try TemporaryDirectory(prefix: prefix)
        _ = removalAtExit
        keptUntilExit.withLock { $0.append(directory) }
        return directory.path
    }
}

/// The directories ``TemporaryDirectory/untilExit(prefix:)`` made; dropped (and so removed) at exit.
private let keptUntilExit = Mutex<[TemporaryDirectory]>([])

/// Registers, once, the exit handler that drops them.
private let removalAtExit: Void = {
    atexit { keptUntilExit.withLock { $0.removeAll() } }
}()
