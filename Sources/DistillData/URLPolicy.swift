// Copyright 2026 The Distill authors.
// Which URLs may be fetched: http and https anywhere; file only beneath the allowed roots (FileRoots opens
// them so that neither `..` nor a symbolic link leaves the root); every other scheme is refused.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The decision for one URL: what to hand to libcurl and how to group it for the per-host cap.
struct URLPermission: Equatable {
    /// The URL as given.
    var url: String
    /// `scheme://host:port`, the key of the per-host connection cap.
    var hostKey: String
    /// For a file:// URL: the index of its root in the policy's `FileRoots` and the path relative to it.
    var file: (root: Int, relative: String)?

    /// Whether this is a file:// URL.
    var isFile: Bool { file != nil }

    static func == (left: URLPermission, right: URLPermission) -> Bool {
        left.url == right.url && left.hostKey == right.hostKey && left.file?.root == right.file?.root
            && left.file?.relative == right.file?.relative
    }
}

/// Checks URLs against the allowed schemes and file roots.
struct URLPolicy {
    /// The per-host key shared by all file:// URLs.
    static let fileHostKey = "file://"

    /// The allowed roots, open as directory descriptors.
    let fileRoots: FileRoots

    /// Opens the allowed roots (`FetchConfiguration.validate()` has checked them against the operator's bounds).
    /// - Parameter allowedFileRoots: Directories file:// URLs may read from.
    /// - Throws: `DataError.invalidArgument` for a root that does not exist or is not a directory.
    init(allowedFileRoots: [String]) throws {
        fileRoots = try FileRoots(allowedFileRoots)
    }

    /// Decides whether a URL may be fetched.
    /// - Throws: `FetchFailure` with `.invalidURL`, `.disallowedScheme` or `.fileOutsideRoots`.
    func permit(_ url: String) throws(FetchFailure) -> URLPermission {
        let parsed: Curl.ParsedURL
        do { parsed = try Curl.parse(url) } catch { throw FetchFailure(.invalidURL, "\(error)") }
        switch parsed.scheme {
        case "http", "https":
            guard !parsed.host.isEmpty else { throw FetchFailure(.invalidURL, "'\(url)' has no host.") }
            return URLPermission(url: url, hostKey: "\(parsed.scheme)://\(parsed.host):\(parsed.port)", file: nil)
        case "file":
            guard !fileRoots.roots.isEmpty else {
                throw FetchFailure(
                    .fileOutsideRoots,
                    "\(url) is a file:// URL but no file root is allowed; pass --allow-file-root DIR for its directory."
                )
            }
            guard parsed.host.isEmpty || parsed.host == "localhost" else {
                throw FetchFailure(
                    .invalidURL, "\(url) names host '\(parsed.host)'; file:// URLs must be local (file:///path).")
            }
            guard parsed.path.hasPrefix("/"), !parsed.path.unicodeScalars.contains(where: { $0.value == 0 }) else {
                throw FetchFailure(.invalidURL, "\(url): the path must be absolute and may not contain %00.")
            }
            guard let (root, relative) = fileRoots.locate(parsed.path) else {
                throw FetchFailure(
                    .fileOutsideRoots,
                    "\(url) is outside the allowed roots \(fileRoots.roots.map(\.path).joined(separator: ", ")); "
                        + "pass --allow-file-root for its directory.")
            }
            return URLPermission(url: url, hostKey: Self.fileHostKey, file: (root, relative))
        default:
            throw FetchFailure(
                .disallowedScheme,
                "\(url) uses scheme '\(parsed.scheme)'; only http, https and file (under --allow-file-root) are fetched."
            )
        }
    }
}
