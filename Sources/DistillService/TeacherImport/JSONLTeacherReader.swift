// Copyright 2026 The Distill authors.
// Streams JSON lines. The common line, `{"url": "...", "vector": [numbers]}` (keys in either order,
// a plain ASCII URL without escapes, JSON numbers DecimalFloat rounds), is read by a byte scanner.
// Any other line goes to JSONDecoder, which decides whether it is valid and words every error.

import DistillStore
import Foundation

/// Reads one JSON object per line: `{"url": "...", "vector": [numbers]}`.
enum JSONLTeacherReader {
    static let expected = #"one JSON object per line, {"url": "...", "vector": [...]}"#

    private struct Line: Decodable {
        var url: String?
        var vector: [Double]?
    }

    /// Streams every row of the file into `emit`, validated.
    /// - Parameters:
    ///   - reader: The open teacher file.
    ///   - emit: Receives the rows in batches.
    /// - Returns: The dimension.
    /// - Throws: `ServiceError.invalidArgument` naming the line and the reason.
    static func read(_ reader: ByteLineReader, emit: @escaping (TeacherRowBatch) throws -> Void) throws -> Int {
        let file = reader.path
        var validator = TeacherRowValidator(file: file, describe: { "line \($0)" }, emit: emit)
        let values = UnsafeMutablePointer<Float>.allocate(capacity: TeacherImportLimits.maxDimension)
        defer { values.deallocate() }
        let decoder = JSONDecoder()
        var lineNumber = 0
        while let line = try reader.nextLine(lineNumber: lineNumber + 1) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            if let (url, count) = scan(line, into: values) {
                guard count <= TeacherImportLimits.maxDimension else {
                    throw TeacherImportLimits.tooManyValues(
                        file: file, place: "line \(lineNumber)", count: "more than 65,536")
                }
                try validator.append(
                    url: url, values: UnsafeBufferPointer(start: values, count: count), nonFinite: nil,
                    number: lineNumber, fileOffset: reader.consumed)
                continue
            }
            let object = try decode(Data(line), with: decoder, file: file, line: lineNumber)
            guard let url = object.url else {
                throw ServiceError.invalid("\(file) line \(lineNumber): the object has no \"url\" key.")
            }
            guard let vector = object.vector else {
                throw ServiceError.invalid("\(file) line \(lineNumber): the object has no \"vector\" key.")
            }
            var nonFinite: NonFiniteValue?
            let narrowed = vector.enumerated().map { index, value in
                let float = Float(value)
                if nonFinite == nil && !(value.isFinite && float.isFinite) {
                    nonFinite = NonFiniteValue(index: index + 1, value: value)
                }
                return float
            }
            try narrowed.withUnsafeBufferPointer { buffer in
                try validator.append(
                    url: url, values: buffer, nonFinite: nonFinite, number: lineNumber, fileOffset: reader.consumed)
            }
        }
        return try validator.finish(expecting: expected, fileOffset: reader.consumed)
    }

    private static func decode(_ line: Data, with decoder: JSONDecoder, file: String, line lineNumber: Int) throws
        -> Line
    {
        do {
            return try decoder.decode(Line.self, from: line)
        } catch DecodingError.typeMismatch(_, let context) {
            let key = context.codingPath.map(\.stringValue).filter { Int($0) == nil }.first ?? "line"
            throw ServiceError.invalid(
                "\(file) line \(lineNumber): '\(key)' has the wrong type; expected \(expected) with numbers only.")
        } catch {
            throw ServiceError.invalid(
                "\(file) line \(lineNumber) is not valid JSON (truncated line, NaN or a stray character?); "
                    + "expected \(expected).")
        }
    }

    // MARK: - Byte scanner

    /// Reads the common line shape.
    ///
    /// Anything else gives nil, and the caller decodes the line with JSONDecoder. Values beyond the
    /// 65,536 that fit are counted, not stored.
    /// - Returns: The URL and the number of values written to `values`.
    private static func scan(_ line: UnsafeBufferPointer<UInt8>, into values: UnsafeMutablePointer<Float>) -> (
        String, Int
    )? {
        guard let base = line.baseAddress else { return nil }
        var cursor = Cursor(base: base, end: line.count)
        var url: String?
        var count: Int?
        cursor.skipSpace()
        guard cursor.take(UInt8(ascii: "{")) else { return nil }
        while true {
            cursor.skipSpace()
            guard let key = cursor.plainString() else { return nil }
            cursor.skipSpace()
            guard cursor.take(UInt8(ascii: ":")) else { return nil }
            cursor.skipSpace()
            if key.elementsEqual("url".utf8) {
                guard url == nil, let text = cursor.plainString() else { return nil }
                url = String(decoding: text, as: UTF8.self)
            } else if key.elementsEqual("vector".utf8) {
                guard count == nil, cursor.take(UInt8(ascii: "[")) else { return nil }
                var written = 0
                cursor.skipSpace()
                if !cursor.take(UInt8(ascii: "]")) {
                    while true {
                        cursor.skipSpace()
                        guard let value = cursor.number() else { return nil }
                        if written < TeacherImportLimits.maxDimension { values[written] = value }
                        written += 1
                        cursor.skipSpace()
                        if cursor.take(UInt8(ascii: "]")) { break }
                        guard cursor.take(UInt8(ascii: ",")) else { return nil }
                    }
                }
                count = written
            } else {
                return nil
            }
            cursor.skipSpace()
            if cursor.take(UInt8(ascii: ",")) { continue }
            guard cursor.take(UInt8(ascii: "}")) else { return nil }
            break
        }
        cursor.skipSpace()
        guard cursor.index == cursor.end, let url, let count else { return nil }
        return (url, count)
    }

    /// A position in one line's bytes (a struct, so its accesses are checked at compile time, not at
    /// every step as a variable captured by nested functions would be).
    private struct Cursor {
        let base: UnsafePointer<UInt8>
        let end: Int
        var index = 0

        /// Moves past spaces, tabs, CR and LF.
        @inline(__always) mutating func skipSpace() {
            while index < end, base[index] == 0x20 || base[index] == 0x09 || base[index] == 0x0D || base[index] == 0x0A
            {
                index += 1
            }
        }

        /// Moves past `byte` if it comes next.
        @inline(__always) mutating func take(_ byte: UInt8) -> Bool {
            guard index < end, base[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string without escapes, control characters or non-ASCII bytes; nil otherwise.
        @inline(__always) mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < end {
                let byte = base[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return UnsafeBufferPointer(start: base + start, count: index - 1 - start)
                }
                if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\\") { return nil }
                index += 1
            }
            return nil
        }

        /// A JSON number (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`) that DecimalFloat rounds; nil
        /// otherwise.
        ///
        /// DecimalFloat reads the number where it stands; what it accepts beyond JSON's grammar (a leading
        /// `+`, `.5`, `1.`, leading zeros) is then refused by looking at the integer part and the byte after
        /// a point.
        @inline(__always) mutating func number() -> Float? {
            let start = index
            guard let (value, length) = DecimalFloat.parsePrefix(base + start, count: end - start) else {
                return nil
            }
            let stop = start + length
            var position = base[start] == UInt8(ascii: "-") ? start + 1 : start
            let leading = position
            while position < stop && base[position] &- UInt8(ascii: "0") <= 9 { position += 1 }
            guard position > leading, position == leading + 1 || base[leading] != UInt8(ascii: "0") else {
                return nil
            }
            if position < stop && base[position] == UInt8(ascii: ".") {
                guard position + 1 < stop, base[position + 1] &- UInt8(ascii: "0") <= 9 else { return nil }
            }
            index = stop
            return value
        }
    }
}
