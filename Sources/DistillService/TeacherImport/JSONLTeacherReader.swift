// Copyright 2026 The Distill authors.

import DistillStore
import Foundation

/// Reads one JSON object per line: `{"url": "...", "vector": [numbers]}`.
enum JSONLTeacherReader {
    static let expected = #"one JSON object per line, {"url": "...", "vector": [...]}"#

    private struct Line: Decodable {
        var url: String?
        var vector: [Double]?
    }

    static func read(_ data: Data, file: String) throws -> TeacherTable {
        var builder = TeacherTableBuilder(file: file)
        let decoder = JSONDecoder()
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let object: Line
            do {
                object = try decoder.decode(Line.self, from: Data(line))
            } catch DecodingError.typeMismatch(_, let context) {
                let key = context.codingPath.map(\.stringValue).filter { Int($0) == nil }.first ?? "line"
                throw ServiceError.invalid(
                    "\(file) line \(lineNumber): '\(key)' has the wrong type; expected \(expected) with numbers only.")
            } catch {
                throw ServiceError.invalid(
                    "\(file) line \(lineNumber) is not valid JSON (truncated line, NaN or a stray character?); "
                        + "expected \(expected).")
            }
            guard let url = object.url else {
                throw ServiceError.invalid("\(file) line \(lineNumber): the object has no \"url\" key.")
            }
            guard let vector = object.vector else {
                throw ServiceError.invalid("\(file) line \(lineNumber): the object has no \"vector\" key.")
            }
            try builder.append(url: url, vector: vector, place: "line \(lineNumber)")
        }
        return try builder.build(expecting: expected)
    }
}
