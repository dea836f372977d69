// Copyright 2026 The Distill authors.

/// One row of a cost report: a layer and its costs for one image.
public struct CostLine: Sendable, Equatable, Codable {
    /// The layer, with its shapes.
    public var layer: LayerSpec
    /// Its costs.
    public var counts: CostCounts

    /// Counts one layer.
    ///
    /// - Parameters:
    ///   - layer: The layer.
    ///   - energyModel: The per-operation energies.
    public init(layer: LayerSpec, energyModel: CostEnergyModel = .horowitz45nm) {
        self.layer = layer
        self.counts = CostCounts(layer: layer, energyModel: energyModel)
    }

    /// The layer's type as Table 2 of the paper names it: "Conv 1x1", "Conv DW 3x3", "Conv 3x3",
    /// "Average Pool" or "Fully Connected" (and "Conv DW 5x5", "Squeeze-Excite" for V3).
    public var typeName: String {
        switch layer.kind {
        case .convolution: "Conv \(layer.kernel)x\(layer.kernel)"
        case .depthwise: "Conv DW \(layer.kernel)x\(layer.kernel)"
        case .pointwise: "Conv 1x1"
        case .averagePool: "Average Pool"
        case .fullyConnected: "Fully Connected"
        case .squeezeExcite: "Squeeze-Excite"
        }
    }
}
