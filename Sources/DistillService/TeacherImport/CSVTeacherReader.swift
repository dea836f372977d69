// Copyright 2026 The Distill authors.
// Streams `url,v1,...,vn` lines as bytes. The common line (an unquoted ASCII URL, plain decimal values) is
// read in one pass, DecimalFloat scanning each value in place. Other lines of plain ASCII take a byte scan that
// splits fields exactly as CSVFields does, then DecimalFloat per value. A line holding anything else
// (non-ASCII bytes, a CR, VT or FF inside it) takes the String path every Distill CSV reader shares,
// so both paths accept the same files and give the same messages.

import DistillStore
import Foundation

/// Reads `url,v1,...,vn` lines.
///
/// The first line is a header when its first field is `url`. Fields may be double-quoted (with `""`
/// for a quote), so URLs may contain commas. Lines end with LF, CRLF or CR.
enum CSVTeacherReader {
    static let expected = "lines of the form url,v1,...,vn"

    /// Streams every row of the file into `emit`, validated.
    /// - Parameters:
    ///   - reader: The open teacher file.
    ///   - emit: Receives the rows in batches.
    /// - Returns: The dimension.
    /// - Throws: `ServiceError.invalidArgument` naming the line and the reason.
    static func read(_ reader: ByteLineReader, emit: @escaping (TeacherRowBatch) throws -> Void) throws -> Int {
        let file = reader.path
        var validator = TeacherRowValidator(file: file, describe: { "line \($0)" }, emit: emit)
        var row = RowScratch(file: file)
        defer { row.deallocate() }
        var lineNumber = 0
        while var line = try reader.nextLine(lineNumber: lineNumber + 1) {
            lineNumber += 1
            if line.last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            if lineNumber > 1, row.readPlain(line) {
                try validator.append(
                    url: String(decoding: row.plainURL, as: UTF8.self), values: row.values, nonFinite: nil,
                    number: lineNumber, fileOffset: reader.consumed)
                continue
            }
            if try row.split(line, lineNumber: lineNumber) {
                if lineNumber == 1, row.fieldIsURLHeader(0) { continue }
                try row.parseValues(lineNumber: lineNumber)
                try validator.append(
                    url: row.string(0), values: row.values, nonFinite: row.nonFinite, number: lineNumber,
                    fileOffset: reader.consumed)
            } else {
                lineNumber = try readSlowly(
                    line, firstLine: lineNumber, file: file, into: &validator, offset: reader.consumed)
            }
        }
        return try validator.finish(expecting: expected, fileOffset: reader.consumed)
    }

    /// The String path for a line the byte scanner leaves alone; returns the number of its last line
    /// (a CR, VT or FF inside the bytes starts a new line, as everywhere else Distill reads CSV).
    private static func readSlowly(
        _ bytes: UnsafeBufferPointer<UInt8>, firstLine: Int, file: String, into validator: inout TeacherRowValidator,
        offset: Int64
    ) throws -> Int {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ServiceError.invalid("\(file) is not UTF-8 text; expected a CSV file of \(expected).")
        }
        var lineNumber = firstLine - 1
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = try CSVFields.split(line, file: file, line: lineNumber)
            if lineNumber == 1, fields.first?.lowercased() == "url" { continue }
            if fields.count - 1 > TeacherImportLimits.maxDimension {
                throw TeacherImportLimits.tooManyValues(
                    file: file, place: "line \(lineNumber)", count: "\(fields.count - 1)")
            }
            var vector: [Float] = []
            var nonFinite: NonFiniteValue?
            for (index, field) in fields.dropFirst().enumerated() {
                let value = try value(
                    field.trimmingCharacters(in: .whitespaces), index: index + 1, file: file, line: lineNumber)
                if nonFinite == nil, let problem = value.nonFinite { nonFinite = problem }
                vector.append(value.float)
            }
            try vector.withUnsafeBufferPointer { values in
                try validator.append(
                    url: fields[0], values: values, nonFinite: nonFinite, number: lineNumber, fileOffset: offset)
            }
        }
        return lineNumber
    }

    /// Reads one trimmed value token the way Swift reads a Double (any text `Double(String)` takes),
    /// for tokens DecimalFloat leaves alone.
    static func value(_ token: String, index: Int, file: String, line: Int) throws -> (
        float: Float, nonFinite: NonFiniteValue?
    ) {
        guard let value = Double(token) else {
            if token.isEmpty {
                throw ServiceError.invalid("\(file) line \(line): value \(index) is empty; expected a number.")
            }
            throw ServiceError.invalid("\(file) line \(line): value \(index) '\(token)' is not a number.")
        }
        let narrowed = Float(value)
        guard value.isFinite, narrowed.isFinite else {
            return (0, NonFiniteValue(index: index, value: value))
        }
        // Float(String) rounds the text once; Float(Double) would round twice.
        if let direct = Float(token), direct.isFinite { return (direct, nil) }
        return (narrowed, nil)
    }
}

/// The reused buffers of the CSV byte path: field ranges, unquoted field bytes, parsed values.
private struct RowScratch {
    let file: String
    var fields: [UnsafeBufferPointer<UInt8>] = []
    var unquoted: UnsafeMutablePointer<UInt8>
    var unquotedCapacity = 1 << 16
    let valueStorage: UnsafeMutablePointer<Float>
    var values = UnsafeBufferPointer<Float>(start: nil, count: 0)
    var nonFinite: NonFiniteValue?

    init(file: String) {
        self.file = file
        unquoted = .allocate(capacity: unquotedCapacity)
        valueStorage = .allocate(capacity: TeacherImportLimits.maxDimension)
    }

    func deallocate() {
        unquoted.deallocate()
        valueStorage.deallocate()
    }

    /// The URL `readPlain` found.
    var plainURL = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

    /// Reads the common line in one pass, without splitting it into fields first: an unquoted URL of
    /// ASCII bytes, then values `DecimalFloat` reads, each maybe with spaces or tabs around it. On true,
    /// `plainURL` and `values` hold what `split` and `parseValues` would have found (a value ends at a byte
    /// that cannot continue a number, and only spaces or tabs may come before the next comma).
    /// - Returns: false for any other line, which the caller then reads with `split` (so that every
    ///   message stays as it was); nothing is thrown here.
    mutating func readPlain(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = line.baseAddress else { return false }
        let count = line.count
        var index = 0
        while index < count {
            let byte = base[index]
            if byte == UInt8(ascii: ",") { break }
            if byte >= 0x80 || byte == UInt8(ascii: "\"") || byte &- 0x0B <= 2 { return false }
            index += 1
        }
        guard index < count else { return false }
        plainURL = UnsafeBufferPointer(start: base, count: index)
        var valueCount = 0
        while index < count {
            index += 1  // past the comma
            while index < count && (base[index] == 0x20 || base[index] == 0x09) { index += 1 }
            guard valueCount < TeacherImportLimits.maxDimension,
                let (value, length) = DecimalFloat.parsePrefix(base + index, count: count - index)
            else { return false }
            valueStorage[valueCount] = value
            valueCount += 1
            index += length
            while index < count && (base[index] == 0x20 || base[index] == 0x09) { index += 1 }
            guard index == count || base[index] == UInt8(ascii: ",") else { return false }
        }
        values = UnsafeBufferPointer(start: valueStorage, count: valueCount)
        nonFinite = nil
        return true
    }

    /// Splits a line into fields as `CSVFields.split` does.
    /// - Returns: false when the line holds a byte the fast path leaves to the String path.
    /// - Throws: When a quoted field is not closed, or the line has more than 65,536 values.
    mutating func split(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws -> Bool {
        fields.removeAll(keepingCapacity: true)
        guard let base = line.baseAddress else {
            fields.append(line)
            return true
        }
        if line.count > unquotedCapacity {
            unquoted.deallocate()
            unquotedCapacity = line.count
            unquoted = .allocate(capacity: unquotedCapacity)
        }
        let count = line.count
        var index = 0
        var written = 0
        while true {
            if fields.count > TeacherImportLimits.maxDimension {
                throw TeacherImportLimits.tooManyValues(
                    file: file, place: "line \(lineNumber)", count: "more than 65,536")
            }
            if index < count && base[index] == UInt8(ascii: "\"") {
                // A quoted field: its bytes, unquoted, go to `unquoted`.
                let fieldStart = written
                var inQuotes = true
                index += 1
                while index < count {
                    let byte = base[index]
                    if byte >= 0x80 || byte &- 0x0B <= 2 { return false }
                    if inQuotes {
                        if byte == UInt8(ascii: "\"") {
                            if index + 1 < count && base[index + 1] == UInt8(ascii: "\"") {
                                unquoted[written] = byte
                                written += 1
                                index += 2
                            } else {
                                inQuotes = false
                                index += 1
                            }
                            continue
                        }
                    } else if byte == UInt8(ascii: ",") {
                        break
                    } else if byte == UInt8(ascii: "\"") && written == fieldStart {
                        inQuotes = true
                        index += 1
                        continue
                    }
                    unquoted[written] = byte
                    written += 1
                    index += 1
                }
                if inQuotes {
                    throw ServiceError.invalid(
                        "\(file) line \(lineNumber): a quoted field is not closed; the file may be truncated.")
                }
                fields.append(UnsafeBufferPointer(start: unquoted + fieldStart, count: written - fieldStart))
            } else {
                let fieldStart = index
                while index < count {
                    let byte = base[index]
                    if byte == UInt8(ascii: ",") { break }
                    if byte >= 0x80 || byte &- 0x0B <= 2 { return false }
                    index += 1
                }
                fields.append(UnsafeBufferPointer(start: base + fieldStart, count: index - fieldStart))
            }
            guard index < count else { return true }
            index += 1  // past the comma
        }
    }

    /// Whether field `index` is `url` in any case (the header test).
    func fieldIsURLHeader(_ index: Int) -> Bool {
        let field = fields[index]
        return field.count == 3 && field[0] | 0x20 == UInt8(ascii: "u") && field[1] | 0x20 == UInt8(ascii: "r")
            && field[2] | 0x20 == UInt8(ascii: "l")
    }

    /// Field `index` as a String.
    func string(_ index: Int) -> String {
        String(decoding: fields[index], as: UTF8.self)
    }

    /// Parses fields 1… into `values`, noting the first non-finite one.
    /// - Throws: For an empty or non-numeric value, with the legacy messages.
    mutating func parseValues(lineNumber: Int) throws {
        nonFinite = nil
        let valueCount = fields.count - 1
        for position in 0..<valueCount {
            var field = fields[position + 1]
            while let first = field.first, first == 0x20 || first == 0x09 {
                field = UnsafeBufferPointer(rebasing: field.dropFirst())
            }
            while let last = field.last, last == 0x20 || last == 0x09 {
                field = UnsafeBufferPointer(rebasing: field.dropLast())
            }
            if let base = field.baseAddress, let value = DecimalFloat.parse(base, count: field.count) {
                valueStorage[position] = value
                continue
            }
            let parsed = try CSVTeacherReader.value(
                String(decoding: field, as: UTF8.self), index: position + 1, file: file, line: lineNumber)
            if nonFinite == nil { nonFinite = parsed.nonFinite }
            valueStorage[position] = parsed.float
        }
        values = UnsafeBufferPointer(start: valueStorage, count: valueCount)
    }
}
