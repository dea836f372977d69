// Copyright 2026 The Distill authors.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Limits and politeness settings of a `Fetcher`.
public struct FetchConfiguration: Sendable, Equatable {
    /// Transfers in flight at once (default 32).
    public var concurrency: Int = 32
    /// Transfers in flight to one host (scheme + host + port) at once (default 8); file:// URLs are not capped.
    public var perHostConnections: Int = 8
    /// Seconds allowed to establish a connection (default 10).
    public var connectTimeout: Double = 10
    /// Seconds allowed for a whole transfer, redirects included (default 60).
    public var totalTimeout: Double = 60
    /// A transfer slower than this many bytes per second for `lowSpeedSeconds` is abandoned as a timeout
    /// (default 1024), so a server dripping bytes cannot hold a slot until the total timeout.
    public var lowSpeedBytesPerSecond: Int = 1024
    /// Seconds below `lowSpeedBytesPerSecond` after which a transfer is abandoned (default 20).
    public var lowSpeedSeconds: Int = 20
    /// Largest accepted body in bytes, enforced while receiving (default 32 MiB).
    public var maximumBodyBytes: Int = 32 << 20
    /// Redirects followed at most (default 5); only to http and https.
    public var maximumRedirects: Int = 5
    /// Attempts per URL for transient failures, the first included (default 4).
    public var maximumAttempts: Int = 4
    /// Backoff before the second attempt in seconds; doubles per attempt, with jitter (default 0.5).
    ///
    /// A `Retry-After` header lengthens the wait (up to `retryMaximumDelay`).
    public var retryBaseDelay: Double = 0.5
    /// Longest backoff in seconds (default 30).
    public var retryMaximumDelay: Double = 30
    /// Directories file:// URLs may read from (resolved, symlinks followed); empty refuses file:// URLs.
    public var allowedFileRoots: [String] = []
    /// The operator's bound on `allowedFileRoots` (`DISTILL_FILE_ROOTS`, directories separated by `:`): every
    /// allowed root must lie inside one of them. Nil (unset): any root may be allowed.
    public var fileRootBounds: [String]? = FetchConfiguration.environment("DISTILL_FILE_ROOTS").map {
        $0.split(separator: ":").map(String.init)
    }
    /// The operator's network ranges (`DISTILL_ALLOW_NETWORKS`, CIDRs): when set, http(s) connects only to public
    /// addresses and these ranges. Link-local addresses are refused unless listed, set or not.
    public var allowedNetworks: String? = FetchConfiguration.environment("DISTILL_ALLOW_NETWORKS")
    /// The User-Agent header.
    public var userAgent: String = "Distill/0.1"

    /// An environment variable, nil when unset.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Creates the default configuration.
    public init() {}

    /// Throws when a setting is out of range.
    /// - Throws: `DataError.invalidArgument` naming the setting.
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw DataError(.invalidArgument, message) }
        }
        try require((1...1024).contains(concurrency), "Concurrency \(concurrency) is outside 1…1024.")
        try require(
            (1...1024).contains(perHostConnections), "Per-host connections \(perHostConnections) is outside 1…1024.")
        try require(
            Self.timeoutRange.contains(totalTimeout),
            "The timeout \(totalTimeout) s is outside 0.001…86400 seconds; give a number of seconds such as 60.")
        try require(
            Self.timeoutRange.contains(connectTimeout),
            "The connect timeout \(connectTimeout) s is outside 0.001…86400 seconds; give a number of seconds such as 10."
        )
        try require(
            (0...(1 << 30)).contains(lowSpeedBytesPerSecond) && (1...86400).contains(lowSpeedSeconds),
            "The low-speed limit (\(lowSpeedBytesPerSecond) bytes/s for \(lowSpeedSeconds) s) is out of range.")
        try require(maximumBodyBytes > 0, "The maximum body size \(maximumBodyBytes) must be positive.")
        try require((0...20).contains(maximumRedirects), "Maximum redirects \(maximumRedirects) is outside 0…20.")
        try require((1...20).contains(maximumAttempts), "Maximum attempts \(maximumAttempts) is outside 1…20.")
        try require(
            retryBaseDelay >= 0 && retryMaximumDelay >= retryBaseDelay, "Retry delays must satisfy 0 ≤ base ≤ maximum.")
        // The operator's bounds, checked before anything is fetched or recorded.
        for root in allowedFileRoots { try checkFileRoot(root) }
        _ = try NetworkPolicy(allowedNetworks: allowedNetworks)
    }

    /// Timeouts accepted, in seconds: at least a millisecond (libcurl reads 0 ms as "no timeout"), at most a day.
    public static let timeoutRange: ClosedRange<Double> = 0.001...86400

    /// Seconds as the whole milliseconds libcurl takes, rounded up so a positive time never becomes 0.
    /// - Parameter seconds: A time within `timeoutRange`.
    /// - Returns: Milliseconds, at least 1.
    static func milliseconds(_ seconds: Double) -> Int {
        let clamped =
            seconds.isFinite
            ? min(max(seconds, timeoutRange.lowerBound), timeoutRange.upperBound) : timeoutRange.upperBound
        return max(1, Int((clamped * 1000).rounded(.up)))
    }

    /// Refuses a file root outside the operator's `fileRootBounds` (`DISTILL_FILE_ROOTS`).
    /// - Parameter root: A directory a job or command wants file:// URLs read from.
    /// - Throws: `DataError.invalidArgument` naming the root and the bounds; `.invalidArgument` when it does not
    ///   exist.
    public func checkFileRoot(_ root: String) throws {
        guard let bounds = fileRootBounds else { return }
        guard let resolved = FileRoots.realPath(root) else {
            throw DataError(
                .invalidArgument, "The allowed file root '\(root)' does not exist; create it or fix the path.")
        }
        let inside = bounds.compactMap(FileRoots.realPath).contains { bound in
            resolved == bound || resolved.hasPrefix(bound == "/" ? "/" : bound + "/")
        }
        guard inside else {
            throw DataError(
                .invalidArgument,
                "The file root '\(root)' is outside DISTILL_FILE_ROOTS (\(bounds.joined(separator: ":"))); the "
                    + "operator allows file:// reads only beneath those directories — move the images there.")
        }
    }

    /// The backoff before attempt `attempt + 1`: `min(maximum, base · 2^(attempt − 1))` scaled by a random
    /// factor in [0.5, 1] ("equal jitter").
    /// - Parameters:
    ///   - attempt: The attempt that just failed (1-based).
    ///   - random: The jitter source.
    /// - Returns: Seconds to wait.
    public func backoff<Generator: RandomNumberGenerator>(afterAttempt attempt: Int, using random: inout Generator)
        -> Double
    {
        let exponential = min(retryMaximumDelay, retryBaseDelay * Double(1 << min(max(attempt - 1, 0), 30)))
        return exponential * Double.random(in: 0.5...1, using: &random)
    }
}
