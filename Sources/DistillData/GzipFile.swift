// Copyright 2026 The Distill authors.
// The one wrapper around zlib's gzip file API (gzopen/gzread/gzwrite).

import CZlib

/// Reads and writes whole gzip files.
public enum GzipFile {
    /// Reads and decompresses a whole .gz file (plain files are read as they are, as zlib does).
    /// - Parameters:
    ///   - path: The file.
    ///   - maximumBytes: Refuse to inflate more than this (default 1 GiB).
    /// - Returns: The decompressed bytes.
    /// - Throws: `DataError.missingInput` when the file cannot be opened, `.io` when decompression fails.
    public static func read(_ path: String, maximumBytes: Int = 1 << 30) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw DataError(.missingInput, "gzopen(\(path)) failed: the file is missing or unreadable.")
        }
        defer { gzclose(file) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if count < 0 {
                var code: Int32 = 0
                let text = gzerror(file, &code).map { String(cString: $0) } ?? "unknown error"
                throw DataError(.io, "gzread(\(path)) failed (\(code)): \(text); the file is damaged, reinstall it.")
            }
            if count == 0 { break }
            output += chunk[0..<Int(count)]
            guard output.count <= maximumBytes else {
                throw DataError(.io, "\(path) inflates to more than \(maximumBytes) bytes; refusing to read it.")
            }
        }
        return output
    }

    /// Compresses bytes into a .gz file (used by tests to make IDX fixtures).
    /// - Parameters:
    ///   - bytes: The data.
    ///   - path: The file to create or replace.
    /// - Throws: `DataError.io` when zlib fails.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        guard let file = gzopen(path, "wb") else { throw DataError(.io, "gzopen(\(path), wb) failed.") }
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        let closed = gzclose(file)
        guard Int(written) == bytes.count || bytes.isEmpty, closed == Z_OK else {
            throw DataError(
                .io, "gzwrite(\(path)) failed (wrote \(written) of \(bytes.count) bytes, gzclose \(closed)).")
        }
    }
}
