// Copyright 2026 The Distill authors.

/// Per-operation energies used to turn operation and memory-access counts into an energy estimate.
///
/// The default, ``horowitz45nm``, is the 45 nm, 0.9 V table of M. Horowitz, "Computing's energy problem
/// (and what we can do about it)", ISSCC 2014, in its 32-bit form as tabulated by S. Han et al.,
/// "Learning both Weights and Connections for Efficient Neural Networks", NeurIPS 2015, Table 1:
/// fp32 multiply 3.7 pJ, fp32 add 0.9 pJ, 32-bit SRAM (8 KB cache) read 5 pJ, 32-bit DRAM read 640 pJ.
/// The estimate is a model of a 45 nm accelerator, not a measurement of this machine: it counts only
/// the arithmetic and the memory words moved, never instruction overheads, caches misses or idle power.
public struct CostEnergyModel: Sendable, Equatable, Codable {
    /// Energy of one fp32 multiplication, in picojoules.
    public var multiplyPicojoules: Double
    /// Energy of one fp32 addition, in picojoules.
    public var addPicojoules: Double
    /// Energy of one 32-bit on-chip SRAM access, in picojoules.
    public var sramAccessPicojoules: Double
    /// Energy of one 32-bit off-chip DRAM access, in picojoules.
    public var dramAccessPicojoules: Double
    /// Where the constants come from.
    public var source: String

    /// Creates an energy model.
    ///
    /// - Parameters:
    ///   - multiplyPicojoules: Energy of one fp32 multiplication.
    ///   - addPicojoules: Energy of one fp32 addition.
    ///   - sramAccessPicojoules: Energy of one 32-bit SRAM access.
    ///   - dramAccessPicojoules: Energy of one 32-bit DRAM access.
    ///   - source: Where the constants come from.
    public init(
        multiplyPicojoules: Double, addPicojoules: Double, sramAccessPicojoules: Double,
        dramAccessPicojoules: Double, source: String
    ) {
        self.multiplyPicojoules = multiplyPicojoules
        self.addPicojoules = addPicojoules
        self.sramAccessPicojoules = sramAccessPicojoules
        self.dramAccessPicojoules = dramAccessPicojoules
        self.source = source
    }

    /// Horowitz, ISSCC 2014, 45 nm at 0.9 V, 32-bit values (as tabulated by Han et al., NeurIPS 2015).
    public static let horowitz45nm = CostEnergyModel(
        multiplyPicojoules: 3.7, addPicojoules: 0.9, sramAccessPicojoules: 5, dramAccessPicojoules: 640,
        source: "M. Horowitz, \"Computing's energy problem (and what we can do about it)\", ISSCC 2014, "
            + "45 nm, 0.9 V; 32-bit figures as tabulated in S. Han et al., NeurIPS 2015, Table 1")

    /// The energy of the arithmetic: multiplications × multiply energy + additions × add energy.
    ///
    /// - Parameters:
    ///   - multiplications: fp32 multiplications.
    ///   - additions: fp32 additions.
    /// - Returns: Picojoules.
    public func computeEnergy(multiplications: Int, additions: Int) -> Double {
        Double(multiplications) * multiplyPicojoules + Double(additions) * addPicojoules
    }
}
