// Copyright 2026 The Distill authors.

extension CostReport {
    /// The report as a plain-text table: one row per layer, a total row, the totals in every
    /// convention, the energy estimate with its constants and source, and the split by layer type.
    ///
    /// - Returns: Lines of text ending in a newline.
    public func tableText() -> String {
        let family = architecture == .v1 ? "MobileNet (\(variant.rawValue))" : "MobileNet \(architecture.shortName)"
        var text = "\(family), alpha \(alpha), resolution \(resolution), \(outputs) outputs: "
        text += "costs per image (batch 1)\n\n"
        text += layerTable() + "\n\n"
        text += totalsText() + "\n\n"
        text += sharesText() + "\n"
        return text
    }

    private func layerTable() -> String {
        var rows: [[String]] = [
            [
                "layer", "type", "input", "output", "params", "params", "params", "Mult-Adds", "FLOPs", "memory",
                "energy µJ", "energy µJ",
            ],
            ["", "", "", "", "paper", "stored", "folded", "", "", "bytes", "SRAM", "DRAM"],
        ]
        for line in lines {
            let layer = line.layer
            let stride = layer.stride == 1 ? "" : "/\(layer.stride)"
            rows.append(
                [
                    layer.name, line.typeName + stride,
                    "\(layer.inputHeight)x\(layer.inputWidth)x\(layer.inputChannels)",
                    "\(layer.outputHeight)x\(layer.outputWidth)x\(layer.outputChannels)",
                ] + countCells(line.counts))
        }
        rows.append(["total", "", "", ""] + countCells(total))
        return CostFormat.columns(rows, leftColumns: 4)
    }

    private func countCells(_ counts: CostCounts) -> [String] {
        [
            CostFormat.grouped(counts.paperParameters), CostFormat.grouped(counts.storedParameters),
            CostFormat.grouped(counts.foldedParameters), CostFormat.grouped(counts.multiplyAdds),
            CostFormat.grouped(counts.flops), CostFormat.grouped(counts.memoryAccessBytes),
            CostFormat.fixed(counts.sramTotalEnergyPicojoules / 1e6, decimals: 2),
            CostFormat.fixed(counts.dramTotalEnergyPicojoules / 1e6, decimals: 2),
        ]
    }

    private func totalsText() -> String {
        func millions(_ value: Int) -> String { CostFormat.fixed(Double(value) / 1e6, decimals: 2) + " M" }
        let rows: [[String]] = [
            [
                "parameters, paper (weights only)", CostFormat.grouped(total.paperParameters),
                millions(total.paperParameters),
            ],
            [
                "parameters, stored (+ fc bias, BN gamma/beta/mean/variance)",
                CostFormat.grouped(total.storedParameters), millions(total.storedParameters),
            ],
            [
                "parameters, deployed (BN folded into a bias per channel)", CostFormat.grouped(total.foldedParameters),
                millions(total.foldedParameters),
            ],
            [
                "Mult-Adds (paper: BN folded, pooling ignored)", CostFormat.grouped(total.multiplyAdds),
                millions(total.multiplyAdds),
            ],
            ["FLOPs (multiplications + additions)", CostFormat.grouped(total.flops), millions(total.flops)],
            [
                "memory access (activations in + out + weights, fp32)", CostFormat.grouped(total.memoryAccessBytes),
                CostFormat.fixed(Double(total.memoryAccessBytes) / 1e6, decimals: 2) + " MB",
            ],
        ]
        let compute = CostFormat.fixed(total.computeEnergyPicojoules / 1e6, decimals: 2)
        let sram = CostFormat.fixed(total.sramEnergyPicojoules / 1e6, decimals: 2)
        let dram = CostFormat.fixed(total.dramEnergyPicojoules / 1e6, decimals: 2)
        let low = CostFormat.fixed(total.sramTotalEnergyPicojoules / 1e6, decimals: 2)
        let high = CostFormat.fixed(total.dramTotalEnergyPicojoules / 1e6, decimals: 2)
        var text = "Totals\n" + CostFormat.columns(rows, leftColumns: 1, indent: "  ") + "\n\n"
        text += "Energy estimate per image: \(low) µJ (memory in SRAM) to \(high) µJ (memory in DRAM)\n"
        text += "  arithmetic \(compute) µJ + memory \(sram) µJ (SRAM) or \(dram) µJ (DRAM)\n"
        text += "  constants: fp32 multiply \(energyModel.multiplyPicojoules) pJ, fp32 add "
        text += "\(energyModel.addPicojoules) pJ, 32-bit SRAM access \(energyModel.sramAccessPicojoules) pJ, "
        text += "32-bit DRAM access \(energyModel.dramAccessPicojoules) pJ\n"
        text += "  source: \(energyModel.source)"
        return text
    }

    private func sharesText() -> String {
        var rows: [[String]] = [["type", "Mult-Adds", "share", "parameters", "share"]]
        for share in shares {
            rows.append([
                share.typeName, CostFormat.grouped(share.multiplyAdds),
                CostFormat.fixed(share.multiplyAddsPercent, decimals: 2) + "%",
                CostFormat.grouped(share.paperParameters),
                CostFormat.fixed(share.parametersPercent, decimals: 2) + "%",
            ])
        }
        return "By layer type (the paper's Table 2 split; parameters in the paper's convention)\n"
            + CostFormat.columns(rows, leftColumns: 1, indent: "  ")
    }
}
