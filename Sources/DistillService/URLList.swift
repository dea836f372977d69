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
    /// - Throws: `ServiceError.invalidArgument` when the file cannot be read, is not a regular file, is larger
    ///   than `InputFile.listLimit`, or a line holds a URL with control characters or whitespace
    ///   (`ImageURLText.check`).
    public static func read(_ path: String, hint: String = "check the path") throws -> [String] {
        let data = try InputFile.read(path, what: "URL list", limit: InputFile.listLimit, hint: hint)
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses URL-list text.
    /// - Parameters:
    ///   - text: The list.
    ///   - file: Its name, for messages.
    /// - Returns: The URLs in order, each once.
    /// - Throws: `ServiceError.invalidArgument` naming the line of a URL `ImageURLText.check` refuses.
    public static func parse(_ text: String, file: String) throws -> [String] {
        var seen = Set<String>()
        var urls: [String] = []
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let url = line.trimmingCharacters(in: .whitespaces)
            guard !url.isEmpty, !url.hasPrefix("#") else { continue }
            try ImageURLText.check(url, file: file, place: "line \(offset + 1)")
            if seen.insert(url).inserted { urls.append(url) }
        }
        return urls
    }
}
