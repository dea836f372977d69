// Copyright 2026 The Distill authors.
// Printing for people (aligned tables) and scripts (JSON, CSV).

import ArgumentParser
import DistillStore
import Foundation

/// How a listing is printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

enum Output {
    /// Pretty, key-sorted, snake_case JSON of any encodable value.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Columns padded to their widest cell; control characters in cells are shown as escapes.
    static func table(_ columns: [String], _ rawRows: [[String]]) -> String {
        let rows = rawRows.map { $0.map(TerminalText.printable) }
        var widths = columns.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(columns)] + rows.map(line)).joined(separator: "\n")
    }

    /// RFC 4180 CSV.
    static func csv(_ columns: [String], _ rows: [[String]]) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        return ([columns] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n")
    }

    static func render(_ table: QueryTable, as format: OutputFormat) throws -> String {
        switch format {
        case .table: return Output.table(table.columns, table.rows.map { $0.map(\.description) })
        case .csv: return Output.csv(table.columns, table.rows.map { $0.map(\.description) })
        case .json:
            let objects = table.rows.map { row in
                Dictionary(uniqueKeysWithValues: zip(table.columns, row))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(objects), as: UTF8.self)
        }
    }
}
