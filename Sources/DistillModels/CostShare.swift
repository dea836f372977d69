// Copyright 2026 The Distill authors.

/// One row of the paper's Table 2: a layer type's share of a network's Mult-Adds and parameters.
public struct CostShare: Sendable, Equatable, Codable {
    /// The layer type, such as "Conv 1x1" (see ``CostLine/typeName``).
    public var typeName: String
    /// The type's Mult-Adds, summed over its layers.
    public var multiplyAdds: Int
    /// The type's parameters in the paper's convention (weights only), summed over its layers.
    public var paperParameters: Int
    /// `multiplyAdds` as a percentage of the network's.
    public var multiplyAddsPercent: Double
    /// `paperParameters` as a percentage of the network's.
    public var parametersPercent: Double

    /// Splits a network's costs by layer type, in the order the types first appear, leaving out types
    /// with neither Mult-Adds nor parameters (the average pool).
    ///
    /// - Parameter lines: The network's cost lines.
    /// - Returns: One share per layer type.
    public static func split(_ lines: [CostLine]) -> [CostShare] {
        let totalMultiplyAdds = lines.reduce(0) { $0 + $1.counts.multiplyAdds }
        let totalParameters = lines.reduce(0) { $0 + $1.counts.paperParameters }
        var order: [String] = []
        var sums: [String: (multiplyAdds: Int, parameters: Int)] = [:]
        for line in lines {
            let name = line.typeName
            if sums[name] == nil { order.append(name) }
            let previous = sums[name] ?? (0, 0)
            sums[name] = (
                previous.multiplyAdds + line.counts.multiplyAdds,
                previous.parameters + line.counts.paperParameters
            )
        }
        return order.compactMap { name in
            guard let sum = sums[name], sum.multiplyAdds > 0 || sum.parameters > 0 else { return nil }
            return CostShare(
                typeName: name, multiplyAdds: sum.multiplyAdds, paperParameters: sum.parameters,
                multiplyAddsPercent: percent(sum.multiplyAdds, of: totalMultiplyAdds),
                parametersPercent: percent(sum.parameters, of: totalParameters))
        }
    }

    private static func percent(_ part: Int, of whole: Int) -> Double {
        whole == 0 ? 0 : 100 * Double(part) / Double(whole)
    }
}
