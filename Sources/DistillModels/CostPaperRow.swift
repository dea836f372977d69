// Copyright 2026 The Distill authors.

/// One published number of a MobileNet paper beside its recomputation.
public struct CostPaperRow: Sendable, Equatable, Codable {
    /// How the recomputed number relates to the published one.
    public enum Match: String, Sendable, Codable, CaseIterable {
        /// The exact count, rounded to the published precision, is the published number.
        case exact = "yes"
        /// The exact count differs, but the paper's own shortcut for reduced resolutions (the 224 count
        /// scaled by ρ², the fully connected layer included) gives the published number.
        case resolutionScaling = "yes, by ρ² rule"
        /// The exact count minus the fully connected layer gives the published number.
        case withoutFullyConnected = "no: fc left out?"
        /// The published number is the recomputed one with two adjacent digits swapped.
        case digitSwap = "no: digit swap"
        /// The exact count cut off (not rounded) at the published precision is the published number: how the
        /// V2 and V3 papers print every one of their costs.
        case truncated = "yes, truncated"
        /// No explanation found.
        case mismatch = "NO"
    }

    /// The paper's table number.
    public var table: Int
    /// The row, as the paper labels it, such as "0.75 MobileNet-224".
    public var model: String
    /// The column: "Mult-Adds (M)", "parameters (M)", "Mult-Adds (%)" or "parameters (%)".
    public var quantity: String
    /// The number as printed in the paper.
    public var published: String
    /// The exact count, rounded to the published precision.
    public var recomputed: String
    /// The exact count (or percentage), unrounded.
    public var exactValue: Double
    /// How `recomputed` relates to `published`.
    public var match: Match
    /// Why a number differs, with the alternative value that reproduces it.
    public var note: String?

    /// Compares a published number with its recomputation and, if they differ, with the alternatives.
    ///
    /// - Parameters:
    ///   - table: The paper's table number.
    ///   - model: The row label.
    ///   - quantity: The column label.
    ///   - published: The number as printed.
    ///   - exactValue: The exact count.
    ///   - scale: The unit the paper prints in (1e6 for millions, 1 for percentages).
    ///   - resolutionScaled: The paper's ρ²-scaled count, for reduced-resolution rows.
    ///   - withoutFullyConnected: The count without the fully connected layer, for whole networks.
    ///   - truncates: Whether the paper cuts numbers off at the printed precision instead of rounding them.
    ///   - note: Why a number that matches no rule differs, when that is known.
    public init(
        table: Int, model: String, quantity: String, published: String, exactValue: Double, scale: Double,
        resolutionScaled: Double? = nil, withoutFullyConnected: Double? = nil, truncates: Bool = false,
        note explanation: String? = nil
    ) {
        self.table = table
        self.model = model
        self.quantity = quantity
        self.published = published
        self.exactValue = exactValue
        let decimals = CostFormat.decimals(of: published)
        let recomputed = CostFormat.fixed(exactValue / scale, decimals: decimals)
        self.recomputed = recomputed
        func printed(_ value: Double) -> String { CostFormat.fixed(value / scale, decimals: decimals) }
        func detailed(_ value: Double) -> String { CostFormat.fixed(value / scale, decimals: decimals + 2) }
        let factor = Self.pow10(decimals)
        let cutOff = CostFormat.fixed((exactValue / scale * factor).rounded(.down) / factor, decimals: decimals)
        if recomputed == published {
            match = .exact
        } else if truncates, cutOff == published {
            match = .truncated
            note = "exact count \(detailed(exactValue)) cut off at the printed digits is \(published)"
        } else if let scaled = resolutionScaled, printed(scaled) == published {
            match = .resolutionScaling
            note =
                "exact count \(detailed(exactValue)) rounds to \(recomputed); the paper scales the 224 count "
                + "by ρ² (fc included): \(detailed(scaled)) → \(published)"
        } else if let reduced = withoutFullyConnected, printed(reduced) == published {
            match = .withoutFullyConnected
            note =
                "exact count \(detailed(exactValue)) rounds to \(recomputed); without the fully connected "
                + "layer it is \(detailed(reduced)) → \(published)"
        } else if Self.isAdjacentSwap(recomputed, published) {
            match = .digitSwap
            note =
                "exact count \(detailed(exactValue)) rounds to \(recomputed); the paper prints \(published), "
                + "the same digits with two swapped"
        } else {
            match = .mismatch
            note =
                "exact count \(detailed(exactValue)) rounds to \(recomputed), not \(published)"
                + (explanation.map { "; \($0)" } ?? "")
        }
    }

    private static func pow10(_ decimals: Int) -> Double {
        (0..<max(decimals, 0)).reduce(1) { value, _ in value * 10 }
    }

    /// Whether two equally long strings differ exactly by swapping two neighbouring characters.
    static func isAdjacentSwap(_ left: String, _ right: String) -> Bool {
        let a = Array(left)
        let b = Array(right)
        guard a.count == b.count else { return false }
        let differing = a.indices.filter { a[$0] != b[$0] }
        guard differing.count == 2, differing[1] == differing[0] + 1 else { return false }
        return a[differing[0]] == b[differing[1]] && a[differing[1]] == b[differing[0]]
    }
}
