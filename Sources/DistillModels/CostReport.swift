// Copyright 2026 The Distill authors.

import Foundation

/// The costs of one MobileNet for one image: per layer, in total, and split by layer type.
///
/// Counting rules are in `CostCounts.swift`; the energy constants and their source in
/// ``CostEnergyModel``. Memory access assumes each layer reads its input and its (batch-norm-folded)
/// parameters once and writes its output once.
public struct CostReport: Sendable, Equatable, Codable {
    /// The family.
    public var architecture: MobileNetArchitecture
    /// The width multiplier α.
    public var alpha: Double
    /// The input resolution.
    public var resolution: Int
    /// The width of the last layer.
    public var outputs: Int
    /// The body variant.
    public var variant: MobileNetVariant
    /// The per-operation energies the energy figures use.
    public var energyModel: CostEnergyModel
    /// One line per layer, input → fully connected.
    public var lines: [CostLine]
    /// The sum of all lines.
    public var total: CostCounts
    /// Mult-Adds and parameters split by layer type (the paper's Table 2).
    public var shares: [CostShare]
    /// What each quantity counts, in words.
    public var conventions: [String: String]

    /// Counts every layer of a network.
    ///
    /// - Parameters:
    ///   - spec: The network.
    ///   - energyModel: The per-operation energies; Horowitz's 45 nm figures by default.
    public init(spec: MobileNetSpec, energyModel: CostEnergyModel = .horowitz45nm) {
        self.init(
            layers: spec.layers, alpha: spec.alpha, resolution: spec.resolution, outputs: spec.outputs,
            variant: spec.variant, architecture: spec.architecture, energyModel: energyModel)
    }

    /// Counts an arbitrary list of layers, such as the single layer of the paper's Table 3.
    ///
    /// - Parameters:
    ///   - layers: The layers.
    ///   - alpha: The width multiplier to record.
    ///   - resolution: The input resolution to record.
    ///   - outputs: The output width to record.
    ///   - variant: The variant to record.
    ///   - architecture: The family to record.
    ///   - energyModel: The per-operation energies.
    public init(
        layers: [LayerSpec], alpha: Double, resolution: Int, outputs: Int, variant: MobileNetVariant,
        architecture: MobileNetArchitecture = .v1, energyModel: CostEnergyModel = .horowitz45nm
    ) {
        self.architecture = architecture
        self.alpha = alpha
        self.resolution = resolution
        self.outputs = outputs
        self.variant = variant
        self.energyModel = energyModel
        self.lines = layers.map { CostLine(layer: $0, energyModel: energyModel) }
        self.total = lines.reduce(CostCounts.zero) { $0 + $1.counts }
        self.shares = CostShare.split(lines)
        self.conventions = Self.conventionTexts
    }

    /// The meaning of each counted quantity, as printed with the report and stored in its JSON.
    public static let conventionTexts: [String: String] = [
        "paperParameters": "weights only: no biases, no batch norm (the paper's convention)",
        "storedParameters":
            "weights + fully connected bias + 4 batch-norm values per channel (gamma, beta, running mean, "
            + "running variance), as trained and checkpointed (Keras's count)",
        "foldedParameters":
            "weights + one bias per output channel (batch norm folded into each convolution), as deployed",
        "multiplyAdds": "multiply-adds of convolution, depthwise, pointwise and fully connected layers; "
            + "batch norm folded, pooling ignored (the paper's convention)",
        "flops": "multiplications + additions: k×k convolution (2·k·k·M − 1)·H'·W'·N, depthwise (2·k·k − 1)·H'·W'·C, "
            + "average pool H·W·C, fully connected (2·Cin − 1)·Cout; bias adds and ReLU not counted",
        "memoryAccessBytes":
            "(input + output activations + folded parameters) × 4 bytes per layer, each read or written once",
        "energy": "multiplications × 3.7 pJ + additions × 0.9 pJ + memory elements × 5 pJ (all from SRAM, lower bound) "
            + "or × 640 pJ (all from DRAM, upper bound)",
    ]

    /// The report as pretty-printed JSON with sorted keys.
    ///
    /// - Returns: A JSON object with `alpha`, `resolution`, `outputs`, `variant`, `energyModel`, `lines`
    ///   (each with `layer` and `counts`), `total`, `shares` and `conventions`.
    /// - Throws: `ModelsError` if encoding fails (it does not for finite values).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(self)
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw ModelsError(code: .encodingFailed, message: "Encoding the cost report as JSON failed: \(error).")
        }
    }
}
