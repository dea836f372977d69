// Copyright 2026 The Distill authors.

/// The one error type of DistillData: bad images, bad URLs, failed C calls, missing files.
///
/// `code` says what kind of failure it is (the CLI maps `.invalidArgument` to exit code 2, everything
/// else to exit code 1); `message` names the bad value and says what to do next.
public struct DataError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kinds of failure.
    public enum Code: String, Sendable, Equatable {
        /// Bad user input: an option value, a URL, a path.
        case invalidArgument
        /// The bytes are empty or start with no known image signature.
        case unsupportedFormat
        /// The bytes claim to be an image but are damaged or truncated.
        case corruptImage
        /// The image header declares more pixels than the configured limit (decompression bomb guard).
        case imageTooLarge
        /// A file could not be read, written or renamed.
        case io
        /// A C library returned a failure status not covered by the codes above.
        case library
        /// A required file or package is missing.
        case missingInput
    }

    /// The kind of failure.
    public var code: Code
    /// A readable sentence naming the bad value and the fix.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: A readable sentence naming the bad value and the fix.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
