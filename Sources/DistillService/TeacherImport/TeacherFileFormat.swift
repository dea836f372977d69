// Copyright 2026 The Distill authors.

/// The file formats `distill teacher import` reads.
public enum TeacherFileFormat: String, Sendable, CaseIterable {
    /// `url,v1,...,vn` per line, with an optional header line starting with `url`.
    case csv
    /// One JSON object per line: `{"url": "...", "vector": [...]}`.
    case jsonl
    /// A 2-D NumPy array (float32 or float64, C or Fortran order) plus a URL list file.
    case npy

    /// The format a file name's extension implies.
    /// - Parameter path: The file path.
    /// - Returns: The format, or nil when the extension is not one Distill knows.
    public static func inferred(from path: String) -> TeacherFileFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        if lower.hasSuffix(".npy") { return .npy }
        return nil
    }
}
