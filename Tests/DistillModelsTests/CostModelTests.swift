// Copyright 2026 The Distill authors.

import Foundation
import Testing

@testable import DistillModels

/// Every number `distill cost --paper` prints, transcribed from the paper (arXiv 1704.04861), with how
/// the recomputation is expected to relate to it.
private let publishedNumbers:
    [(
        table: Int, model: String, quantity: String, published: String,
        match: CostPaperRow.Match
    )] = [
        (2, "Conv 1x1", "Mult-Adds (%)", "94.86", .exact), (2, "Conv 1x1", "parameters (%)", "74.59", .exact),
        (2, "Conv DW 3x3", "Mult-Adds (%)", "3.06", .exact), (2, "Conv DW 3x3", "parameters (%)", "1.06", .exact),
        (2, "Conv 3x3", "Mult-Adds (%)", "1.19", .digitSwap), (2, "Conv 3x3", "parameters (%)", "0.02", .exact),
        (2, "Fully Connected", "Mult-Adds (%)", "0.18", .exact),
        (2, "Fully Connected", "parameters (%)", "24.33", .exact),
        (3, "Convolution", "Mult-Adds (M)", "462", .exact),
        (3, "Convolution", "parameters (M)", "2.36", .exact),
        (3, "Depthwise Separable Conv", "Mult-Adds (M)", "52.3", .exact),
        (3, "Depthwise Separable Conv", "parameters (M)", "0.27", .exact),
        (3, "α = 0.75", "Mult-Adds (M)", "29.6", .exact), (3, "α = 0.75", "parameters (M)", "0.15", .exact),
        (3, "ρ = 0.714", "Mult-Adds (M)", "15.1", .exact), (3, "ρ = 0.714", "parameters (M)", "0.15", .exact),
        (4, "Conv MobileNet", "Mult-Adds (M)", "4866", .withoutFullyConnected),
        (4, "Conv MobileNet", "parameters (M)", "29.3", .exact),
        (4, "MobileNet", "Mult-Adds (M)", "569", .exact), (4, "MobileNet", "parameters (M)", "4.2", .exact),
        (5, "0.75 MobileNet", "Mult-Adds (M)", "325", .exact), (5, "0.75 MobileNet", "parameters (M)", "2.6", .exact),
        (5, "Shallow MobileNet", "Mult-Adds (M)", "307", .exact),
        (5, "Shallow MobileNet", "parameters (M)", "2.9", .exact),
        (6, "1.0 MobileNet-224", "Mult-Adds (M)", "569", .exact),
        (6, "1.0 MobileNet-224", "parameters (M)", "4.2", .exact),
        (6, "0.75 MobileNet-224", "Mult-Adds (M)", "325", .exact),
        (6, "0.75 MobileNet-224", "parameters (M)", "2.6", .exact),
        (6, "0.50 MobileNet-224", "Mult-Adds (M)", "149", .exact),
        (6, "0.50 MobileNet-224", "parameters (M)", "1.3", .exact),
        (6, "0.25 MobileNet-224", "Mult-Adds (M)", "41", .exact),
        (6, "0.25 MobileNet-224", "parameters (M)", "0.5", .exact),
        (7, "1.0 MobileNet-224", "Mult-Adds (M)", "569", .exact),
        (7, "1.0 MobileNet-224", "parameters (M)", "4.2", .exact),
        (7, "1.0 MobileNet-192", "Mult-Adds (M)", "418", .exact),
        (7, "1.0 MobileNet-192", "parameters (M)", "4.2", .exact),
        (7, "1.0 MobileNet-160", "Mult-Adds (M)", "290", .resolutionScaling),
        (7, "1.0 MobileNet-160", "parameters (M)", "4.2", .exact),
        (7, "1.0 MobileNet-128", "Mult-Adds (M)", "186", .exact),
        (7, "1.0 MobileNet-128", "parameters (M)", "4.2", .exact),
        (8, "1.0 MobileNet-224", "Mult-Adds (M)", "569", .exact),
        (8, "1.0 MobileNet-224", "parameters (M)", "4.2", .exact),
        (9, "0.50 MobileNet-160", "Mult-Adds (M)", "76", .resolutionScaling),
        (9, "0.50 MobileNet-160", "parameters (M)", "1.32", .exact),
    ]

@Suite("Cost model")
struct CostModelTests {
    // MARK: - The paper

    @Test("every published number is reproduced or its difference explained", arguments: publishedNumbers.indices)
    func paperNumber(index: Int) throws {
        let expected = publishedNumbers[index]
        let rows = try CostPaperTables.tables().flatMap(\.rows)
        let row = try #require(
            rows.first { $0.table == expected.table && $0.model == expected.model && $0.quantity == expected.quantity })
        #expect(row.published == expected.published)
        #expect(row.match == expected.match, "\(row.model) \(row.quantity): \(row.note ?? "")")
        if expected.match == .exact {
            #expect(row.recomputed == expected.published)
            #expect(row.note == nil)
        } else {
            #expect(row.recomputed != expected.published)
            #expect(row.note != nil)
        }
    }

    @Test("--paper prints V1 Tables 2 to 9, then V2's Table 4 and V3's Table 3, and no number beyond the transcribed ones")
    func paperTableList() throws {
        let all = try CostPaperTables.tables()
        let tables = all.filter { $0.paper == nil }
        #expect(tables.map(\.number) == [2, 3, 4, 5, 6, 7, 8, 9])
        #expect(all.filter { $0.paper != nil }.map(\.number) == [4, 3])
        #expect(tables.flatMap(\.rows).count == publishedNumbers.count)
        #expect(tables.flatMap(\.rows).allSatisfy { $0.match != .mismatch })
        #expect(
            CostPaperTables.summary(tables)
                == "44 published numbers: 40 match exactly, 2 match by the paper's ρ² rule, "
                + "1 match only without the fc layer, 1 is a digit swap in the paper.")
        #expect(
            CostPaperTables.summary(all)
                == "50 published numbers: 41 match exactly, 2 match by the paper's ρ² rule, "
                + "1 match only without the fc layer, 1 is a digit swap in the paper, "
                + "4 match cut off at the printed digits, 1 DO NOT MATCH.")
    }

    @Test("the conv 3x3 share is 1.91% by the layer table and the paper's 1.19% is its digit swap")
    func table2DigitSwap() throws {
        let report = CostReport(spec: try MobileNetSpec(alpha: 1, resolution: 224, outputs: 1000))
        let convolution = try #require(report.shares.first { $0.typeName == "Conv 3x3" })
        #expect(convolution.multiplyAdds == 112 * 112 * 32 * 27)
        #expect(CostFormat.fixed(convolution.multiplyAddsPercent, decimals: 2) == "1.91")
        #expect(CostPaperRow.isAdjacentSwap("1.91", "1.19"))
        #expect(!CostPaperRow.isAdjacentSwap("1.91", "1.92"))
        #expect(!CostPaperRow.isAdjacentSwap("4867", "4866"))
        let sum = report.shares.reduce(0) { $0 + $1.multiplyAddsPercent }
        #expect(abs(sum - 100) < 1e-9)
    }

    // MARK: - Counting rules on hand-computed layers

    @Test("a 3x3 stride-2 convolution: weights, Mult-Adds, FLOPs, memory, energy")
    func convolutionByHand() {
        // 5x5x3 input, 2 outputs, stride 2 → 3x3x2.
        let layer = LayerSpec.spatial(
            name: "c", kind: .convolution, stride: 2, inputChannels: 3, outputChannels: 2, inputSize: 5)
        #expect(layer.outputHeight == 3)
        let counts = CostCounts(layer: layer)
        #expect(counts.paperParameters == 54)  // 3·3·3·2
        #expect(counts.storedParameters == 54 + 4 * 2)  // + γ, β, mean, variance per channel
        #expect(counts.foldedParameters == 54 + 2)  // + one bias per channel
        #expect(counts.multiplyAdds == 486)  // 54 · 3·3
        #expect(counts.multiplications == 486)
        #expect(counts.additions == 468)  // (27 − 1) · 9 · 2
        #expect(counts.flops == (2 * 3 * 3 * 3 - 1) * 3 * 3 * 2)  // 954
        #expect(counts.memoryAccessElements == 75 + 18 + 56)
        #expect(counts.memoryAccessBytes == 596)
        #expect(abs(counts.computeEnergyPicojoules - (486 * 3.7 + 468 * 0.9)) < 1e-9)
        #expect(abs(counts.sramEnergyPicojoules - 149 * 5) < 1e-9)
        #expect(abs(counts.dramEnergyPicojoules - 149 * 640) < 1e-9)
    }

    @Test("a depthwise 3x3, a pointwise 1x1, a pool and a fully connected layer by hand")
    func otherLayersByHand() {
        let depthwise = CostCounts(
            layer: .spatial(name: "d", kind: .depthwise, stride: 1, inputChannels: 4, outputChannels: 4, inputSize: 6))
        #expect(depthwise.paperParameters == 36)
        #expect(depthwise.multiplyAdds == 36 * 36)
        #expect(depthwise.flops == (2 * 9 - 1) * 36 * 4)  // 2448
        #expect(depthwise.memoryAccessBytes == (144 + 144 + 36 + 4) * 4)

        let pointwise = CostCounts(
            layer: .spatial(name: "p", kind: .pointwise, stride: 1, inputChannels: 5, outputChannels: 3, inputSize: 4))
        #expect(pointwise.paperParameters == 15)
        #expect(pointwise.multiplyAdds == 240)
        #expect(pointwise.flops == (2 * 5 - 1) * 16 * 3)  // 432
        #expect(pointwise.memoryAccessBytes == (80 + 48 + 15 + 3) * 4)

        let pool = CostCounts(
            layer: LayerSpec(
                name: "pool", kind: .averagePool, kernel: 3, stride: 1, inputChannels: 4, outputChannels: 4,
                inputHeight: 3, inputWidth: 3, outputHeight: 1, outputWidth: 1, hasBatchNorm: false))
        #expect(pool.multiplyAdds == 0)
        #expect(pool.paperParameters == 0 && pool.storedParameters == 0)
        #expect(pool.flops == 36)  // 8 additions + 1 scaling per channel
        #expect(pool.memoryAccessBytes == 40 * 4)

        let fullyConnected = CostCounts(
            layer: LayerSpec(
                name: "fc", kind: .fullyConnected, kernel: 1, stride: 1, inputChannels: 7, outputChannels: 3,
                inputHeight: 1, inputWidth: 1, outputHeight: 1, outputWidth: 1, hasBatchNorm: false))
        #expect(fullyConnected.paperParameters == 21)
        #expect(fullyConnected.storedParameters == 24)
        #expect(fullyConnected.foldedParameters == 24)
        #expect(fullyConnected.multiplyAdds == 21)
        #expect(fullyConnected.flops == (2 * 7 - 1) * 3)  // 39
        #expect(fullyConnected.memoryAccessBytes == (7 + 3 + 24) * 4)
    }

    // MARK: - Whole networks

    @Test(
        "stored parameters equal Keras's counts (weights + fc bias + 4 BN values per channel)",
        arguments: [(1.0, 4_253_864), (0.25, 475_544)])
    func kerasParameterCounts(alpha: Double, keras: Int) throws {
        let report = CostReport(spec: try MobileNetSpec(alpha: alpha, resolution: 128, outputs: 1000))
        #expect(report.total.storedParameters == keras)
    }

    @Test("totals are the sums of the lines and FLOPs are two per Mult-Add less one per output")
    func totals() throws {
        let report = CostReport(spec: try MobileNetSpec(alpha: 0.5, resolution: 97, outputs: 13, variant: .shallow))
        #expect(report.total.multiplyAdds == report.lines.reduce(0) { $0 + $1.counts.multiplyAdds })
        #expect(report.total.memoryAccessBytes == report.lines.reduce(0) { $0 + $1.counts.memoryAccessBytes })
        #expect(report.total.foldedParameters == report.lines.reduce(0) { $0 + $1.counts.foldedParameters })
        for line in report.lines where line.layer.kind != .averagePool {
            let outputs = line.layer.outputHeight * line.layer.outputWidth * line.layer.outputChannels
            #expect(line.counts.flops == 2 * line.counts.multiplyAdds - outputs, "\(line.layer.name)")
        }
    }

    // MARK: - Output

    @Test("the JSON report parses and carries every line and the totals")
    func jsonReport() throws {
        let report = CostReport(spec: try MobileNetSpec(alpha: 1, resolution: 224, outputs: 1000))
        let text = try report.jsonText()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let lines = try #require(object["lines"] as? [[String: Any]])
        #expect(lines.count == 29)
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["multiplyAdds"] as? Int == 568_740_352)
        #expect(total["paperParameters"] as? Int == 4_209_088)
        let energy = try #require(object["energyModel"] as? [String: Any])
        #expect(energy["multiplyPicojoules"] as? Double == 3.7)
        #expect(try JSONDecoder().decode(CostReport.self, from: Data(text.utf8)) == report)
    }

    @Test("the paper tables' JSON parses")
    func jsonPaper() throws {
        let text = try CostPaperTables.jsonText(try CostPaperTables.tables())
        let tables = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(tables.count == 10)
        let first = try #require((tables.first?["rows"] as? [[String: Any]])?.first)
        #expect(first["published"] as? String == "94.86")
        #expect(first["match"] as? String == "yes")
    }

    @Test("the table states the counting conventions and the energy constants with their source")
    func tableText() throws {
        let text = CostReport(spec: try MobileNetSpec(alpha: 0.25, resolution: 128, outputs: 40)).tableText()
        #expect(text.hasPrefix("MobileNet (separable), alpha 0.25, resolution 128, 40 outputs"))
        #expect(text.contains("fp32 multiply 3.7 pJ, fp32 add 0.9 pJ, 32-bit SRAM access 5.0 pJ"))
        #expect(text.contains("ISSCC 2014"))
        #expect(text.contains("parameters, paper (weights only)"))
        #expect(text.contains("\nfc "))
    }

    @Test(
        "numbers round half away from zero at a fixed precision",
        arguments: [
            (568.740352, 0, "569"), (290.6752, 0, "291"), (149.497088, 0, "149"), (1.319648, 2, "1.32"),
            (0.0205, 2, "0.02"), (0.5, 0, "1"), (0.04636, 1, "0.0"), (52.283392, 1, "52.3"),
        ])
    func fixedFormatting(value: Double, decimals: Int, expected: String) {
        #expect(CostFormat.fixed(value, decimals: decimals) == expected)
    }

    @Test("integers get thousands separators")
    func grouping() {
        #expect(CostFormat.grouped(568_740_352) == "568,740,352")
        #expect(CostFormat.grouped(864) == "864")
        #expect(CostFormat.grouped(1000) == "1,000")
        #expect(CostFormat.grouped(-1_234) == "-1,234")
    }
}
