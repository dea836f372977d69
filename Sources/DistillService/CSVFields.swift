// Copyright 2026 The Distill authors.

/// Splits CSV lines the way every Distill CSV reader does (teacher files, labels files).
///
/// Fields are separated by commas and may be double-quoted, with `""` standing for a quote inside a
/// quoted field, so URLs may contain commas.
public enum CSVFields {
    /// Splits one CSV line into fields.
    /// - Parameters:
    ///   - line: The line, without its line break.
    ///   - file: The file, for messages.
    ///   - lineNumber: The 1-based line number, for messages.
    /// - Returns: The fields, unquoted (not trimmed).
    /// - Throws: `ServiceError.invalidArgument` when a quoted field is not closed.
    public static func split(_ line: Substring, file: String, line lineNumber: Int) throws -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                inQuotes = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if inQuotes {
            throw ServiceError.invalid(
                "\(file) line \(lineNumber): a quoted field is not closed; the file may be truncated.")
        }
        fields.append(current)
        return fields
    }
}
