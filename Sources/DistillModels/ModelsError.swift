// Copyright 2026 The Distill authors.

/// The one error type of `DistillModels`: a code for callers to branch on and a message for people.
///
/// Messages name the bad value, the allowed range and what to do, e.g.
/// "alpha 1.5 is outside (0, 1]; use a width multiplier such as 1.0, 0.75, 0.5 or 0.25."
public struct ModelsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public enum Code: Sendable, Equatable {
        /// Bad user input (a width multiplier, resolution or output count out of range). The CLI maps
        /// it to exit code 2.
        case invalidArgument
        /// A report could not be encoded (a bug, not bad input). The CLI maps it to exit code 1.
        case encodingFailed
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable message naming the bad value and the fix.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - message: A readable message naming the bad value and the fix.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
