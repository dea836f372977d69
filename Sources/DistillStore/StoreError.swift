// Copyright 2026 The Distill authors.

/// The one error type of the store: what failed, the value involved and what to do next.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// The class of failure; `invalidArgument` and `notFound` are the user's to fix (exit code 2).
    public enum Code: Sendable, Equatable {
        /// A value the user gave is not acceptable (a name taken, a state that forbids the action).
        case invalidArgument
        /// The named teacher, job or run does not exist.
        case notFound
        /// The database could not be opened, migrated, read or written.
        case database
        /// The run is no longer held by the writer (cancelled, failed elsewhere, or its lease expired and
        /// another worker claimed it); nothing was written.
        case leaseLost
    }

    /// The class of failure.
    public var code: Code
    /// A sentence for people: the failure, the bad value, what to do.
    public var message: String
    /// The underlying error, when there is one.
    public var cause: (any Error & Sendable)?
    /// Where the error was raised.
    public var location: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The class of failure.
    ///   - message: The sentence shown to the user.
    ///   - cause: The underlying error, if any.
    ///   - file: The source file raising it (defaults to the caller's).
    ///   - line: The source line raising it (defaults to the caller's).
    public init(
        _ code: Code, _ message: String, cause: (any Error & Sendable)? = nil, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    public var description: String { message }
}
