// Copyright 2026 The Distill authors.

/// Number and column formatting for cost tables, independent of the locale.
enum CostFormat {
    /// An integer with thousands separators: 10838016 → "10,838,016".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// A number rounded to a fixed number of decimals, ties away from zero: (568.74, 0) → "569",
    /// (1.319648, 2) → "1.32".
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return String(value) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value.magnitude * scale).rounded(.toNearestOrAwayFromZero)
        let digits = String(Int(scaled))
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard decimals > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
        let point = padded.index(padded.endIndex, offsetBy: -decimals)
        return sign + padded[..<point] + "." + padded[point...]
    }

    /// The number of digits after the decimal point in a printed number: "52.3" → 1, "569" → 0.
    static func decimals(of printed: String) -> Int {
        guard let point = printed.firstIndex(of: ".") else { return 0 }
        return printed.distance(from: printed.index(after: point), to: printed.endIndex)
    }

    /// Text padded with spaces to a width, aligned left or right.
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }

    /// Rows of cells laid out in columns, the first `leftColumns` aligned left and the rest right.
    static func columns(_ rows: [[String]], leftColumns: Int, indent: String = "") -> String {
        let count = rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            let cells = row.enumerated().map { index, cell in
                pad(cell, widths[index], right: index >= leftColumns)
            }
            var line = indent + cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
