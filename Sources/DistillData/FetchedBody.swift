// Copyright 2026 The Distill authors.

/// A fetched body.
public struct FetchedBody: Sendable, Equatable {
    /// The bytes, at most `FetchConfiguration.maximumBodyBytes`.
    public var bytes: [UInt8]
    /// The final HTTP status (nil for file:// URLs).
    public var httpStatus: Int?
    /// The Content-Type header, when one was sent (informational only: formats come from the bytes).
    public var contentType: String?
    /// The URL after redirects.
    public var effectiveURL: String

    /// Creates a body.
    /// - Parameters:
    ///   - bytes: The bytes.
    ///   - httpStatus: The final HTTP status.
    ///   - contentType: The Content-Type header.
    ///   - effectiveURL: The URL after redirects.
    public init(bytes: [UInt8], httpStatus: Int?, contentType: String?, effectiveURL: String) {
        self.bytes = bytes
        self.httpStatus = httpStatus
        self.contentType = contentType
        self.effectiveURL = effectiveURL
    }
}
