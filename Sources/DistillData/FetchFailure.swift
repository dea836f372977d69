// Copyright 2026 The Distill authors.

/// A failed fetch: the reason category, a readable message and the HTTP status when there was one.
public struct FetchFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category (stored in the images table).
    public var reason: FetchFailureReason
    /// What happened, naming the URL and what to do.
    public var message: String
    /// The final HTTP status, when a response arrived.
    public var httpStatus: Int?

    /// Creates a failure.
    /// - Parameters:
    ///   - reason: The category.
    ///   - message: What happened.
    ///   - httpStatus: The final HTTP status, if any.
    public init(_ reason: FetchFailureReason, _ message: String, httpStatus: Int? = nil) {
        self.reason = reason
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}
