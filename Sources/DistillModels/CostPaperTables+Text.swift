// Copyright 2026 The Distill authors.

import Foundation

extension CostPaperTables {
    /// The tables as plain text: for each, the published number, the recomputed one at the same
    /// precision, the exact count and whether they match; then a one-line summary.
    ///
    /// - Parameter tables: The tables from ``tables()``.
    /// - Returns: Lines of text ending in a newline.
    public static func text(_ tables: [CostPaperTable]) -> String {
        var text = "MobileNets (Howard et al., arXiv 1704.04861), MobileNetV2 (Sandler et al., arXiv 1801.04381) and "
        text += "MobileNetV3 (Howard et al., arXiv 1905.02244):\npublished costs vs recomputed from the layer list\n"
        text += "Counts: Mult-Adds of conv, depthwise and fc layers (BN folded, pooling ignored); parameters are "
        text += "weights only (no biases, no BN; V3's squeeze-excite 1x1 weights included); 1000 classes.\n"
        text += "A number matches when the exact count, rounded to the digits the paper prints, is the same.\n"
        for table in tables {
            text += "\n\(table.paper.map { "\($0) " } ?? "")Table \(table.number). \(table.title)\n"
            var rows: [[String]] = [["model", "quantity", "published", "recomputed", "exact", "match"]]
            for row in table.rows {
                let exact: String =
                    row.quantity.hasSuffix("(%)")
                    ? CostFormat.fixed(row.exactValue, decimals: 4) : CostFormat.grouped(Int(row.exactValue))
                rows.append([row.model, row.quantity, row.published, row.recomputed, exact, row.match.rawValue])
            }
            text += CostFormat.columns(rows, leftColumns: 2, indent: "  ") + "\n"
            for row in table.rows where row.note != nil {
                text += "  * \(row.model), \(row.quantity): \(row.note ?? "")\n"
            }
            for note in table.notes { text += "  Note: \(note)\n" }
        }
        text += "\n" + summary(tables) + "\n"
        return text
    }

    /// A one-line tally of the matches.
    ///
    /// For example "44 published numbers: 40 match exactly, 2 match by the paper's ρ² rule, …".
    ///
    /// - Parameter tables: The tables from ``tables()``.
    /// - Returns: The tally.
    public static func summary(_ tables: [CostPaperTable]) -> String {
        let rows = tables.flatMap(\.rows)
        func count(_ match: CostPaperRow.Match) -> Int { rows.filter { $0.match == match }.count }
        var parts = ["\(count(.exact)) match exactly"]
        if count(.resolutionScaling) > 0 { parts.append("\(count(.resolutionScaling)) match by the paper's ρ² rule") }
        if count(.withoutFullyConnected) > 0 {
            parts.append("\(count(.withoutFullyConnected)) match only without the fc layer")
        }
        if count(.digitSwap) > 0 { parts.append("\(count(.digitSwap)) is a digit swap in the paper") }
        if count(.truncated) > 0 { parts.append("\(count(.truncated)) match cut off at the printed digits") }
        if count(.mismatch) > 0 { parts.append("\(count(.mismatch)) DO NOT MATCH") }
        return "\(rows.count) published numbers: " + parts.joined(separator: ", ") + "."
    }

    /// The tables as pretty-printed JSON with sorted keys (an array of tables, each with its rows).
    ///
    /// - Parameter tables: The tables from ``tables()``.
    /// - Returns: The JSON text.
    /// - Throws: `ModelsError` with code `.encodingFailed` if encoding fails.
    public static func jsonText(_ tables: [CostPaperTable]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(tables), as: UTF8.self)
        } catch {
            throw ModelsError(code: .encodingFailed, message: "Encoding the paper's tables as JSON failed: \(error).")
        }
    }
}
