// Copyright 2026 The Distill authors.

/// The one error type of `DistillEngine`.
///
/// Messages name the bad value (file, shape, C function and status) and say what to do next.
/// The CLI maps ``Code/invalidArgument`` to exit code 2 and every other code to exit code 1.
public struct EngineError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public enum Code: Sendable, Equatable {
        /// A bad value supplied by the user or a job file (a negative temperature, a wrong shape).
        case invalidArgument
        /// Buffer or tensor shapes that do not fit together.
        case shapeMismatch
        /// A C library call (oneDNN) returned a failure status.
        case library
        /// Reading or writing a file failed.
        case io
        /// A file exists but its contents are damaged or truncated (checksum, size, magic).
        case corruptData
        /// A file was written by an incompatible version of Distill.
        case unsupportedVersion
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable sentence naming the bad value and the fix.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - message: A sentence naming the bad value and what to do.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
