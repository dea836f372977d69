// Copyright 2026 The Distill authors.

/// The final result for one requested URL.
public struct FetchOutcome: Sendable, Equatable {
    /// The position of the URL in the request list.
    public var index: Int
    /// The URL as requested.
    public var url: String
    /// The body, or why there is none.
    public var result: Result<FetchedBody, FetchFailure>
    /// Attempts made (1 + retries).
    public var attempts: Int

    /// Creates an outcome.
    /// - Parameters:
    ///   - index: The position in the request list.
    ///   - url: The URL.
    ///   - result: Body or failure.
    ///   - attempts: Attempts made.
    public init(index: Int, url: String, result: Result<FetchedBody, FetchFailure>, attempts: Int) {
        self.index = index
        self.url = url
        self.result = result
        self.attempts = attempts
    }
}
