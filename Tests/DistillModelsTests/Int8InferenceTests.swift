// Copyright 2026 The Distill authors.

import DistillEngine
import DistillTestSupport
import Testing

@testable import DistillModels

@Suite("int8 quantization and oneDNN int8 inference")
struct Int8InferenceTests {
    static func images(count: Int, resolution: Int, seed: UInt64) -> [[Float]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            (0..<(3 * resolution * resolution)).map { _ in Float.random(in: -1...1, using: &generator) }
        }
    }

    static func network(_ activation: Activation) throws -> FoldedMobileNet {
        let spec = try MobileNetSpec(alpha: 0.25, resolution: 32, outputs: 10)
        let network = try MobileNet(spec: spec, batch: 2, options: MobileNetOptions(activation: activation))
        network.initialize(seed: 7)
        var generator = SeededGenerator(seed: 11)
        // Non-trivial batch-norm statistics and shifts, as a trained network has.
        for entry in network.layout.statistics {
            for c in 0..<entry.channels {
                network.statistics[entry.offset + c] = Float.random(in: -0.2...0.2, using: &generator)
                network.statistics[entry.offset + entry.channels + c] = Float.random(in: 0.5...2, using: &generator)
            }
        }
        for parameter in network.layout.parameters where parameter.role == .shift {
            for i in 0..<parameter.count {
                network.parameters[parameter.offset + i] = Float.random(in: -0.1...0.3, using: &generator)
            }
        }
        return try FoldedMobileNet(network: network)
    }

    @Test("the input quantization keeps MobileNet's pixel values away from halfway cases; halves round to even")
    func inputQuantization() {
        let input = ActivationQuantization(inputMinimum: -1, maximum: 1)
        #expect(input.scale == 1.0 / 128 && input.zeroPoint == 0)
        for pixel in 0...255 {
            let value = Float(pixel) / 127.5 - 1
            let steps = value / input.scale
            let fraction = abs(steps - steps.rounded(.down) - 0.5)
            #expect(fraction > 0.0019, "pixel \(pixel) quantizes from \(steps), nearly halfway")
            #expect(abs(input.dequantize(input.quantize(value)) - value) <= input.scale, "pixel \(pixel)")
        }
        // Exact halves (1/128 is a power of two) go to the even neighbour, as ONNX QuantizeLinear and numpy do.
        #expect(input.quantize(2.5 / 128) == 2 && input.quantize(3.5 / 128) == 4 && input.quantize(-2.5 / 128) == -2)
    }

    @Test("oneDNN int8 inference equals the integer reference", arguments: [Activation.relu, .relu6])
    func oneDNNMatchesReference(activation: Activation) throws {
        let folded = try Self.network(activation)
        let quantized = try QuantizedMobileNet(
            folded: folded, calibrationImages: Self.images(count: 16, resolution: 32, seed: 1))
        let test = Self.images(count: 8, resolution: 32, seed: 2)
        let inference = try MobileNetInt8Inference(quantized, batch: 8)
        let fast = try inference.predictQuantized(images: test.flatMap { $0 })
        let reference = test.flatMap { quantized.predictQuantized(image: $0) }
        #expect(fast.count == reference.count)
        let differences = zip(fast, reference).map { abs($0 - $1) }
        #expect((differences.max() ?? 99) <= 1, "oneDNN int8 differs from the reference by \(differences.max() ?? -1)")
        let equal = differences.filter { $0 == 0 }.count
        #expect(Double(equal) / Double(differences.count) >= 0.95)
        #expect(Set(reference).count > 5, "reference outputs nearly constant")
    }

    @Test("calibration spread over threads chooses exactly the ranges one thread chooses")
    func calibrationIndependentOfThreads() throws {
        let folded = try Self.network(.relu6)
        let images = Self.images(count: 37, resolution: 32, seed: 9)
        let one = try QuantizedMobileNet(folded: folded, calibrationImages: images, workers: 1)
        for workers in [2, 3] {
            let many = try QuantizedMobileNet(folded: folded, calibrationImages: images, workers: workers)
            #expect(many.activations == one.activations, "\(workers) workers")
            #expect(many.convolutions.map(\.bias) == one.convolutions.map(\.bias))
        }
        // And the ranges are those the float network shows on the images: the output's is its min/max.
        let outputs = images.flatMap { folded.referenceForward(image: $0) }
        #expect(one.output == ActivationQuantization(minimum: outputs.min() ?? 0, maximum: outputs.max() ?? 0))
    }

    @Test("int8 outputs stay close to float32 outputs")
    func int8CloseToFloat() throws {
        let folded = try Self.network(.relu)
        let quantized = try QuantizedMobileNet(
            folded: folded, calibrationImages: Self.images(count: 16, resolution: 32, seed: 1))
        for image in Self.images(count: 4, resolution: 32, seed: 3) {
            let float = folded.referenceForward(image: image)
            let int8 = quantized.predict(image: image)
            let scale = float.map { abs($0) }.max() ?? 1
            let error = zip(float, int8).lazy.map { abs($0 - $1) }.largest() ?? 0
            #expect(error <= 0.1 * scale, "int8 differs from float32 by \(error) (largest output \(scale))")
        }
    }

    @Test("weights are symmetric per output channel and biases use input × weight scale")
    func quantizationScheme() throws {
        let folded = try Self.network(.relu)
        let quantized = try QuantizedMobileNet(
            folded: folded, calibrationImages: Self.images(count: 4, resolution: 32, seed: 1))
        let first = quantized.convolutions[0]
        let perOutput = first.weights.count / first.weightScales.count
        for o in 0..<first.weightScales.count {
            let row = first.weights[(o * perOutput)..<((o + 1) * perOutput)]
            #expect(row.map { abs(Int($0)) }.max() == 127)
            let expected = folded.convolutions[0].bias[o] / (quantized.input.scale * first.weightScales[o])
            #expect(abs(Float(first.bias[o]) - expected) <= 0.5)
        }
        #expect(quantized.activations[1].zeroPoint == -128)
    }

    @Test("calibration ranges leave out the rarest values at each end; the output's range keeps every value")
    func calibrationRangesIgnoreRareOutliers() throws {
        var range = CalibrationRange()
        var values = (0..<100_000).map { Float($0) / 100_000 }
        values += [Float](repeating: 1000, count: 5) + [Float](repeating: -1000, count: 5)
        values.withUnsafeBufferPointer { range.observe($0) }
        let robust = range.range(excluding: 1e-4)
        #expect(robust.maximum >= 0.99999 && robust.maximum <= 1.0, "\(robust)")
        #expect(robust.minimum == 0, "\(robust)")
        let all = range.range(excluding: 0)
        #expect(all.minimum == -1000 && all.maximum == 1000, "\(all)")

        let folded = try Self.network(.relu)
        let images = Self.images(count: 8, resolution: 32, seed: 5)
        let quantized = try QuantizedMobileNet(folded: folded, calibrationImages: images)
        let outputs = images.flatMap { folded.referenceForward(image: $0) }
        let expected = ActivationQuantization(minimum: outputs.min() ?? 0, maximum: outputs.max() ?? 0)
        #expect(quantized.output == expected, "output \(quantized.output), min/max gives \(expected)")
        // The chosen ranges are one of the candidates, and its outputs are at least as close to float as
        // min/max's (a candidate) on the images that chose it.
        var observed = [CalibrationRange](repeating: CalibrationRange(), count: folded.tensorCount)
        for image in images {
            _ = folded.referenceForward(image: image) { index, values in
                values.withUnsafeBufferPointer { observed[index].observe($0) }
            }
        }
        func candidate(_ fraction: Double) -> QuantizedMobileNet {
            QuantizedMobileNet(
                folded: folded,
                activations: observed.enumerated().map { index, range in
                    let (low, high) = range.range(excluding: index == folded.tensorCount - 1 ? 0 : fraction)
                    // The input takes 256 steps (see ActivationQuantization(inputMinimum:maximum:)).
                    return index == 0
                        ? ActivationQuantization(inputMinimum: low, maximum: high)
                        : ActivationQuantization(minimum: low, maximum: high)
                }, calibrationImages: images.count)
        }
        #expect(
            QuantizedMobileNet.calibrationOutlierFractions.contains {
                candidate($0).activations == quantized.activations
            })
        func error(_ network: QuantizedMobileNet) -> Double {
            images.reduce(0) { total, image in
                zip(network.predict(image: image), folded.referenceForward(image: image)).reduce(total) {
                    $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1)
                }
            }
        }
        #expect(error(quantized) <= error(candidate(0)))
    }
}
