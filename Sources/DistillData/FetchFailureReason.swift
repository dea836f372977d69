// Copyright 2026 The Distill authors.

/// Why an image could not be fetched or used.
///
/// The raw value is the category the images table stores at the start of `failure_reason`.
public enum FetchFailureReason: String, Sendable, Equatable, Codable, CaseIterable {
    /// The URL does not parse.
    case invalidURL = "invalid-url"
    /// A scheme other than http, https or file (or a redirect to one).
    case disallowedScheme = "disallowed-scheme"
    /// A file:// URL outside every allowed root.
    case fileOutsideRoots = "file-outside-roots"
    /// A file:// URL whose file does not exist or cannot be read.
    case fileNotFound = "file-not-found"
    /// A file:// URL naming a directory, FIFO, socket or device instead of a regular file.
    case notARegularFile = "not-a-regular-file"
    /// A connection to a link-local or (with DISTILL_ALLOW_NETWORKS) non-public, unlisted address.
    case disallowedAddress = "disallowed-address"
    /// HTTP 4xx other than 429 (permanent).
    case httpClientError = "http-client-error"
    /// HTTP 429 Too Many Requests (retried).
    case rateLimited = "rate-limited"
    /// HTTP 5xx (retried).
    case httpServerError = "http-server-error"
    /// A final response that is neither 2xx nor an error (e.g. 304, a 3xx without Location).
    case unexpectedStatus = "unexpected-status"
    /// Connect or total time limit exceeded (retried).
    case timeout
    /// The connection failed or broke (retried).
    case connection
    /// The body ended before its announced length (retried).
    case truncated
    /// The body is larger than the configured maximum.
    case tooLarge = "too-large"
    /// More than the allowed number of redirects.
    case tooManyRedirects = "too-many-redirects"
    /// TLS handshake or certificate failure.
    case tls
    /// The body is not a JPEG or PNG image (HTML, text, GIF …).
    case notAnImage = "not-an-image"
    /// The image is damaged or truncated.
    case corruptImage = "corrupt-image"
    /// The image header declares more pixels than allowed.
    case imageTooLarge = "image-too-large"
    /// Storing the body in the cache failed.
    case cacheWrite = "cache-write"
    /// Anything else libcurl reports.
    case other

    /// Whether another attempt may succeed (timeouts, broken connections, 429, 5xx).
    public var isTransient: Bool {
        switch self {
        case .timeout, .connection, .truncated, .rateLimited, .httpServerError: true
        default: false
        }
    }
}
