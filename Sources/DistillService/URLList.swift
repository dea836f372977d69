// Copyright 2026 The Distill authors.

import Foundation

/// The lenient URL-list format of `distill fetch --urls` and a job's `images.urls`.
///
/// One URL per line; blank lines and lines starting with `#` are skipped; a repeated URL counts once.
/// (A `.npy` teacher's `--urls` list is stricter, one line per array row: `TeacherImporter.readURLList`.)
public enum URLList {
    /// Reads a URL list file.
    /// - Parameters:
    ///   - path: The file.
    ///   - hint: What to check when it cannot be read, e.g. "check the path".
    /// - Returns: The URLs in file order, each once.
    /// - Throws: `ServiceError.invalidArgument` when the file cannot be read.
    public static func read(_ path: String, hint: String = "check the path") throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServiceError.invalid("Cannot read the URL list \(path); \(hint).")
        }
        var seen = Set<String>()
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") && seen.insert($0).inserted }
    }
}
