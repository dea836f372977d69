// Copyright 2026 The Distill authors.

import DistillData
import DistillTestSupport
import Testing

/// Direct 2-D reference filters, written independently of the separable implementation.
enum ReferenceResize {
    /// Weight of source index `source` for output index `output` on one axis, from first principles.
    static func weight(output: Int, source: Int, sourceLength: Int, outputLength: Int) -> Double {
        let scale = Double(sourceLength) / Double(outputLength)
        if outputLength < sourceLength {
            // Box of width `scale` over piecewise-constant source pixels.
            let low = Double(output) * scale
            let high = low + scale
            let overlap = min(high, Double(source + 1)) - max(low, Double(source))
            return max(0, overlap) / scale
        }
        if outputLength == sourceLength { return output == source ? 1 : 0 }
        let position = min(max((Double(output) + 0.5) * scale - 0.5, 0), Double(sourceLength - 1))
        // Tent of radius 1 around the sample position.
        return max(0, 1 - abs(position - Double(source)))
    }

    /// `(3, height, width)` pixel-unit floats.
    static func resize(_ image: RGBImage, region: CropRegion, width: Int, height: Int) -> [Double] {
        var output = [Double](repeating: 0, count: 3 * width * height)
        for y in 0..<height {
            for x in 0..<width {
                for sy in 0..<region.height {
                    let wy = weight(output: y, source: sy, sourceLength: region.height, outputLength: height)
                    if wy == 0 { continue }
                    for sx in 0..<region.width {
                        let wx = weight(output: x, source: sx, sourceLength: region.width, outputLength: width)
                        if wx == 0 { continue }
                        for channel in 0..<3 {
                            let value = Double(image.value(x: region.x + sx, y: region.y + sy, channel: channel))
                            output[(channel * height + y) * width + x] += wx * wy * value
                        }
                    }
                }
            }
        }
        return output
    }
}

@Suite("Image resizing and normalisation")
struct ImageResizerTests {
    private func resize(_ image: RGBImage, region: CropRegion, width: Int, height: Int) throws -> [Float] {
        var output = [Float](repeating: .nan, count: 3 * width * height)
        try output.withUnsafeMutableBufferPointer {
            try ImageResizer().resize(image, region: region, width: width, height: height, into: $0)
        }
        return output
    }

    @Test(
        "resizing matches the direct 2-D reference",
        arguments: [
            (37, 23, 10, 10), (37, 23, 50, 60), (37, 23, 20, 40), (28, 28, 32, 32), (28, 28, 28, 28),
            (64, 48, 13, 9), (5, 3, 7, 2),
        ])
    func matchesReference(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int) throws {
        let image = try TestImages.randomRGB(
            width: sourceWidth, height: sourceHeight, seed: UInt64(sourceWidth * 100 + width))
        let region = CropRegion(x: 0, y: 0, width: sourceWidth, height: sourceHeight)
        let actual = try resize(image, region: region, width: width, height: height)
        let expected = ReferenceResize.resize(image, region: region, width: width, height: height)
        let worst = zip(actual, expected).lazy.map { abs(Double($0) - $1) }.largest() ?? .infinity
        #expect(worst < 1e-3)
    }

    @Test("a centre-square crop resizes only the square")
    func centerSquareCrop() throws {
        let image = try TestImages.randomRGB(width: 40, height: 24, seed: 11)
        let region = CropRegion.centerSquare(width: 40, height: 24)
        #expect(region == CropRegion(x: 8, y: 0, width: 24, height: 24))
        let actual = try resize(image, region: region, width: 10, height: 10)
        let expected = ReferenceResize.resize(image, region: region, width: 10, height: 10)
        #expect(zip(actual, expected).allSatisfy { abs(Double($0) - $1) < 1e-3 })
    }

    @Test("halving averages 2x2 blocks exactly")
    func halving() throws {
        let pixels: [UInt8] = [
            0, 0, 0, 4, 8, 12, 100, 0, 0, 200, 0, 0,
            8, 16, 24, 12, 0, 0, 0, 0, 0, 0, 0, 0,
        ]
        let image = try RGBImage(width: 4, height: 2, pixels: pixels)
        let output = try resize(image, region: CropRegion(x: 0, y: 0, width: 4, height: 2), width: 2, height: 1)
        // (3, 1, 2): red plane, green plane, blue plane.
        #expect(output == [6, 75, 6, 0, 9, 0])
    }

    @Test("doubling a 2-pixel row interpolates linearly with clamped edges")
    func doubling() throws {
        let image = try RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 100, 100, 100])
        let output = try resize(image, region: CropRegion(x: 0, y: 0, width: 2, height: 1), width: 4, height: 1)
        #expect(Array(output[0..<4]) == [0, 25, 75, 100])
    }

    @Test("an out-of-bounds region is refused")
    func badRegion() throws {
        let image = try TestImages.randomRGB(width: 4, height: 4, seed: 1)
        #expect(throws: DataError.self) {
            _ = try resize(image, region: CropRegion(x: 2, y: 0, width: 4, height: 4), width: 2, height: 2)
        }
    }

    @Test("MobileNet normalisation maps 0 to -1 and 255 to 1 in NCHW order")
    func mobileNetNormalization() throws {
        let png = try PNGCodec.encode(samples: [0, 255, 51, 0, 255, 51], width: 2, height: 1, colorType: .truecolor)
        let preprocessor = try ImagePreprocessor(resolution: 2, cropMode: .stretch)
        let tensor = try preprocessor.tensor(png)
        // 2x1 → 2x2 stretches the row down: red plane all -1, green all 1, blue all 51/127.5 − 1.
        #expect(tensor.count == 12)
        #expect(Array(tensor[0..<4]) == [-1, -1, -1, -1])
        #expect(Array(tensor[4..<8]) == [1, 1, 1, 1])
        #expect(tensor[8...].allSatisfy { abs($0 - (51 / 127.5 - 1)) < 1e-6 })
    }

    @Test("ImageNet normalisation subtracts the mean and divides by the deviation")
    func imageNetNormalization() throws {
        let png = try PNGCodec.encode(samples: [200, 100, 50], width: 1, height: 1, colorType: .truecolor)
        let tensor = try ImagePreprocessor(resolution: 1, normalization: .imageNet).tensor(png)
        let expected: [Float] = [(200 - 123.675) / 58.395, (100 - 116.28) / 57.12, (50 - 103.53) / 57.375]
        #expect(zip(tensor, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test("a Fashion-MNIST-sized gray PNG becomes a 3x32x32 tensor equal to the reference, rounded to bytes")
    func grayPreprocess() throws {
        var random = TestRandom(seed: 12)
        let gray = random.bytes(28 * 28)
        let png = try PNGCodec.encode(samples: gray, width: 28, height: 28, colorType: .grayscale)
        let tensor = try ImagePreprocessor(resolution: 32, normalization: .identity).tensor(png)
        let rgb = try RGBImage(width: 28, height: 28, pixels: gray.flatMap { [$0, $0, $0] })
        let expected = ReferenceResize.resize(
            rgb, region: CropRegion(x: 0, y: 0, width: 28, height: 28), width: 32, height: 32)
        #expect(tensor.count == 3 * 32 * 32)
        // Every value is the reference's rounded to a whole pixel value (ties may go either way).
        #expect(tensor.allSatisfy { $0 == $0.rounded() && (0...255).contains($0) })
        #expect(zip(tensor, expected).allSatisfy { abs(Double($0) - $1) <= 0.5 + 1e-3 })
        #expect(zip(tensor, expected).filter { abs(Double($0) - $1.rounded()) > 0 }.count <= 2)
    }

    @Test("a bad normalisation is refused")
    func badNormalization() {
        #expect(throws: DataError.self) { _ = try Normalization(mean: [0, 0, 0], standardDeviation: [1, 0, 1]) }
        #expect(throws: DataError.self) { _ = try Normalization(mean: [0, 0], standardDeviation: [1, 1, 1]) }
    }
}
