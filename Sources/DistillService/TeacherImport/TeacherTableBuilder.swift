// Copyright 2026 The Distill authors.
// Collects teacher rows from any reader and enforces the rules every format shares: one non-empty,
// unique URL per row, the same dimension on every row, finite float32 values.

import DistillStore
import Foundation

/// Validates and accumulates teacher rows; every error names the file and the line or row.
struct TeacherTableBuilder {
    let file: String
    private(set) var urls: [String] = []
    private(set) var values: [Float] = []
    private(set) var dimension: Int?
    private var firstPlace: [String: String] = [:]
    private var dimensionPlace = ""

    init(file: String) {
        self.file = file
    }

    /// Adds one row.
    /// - Parameters:
    ///   - rawURL: The image URL, already unquoted.
    ///   - vector: The values as read (Double so float64 inputs are range-checked before narrowing).
    ///   - place: Where the row is, for messages: "line 3" or "row 3".
    /// - Throws: `ServiceError.invalidArgument` naming the place and the reason.
    mutating func append(url rawURL: String, vector: [Double], place: String) throws {
        let url = rawURL.trimmingCharacters(in: .whitespaces)
        guard !url.isEmpty else {
            throw ServiceError.invalid(
                "\(file) \(place): the URL is empty; every row needs the image URL it belongs to.")
        }
        try ImageURLText.check(url, file: file, place: place)
        if let earlier = firstPlace[url] {
            throw ServiceError.invalid(
                "\(file) \(place): URL \(url) already appeared on \(earlier); each image needs exactly one vector.")
        }
        guard !vector.isEmpty else {
            throw ServiceError.invalid("\(file) \(place): no values after the URL; expected a vector of numbers.")
        }
        if let dimension {
            guard vector.count == dimension else {
                throw ServiceError.invalid(
                    "\(file) \(place): expected \(dimension) values (as on \(dimensionPlace)), found \(vector.count); "
                        + "every vector of a teacher must have the same length.")
            }
        } else {
            dimension = vector.count
            dimensionPlace = place
            values.reserveCapacity(vector.count * 1024)
        }
        for (index, value) in vector.enumerated() {
            let narrowed = Float(value)
            guard value.isFinite, narrowed.isFinite else {
                let what = value.isNaN ? "NaN" : value.isFinite ? "\(value), which overflows float32," : "\(value)"
                throw ServiceError.invalid(
                    "\(file) \(place): value \(index + 1) is \(what); teacher outputs must be finite numbers — "
                        + "fix the exporter or drop the row.")
            }
            values.append(narrowed)
        }
        firstPlace[url] = place
        urls.append(url)
    }

    /// The finished table.
    /// - Throws: When no row was read.
    func build(expecting what: String) throws -> TeacherTable {
        guard let dimension, !urls.isEmpty else {
            throw ServiceError.invalid("\(file) holds no teacher outputs; expected \(what).")
        }
        return TeacherTable(urls: urls, values: values, dimension: dimension)
    }
}
