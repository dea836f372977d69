// Copyright 2026 The Distill authors.

/// A query result for people and scripts: named columns and rows of SQLite values.
public struct QueryTable: Sendable, Equatable {
    /// One SQLite value.
    public enum Value: Sendable, Equatable, Encodable, CustomStringConvertible {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)

        public var description: String {
            switch self {
            case .null: return ""
            case .integer(let value): return String(value)
            case .real(let value): return String(value)
            case .text(let value): return value
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .integer(let value): try container.encode(value)
            case .real(let value): try container.encode(value)
            case .text(let value): try container.encode(value)
            }
        }
    }

    /// Column names, in order.
    public var columns: [String]
    /// Rows; each has one value per column.
    public var rows: [[Value]]

    /// Creates a table.
    public init(columns: [String], rows: [[Value]]) {
        self.columns = columns
        self.rows = rows
    }
}
