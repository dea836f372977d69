// Copyright 2026 The Distill authors.
// Enforces the rules every teacher format shares, row by row as the readers stream them: one non-empty,
// unique URL per row, the same dimension on every row, finite float32 values. Validated rows leave in
// batches of about 1 MiB, so memory holds one batch and the set of URLs seen, never the vectors.

import DistillStore
import Foundation

/// A block of validated rows on their way from a reader to the store.
struct TeacherRowBatch: Sendable {
    /// One URL per row.
    var urls: [String] = []
    /// Row-major values, `urls.count × dimension`.
    var values: [Float] = []
    /// How far into the teacher file the reader was after these rows (bytes), for progress.
    var fileOffset: Int64 = 0
}

/// A value that is not a finite float32, as found while parsing a row (reported after the row's other checks).
struct NonFiniteValue {
    /// 1-based index within the vector.
    var index: Int
    /// The value as read, before narrowing to float32.
    var value: Double
}

/// Validates rows and hands them on in batches; every error names the file and the line or row.
struct TeacherRowValidator {
    let file: String
    private(set) var dimension: Int?
    private(set) var rowCount = 0
    private var dimensionPlace = ""
    private var firstRow: [String: Int] = [:]
    private let describe: (Int) -> String
    private var batch = TeacherRowBatch()
    private var batchRows = 1024
    private let emit: (TeacherRowBatch) throws -> Void

    /// Creates a validator.
    /// - Parameters:
    ///   - file: The teacher file, for messages.
    ///   - describe: The place of row number `n` for messages: "line n" or "row n (urls.txt line n)".
    ///   - emit: Receives each full batch (and the last, partial one from `finish`).
    init(file: String, describe: @escaping (Int) -> String, emit: @escaping (TeacherRowBatch) throws -> Void) {
        self.file = file
        self.describe = describe
        self.emit = emit
    }

    /// Adds one row.
    /// - Parameters:
    ///   - rawURL: The image URL, already unquoted.
    ///   - values: The vector, narrowed to float32 (meaningful only when `nonFinite` is nil).
    ///   - nonFinite: The first value that is NaN, infinite or beyond float32's range, if any.
    ///   - number: The row's line or row number, for messages.
    ///   - fileOffset: Bytes of the file read so far, for progress.
    /// - Throws: `ServiceError.invalidArgument` naming the place and the reason.
    mutating func append(
        url rawURL: String, values: UnsafeBufferPointer<Float>, nonFinite: NonFiniteValue?, number: Int,
        fileOffset: Int64
    ) throws {
        let url = Self.trimmed(rawURL, newlines: false)
        guard !url.isEmpty else {
            throw ServiceError.invalid(
                "\(file) \(describe(number)): the URL is empty; every row needs the image URL it belongs to.")
        }
        try ImageURLText.check(url, file: file, place: describe(number))
        if let earlier = firstRow[url] {
            throw ServiceError.invalid(
                "\(file) \(describe(number)): URL \(url) already appeared on \(describe(earlier)); "
                    + "each image needs exactly one vector.")
        }
        guard !values.isEmpty else {
            throw ServiceError.invalid(
                "\(file) \(describe(number)): no values after the URL; expected a vector of numbers.")
        }
        if values.count > TeacherImportLimits.maxDimension {
            throw TeacherImportLimits.tooManyValues(file: file, place: describe(number), count: "\(values.count)")
        }
        if let dimension {
            guard values.count == dimension else {
                throw ServiceError.invalid(
                    "\(file) \(describe(number)): expected \(dimension) values (as on \(dimensionPlace)), "
                        + "found \(values.count); every vector of a teacher must have the same length.")
            }
        } else {
            dimension = values.count
            dimensionPlace = describe(number)
            batchRows = max(1, (1 << 18) / values.count)
            batch.values.reserveCapacity(batchRows * values.count)
        }
        if let nonFinite {
            let value = nonFinite.value
            let what = value.isNaN ? "NaN" : value.isFinite ? "\(value), which overflows float32," : "\(value)"
            throw ServiceError.invalid(
                "\(file) \(describe(number)): value \(nonFinite.index) is \(what); teacher outputs must be finite "
                    + "numbers — fix the exporter or drop the row.")
        }
        firstRow[url] = number
        batch.urls.append(url)
        batch.values.append(contentsOf: values)
        rowCount += 1
        if batch.urls.count >= batchRows {
            batch.fileOffset = fileOffset
            try emit(batch)
            batch.urls.removeAll(keepingCapacity: true)
            batch.values.removeAll(keepingCapacity: true)
        }
    }

    /// `text` without leading and trailing `.whitespaces` (or `.whitespacesAndNewlines`), as Foundation
    /// trims, but without Foundation's cost in the common case of nothing to trim.
    static func trimmed(_ text: String, newlines: Bool) -> String {
        func isPlain(_ byte: UInt8?) -> Bool {
            guard let byte else { return false }
            return byte < 0x80 && byte != 0x20 && byte != 0x09 && !(newlines && byte >= 0x0A && byte <= 0x0D)
        }
        if isPlain(text.utf8.first) && isPlain(text.utf8.last) { return text }
        return text.trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces)
    }

    /// Hands on the last rows.
    /// - Parameters:
    ///   - what: The expected content, for the message when the file held no rows.
    ///   - fileOffset: Bytes of the file read, for progress.
    /// - Returns: The dimension.
    /// - Throws: When no row was read.
    mutating func finish(expecting what: String, fileOffset: Int64) throws -> Int {
        guard let dimension, rowCount > 0 else {
            throw ServiceError.invalid("\(file) holds no teacher outputs; expected \(what).")
        }
        if !batch.urls.isEmpty {
            batch.fileOffset = fileOffset
            try emit(batch)
            batch = TeacherRowBatch()
        }
        return dimension
    }
}
