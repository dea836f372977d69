// Copyright 2026 The Distill authors.
// Which URLs may be fetched: http and https anywhere; file only under the allowed roots (after resolving
// symlinks and `..`); every other scheme is refused.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The decision for one URL: what to hand to libcurl and how to group it for the per-host cap.
struct URLPermission: Equatable {
    /// The URL libcurl fetches (for file:// the resolved path, so a symlink swap cannot escape the roots).
    var url: String
    /// `scheme://host:port`, the key of the per-host connection cap.
    var hostKey: String
    /// Whether this is a file:// URL.
    var isFile: Bool
}

/// Checks URLs against the allowed schemes and file roots.
struct URLPolicy {
    /// The per-host key shared by all file:// URLs.
    static let fileHostKey = "file://"

    /// Resolved absolute root directories.
    let roots: [String]

    init(allowedFileRoots: [String]) throws {
        var resolved: [String] = []
        for root in allowedFileRoots {
            guard let real = Self.realPath(root) else {
                throw DataError(
                    .invalidArgument, "The allowed file root '\(root)' does not exist; create it or fix the path.")
            }
            resolved.append(real)
        }
        roots = resolved
    }

    /// Decides whether a URL may be fetched.
    /// - Throws: `FetchFailure` with `.invalidURL`, `.disallowedScheme`, `.fileOutsideRoots` or `.fileNotFound`.
    func permit(_ url: String) throws(FetchFailure) -> URLPermission {
        let parsed: Curl.ParsedURL
        do { parsed = try Curl.parse(url) } catch { throw FetchFailure(.invalidURL, "\(error)") }
        switch parsed.scheme {
        case "http", "https":
            guard !parsed.host.isEmpty else { throw FetchFailure(.invalidURL, "'\(url)' has no host.") }
            return URLPermission(url: url, hostKey: "\(parsed.scheme)://\(parsed.host):\(parsed.port)", isFile: false)
        case "file":
            guard !roots.isEmpty else {
                throw FetchFailure(
                    .fileOutsideRoots,
                    "\(url) is a file:// URL but no file root is allowed; pass --allow-file-root DIR for its directory."
                )
            }
            guard parsed.host.isEmpty || parsed.host == "localhost" else {
                throw FetchFailure(
                    .invalidURL, "\(url) names host '\(parsed.host)'; file:// URLs must be local (file:///path).")
            }
            guard let real = Self.realPath(parsed.path) else {
                throw FetchFailure(.fileNotFound, "\(url): no such file \(parsed.path).")
            }
            guard roots.contains(where: { real == $0 || real.hasPrefix($0 == "/" ? "/" : $0 + "/") }) else {
                throw FetchFailure(
                    .fileOutsideRoots,
                    "\(url) resolves to \(real), outside the allowed roots \(roots.joined(separator: ", ")); "
                        + "pass --allow-file-root for its directory.")
            }
            do {
                return URLPermission(url: try Curl.fileURL(path: real), hostKey: Self.fileHostKey, isFile: true)
            } catch {
                throw FetchFailure(.invalidURL, "\(error)")
            }
        default:
            throw FetchFailure(
                .disallowedScheme,
                "\(url) uses scheme '\(parsed.scheme)'; only http, https and file (under --allow-file-root) are fetched."
            )
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
