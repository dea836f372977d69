// Copyright 2026 The Distill authors.

/// Why an export failed.
public struct ExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable {
        /// A bad value from the caller (format, file, network); the message names it.
        case invalidArgument
        /// A serialisation library reported a failure.
        case encodingFailed
        /// The file could not be written.
        case io
    }

    /// The kind of failure.
    public var code: Code
    /// What failed, the bad value and what to do.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What failed, the bad value and what to do.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
