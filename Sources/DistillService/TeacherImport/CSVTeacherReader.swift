// Copyright 2026 The Distill authors.

import DistillStore
import Foundation

/// Reads `url,v1,...,vn` lines.
///
/// The first line is a header when its first field is `url`. Fields may be
/// double-quoted (with `""` for a quote), so URLs may contain commas.
enum CSVTeacherReader {
    static let expected = "lines of the form url,v1,...,vn"

    static func read(_ data: Data, file: String) throws -> TeacherTable {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ServiceError.invalid("\(file) is not UTF-8 text; expected a CSV file of \(expected).")
        }
        var builder = TeacherTableBuilder(file: file)
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on any newline rather than on "\n".
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let trimmed = line[...]
            if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = try CSVFields.split(trimmed, file: file, line: lineNumber)
            if lineNumber == 1, fields.first?.lowercased() == "url" { continue }
            var vector: [Double] = []
            vector.reserveCapacity(fields.count - 1)
            for (index, field) in fields.dropFirst().enumerated() {
                let token = field.trimmingCharacters(in: .whitespaces)
                guard let value = Double(token) else {
                    if token.isEmpty {
                        throw ServiceError.invalid(
                            "\(file) line \(lineNumber): value \(index + 1) is empty; expected a number.")
                    }
                    throw ServiceError.invalid(
                        "\(file) line \(lineNumber): value \(index + 1) '\(token)' is not a number.")
                }
                vector.append(value)
            }
            try builder.append(url: fields[0], vector: vector, place: "line \(lineNumber)")
        }
        return try builder.build(expecting: expected)
    }
}
