// Copyright 2026 The Distill authors.
//
// The counting rules of Distill's cost model, for one layer of one image (batch 1). Letters: k kernel
// side, M input channels, N output channels, H×W input size, H'×W' output size, C channels of a
// depthwise or pooling layer. Convolutions count every kernel tap as the paper does (padding taps
// included), so a k×k convolution does k·k·M·H'·W'·N multiply-adds.
//
// | layer          | weights (paper) | Mult-Adds     | multiplications | additions           |
// |----------------|-----------------|---------------|-----------------|---------------------|
// | k×k convolution| k·k·M·N         | k·k·M·H'W'·N  | = Mult-Adds     | (k·k·M − 1)·H'W'·N  |
// | depthwise k×k  | k·k·C           | k·k·H'W'·C    | = Mult-Adds     | (k·k − 1)·H'W'·C    |
// | pointwise 1x1  | M·N             | M·H'W'·N      | = Mult-Adds     | (M − 1)·H'W'·N      |
// | global avg pool| 0               | 0 (ignored)   | C (× 1/(H·W))   | (H·W − 1)·C         |
// | fully connected| Cin·Cout        | Cin·Cout      | = Mult-Adds     | (Cin − 1)·Cout      |
// | squeeze-excite | 2·C·S           | 2·C·S         | 2·C·S + C·H·W   | (H·W − 1)·C + (C − 1)·S + (S − 1)·C |
//
// Squeeze-and-excitation (V3; S squeeze channels) counts its two 1x1 layers as Mult-Adds, and its pool
// and its per-channel scaling of the C·H·W input as multiplications and additions only. A V2 or V3
// projection that adds its block's input does H'·W'·N more additions and reads H'·W'·N more elements.
//
// FLOPs = multiplications + additions, so a k×k convolution without bias has (2·k·k·M − 1)·H'·W'·N
// FLOPs and a fully connected layer (2·Cin − 1)·Cout. Not counted in FLOPs: bias adds (the folded batch
// norm's and the fully connected layer's) and ReLU (one per output element each, if you want them).

/// The costs of one layer, or of a whole network, for one image.
public struct CostCounts: Sendable, Equatable, Codable {
    /// Parameters as the paper counts them: weights only (no biases, no batch norm).
    public var paperParameters: Int
    /// Parameters as stored for training and in checkpoints.
    ///
    /// Weights, the fully connected bias, and four batch-norm values per channel (γ, β, running mean,
    /// running variance); Keras reports this count.
    public var storedParameters: Int
    /// Parameters as deployed for inference with batch norm folded into each convolution: weights plus
    /// one bias per output channel of every convolution, depthwise, pointwise and fully connected layer.
    public var foldedParameters: Int
    /// Multiply-adds as the paper counts them (batch norm folded, pooling ignored).
    public var multiplyAdds: Int
    /// fp32 multiplications.
    public var multiplications: Int
    /// fp32 additions.
    public var additions: Int
    /// Floating-point operations: multiplications + additions.
    public var flops: Int
    /// Elements read or written: input activations + output activations + folded parameters.
    public var memoryAccessElements: Int
    /// `memoryAccessElements` × 4 bytes (fp32).
    public var memoryAccessBytes: Int
    /// Energy of the arithmetic under the energy model, in picojoules.
    public var computeEnergyPicojoules: Double
    /// Energy of the memory accesses if every element comes from on-chip SRAM, in picojoules.
    public var sramEnergyPicojoules: Double
    /// Energy of the memory accesses if every element comes from DRAM, in picojoules.
    public var dramEnergyPicojoules: Double

    /// All counts zero.
    public static let zero = CostCounts(
        paperParameters: 0, storedParameters: 0, foldedParameters: 0, multiplyAdds: 0, multiplications: 0,
        additions: 0, memoryAccessElements: 0, energyModel: .horowitz45nm)

    /// Creates counts from the primary quantities; FLOPs, bytes and energies are derived.
    ///
    /// - Parameters:
    ///   - paperParameters: Weights only.
    ///   - storedParameters: Weights, biases and four batch-norm values per channel.
    ///   - foldedParameters: Weights and one bias per output channel.
    ///   - multiplyAdds: Multiply-adds as the paper counts them.
    ///   - multiplications: fp32 multiplications.
    ///   - additions: fp32 additions.
    ///   - memoryAccessElements: Elements read or written.
    ///   - energyModel: The per-operation energies.
    public init(
        paperParameters: Int, storedParameters: Int, foldedParameters: Int, multiplyAdds: Int,
        multiplications: Int, additions: Int, memoryAccessElements: Int, energyModel: CostEnergyModel
    ) {
        self.paperParameters = paperParameters
        self.storedParameters = storedParameters
        self.foldedParameters = foldedParameters
        self.multiplyAdds = multiplyAdds
        self.multiplications = multiplications
        self.additions = additions
        self.flops = multiplications + additions
        self.memoryAccessElements = memoryAccessElements
        self.memoryAccessBytes = memoryAccessElements * 4
        self.computeEnergyPicojoules = energyModel.computeEnergy(
            multiplications: multiplications, additions: additions)
        self.sramEnergyPicojoules = Double(memoryAccessElements) * energyModel.sramAccessPicojoules
        self.dramEnergyPicojoules = Double(memoryAccessElements) * energyModel.dramAccessPicojoules
    }

    /// Counts one layer by the rules in this file's header.
    ///
    /// - Parameters:
    ///   - layer: The layer, with its shapes.
    ///   - energyModel: The per-operation energies.
    public init(layer: LayerSpec, energyModel: CostEnergyModel = .horowitz45nm) {
        let taps = layer.kernel * layer.kernel
        let outputPixels = layer.outputHeight * layer.outputWidth
        let inputPixels = layer.inputHeight * layer.inputWidth
        let inputs = inputPixels * layer.inputChannels
        let outputs = outputPixels * layer.outputChannels
        let weights: Int
        let multiplyAdds: Int
        let multiplications: Int
        let additions: Int
        var biases = 0
        switch layer.kind {
        case .convolution, .pointwise:
            weights = taps * layer.inputChannels * layer.outputChannels
            multiplyAdds = weights * outputPixels
            multiplications = multiplyAdds
            additions = (taps * layer.inputChannels - 1) * outputs
        case .depthwise:
            weights = taps * layer.outputChannels
            multiplyAdds = weights * outputPixels
            multiplications = multiplyAdds
            additions = (taps - 1) * outputs
        case .averagePool:
            weights = 0
            multiplyAdds = 0
            multiplications = layer.outputChannels
            additions = (inputPixels - 1) * layer.outputChannels
        case .fullyConnected:
            weights = layer.inputChannels * layer.outputChannels
            biases = layer.outputChannels
            multiplyAdds = weights
            multiplications = weights
            additions = (layer.inputChannels - 1) * layer.outputChannels
        case .squeezeExcite:
            let channels = layer.inputChannels
            let squeeze = layer.squeezeChannels
            weights = 2 * channels * squeeze
            biases = channels + squeeze
            multiplyAdds = weights
            multiplications = weights + channels + inputs
            additions = (inputPixels - 1) * channels + (channels - 1) * squeeze + (squeeze - 1) * channels
        }
        let residual = layer.addsResidual ? outputs : 0
        let batchNormValues = layer.hasBatchNorm ? 4 * layer.outputChannels : 0
        let foldedBiases = layer.hasBatchNorm ? layer.outputChannels : biases
        self.init(
            paperParameters: weights, storedParameters: weights + biases + batchNormValues,
            foldedParameters: weights + foldedBiases, multiplyAdds: multiplyAdds, multiplications: multiplications,
            additions: additions + residual, memoryAccessElements: inputs + outputs + weights + foldedBiases + residual,
            energyModel: energyModel)
    }

    /// Energy estimate with every memory access served from SRAM (a lower bound), in picojoules.
    public var sramTotalEnergyPicojoules: Double { computeEnergyPicojoules + sramEnergyPicojoules }
    /// Energy estimate with every memory access served from DRAM (an upper bound), in picojoules.
    public var dramTotalEnergyPicojoules: Double { computeEnergyPicojoules + dramEnergyPicojoules }

    /// The element-wise sum of two sets of counts.
    ///
    /// - Parameters:
    ///   - left: One set of counts.
    ///   - right: Another.
    /// - Returns: Their sum.
    public static func + (left: CostCounts, right: CostCounts) -> CostCounts {
        var sum = left
        sum.paperParameters += right.paperParameters
        sum.storedParameters += right.storedParameters
        sum.foldedParameters += right.foldedParameters
        sum.multiplyAdds += right.multiplyAdds
        sum.multiplications += right.multiplications
        sum.additions += right.additions
        sum.flops += right.flops
        sum.memoryAccessElements += right.memoryAccessElements
        sum.memoryAccessBytes += right.memoryAccessBytes
        sum.computeEnergyPicojoules += right.computeEnergyPicojoules
        sum.sramEnergyPicojoules += right.sramEnergyPicojoules
        sum.dramEnergyPicojoules += right.dramEnergyPicojoules
        return sum
    }
}
