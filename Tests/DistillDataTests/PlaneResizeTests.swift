// Copyright 2026 The Distill authors.

import DistillData
import DistillTestSupport
import Testing

@Suite("Resizing Y, Cb, Cr planes against the direct reference")
struct PlaneResizeTests {
    /// One plane as a gray RGB image, so `ReferenceResize` can filter it.
    private func grayImage(_ samples: [UInt8], width: Int, height: Int) throws -> RGBImage {
        try RGBImage(width: width, height: height, pixels: samples.flatMap { [$0, $0, $0] })
    }

    /// `(3, height, width)` pixel-unit RGB from the planes, each resampled by the reference and converted
    /// with the JFIF equations in double precision.
    private func reference(
        _ image: YCbCrImage, region: CropRegion, chromaRegion: CropRegion, width: Int, height: Int
    ) throws -> [Double] {
        let plane = width * height
        let luma = try ReferenceResize.resize(
            grayImage(image.luma, width: image.width, height: image.height), region: region, width: width,
            height: height)
        if image.isGrayscale { return Array(luma[0..<plane]) + Array(luma[0..<plane]) + Array(luma[0..<plane]) }
        let blue = try ReferenceResize.resize(
            grayImage(image.blue, width: image.chromaWidth, height: image.chromaHeight), region: chromaRegion,
            width: width, height: height)
        let red = try ReferenceResize.resize(
            grayImage(image.red, width: image.chromaWidth, height: image.chromaHeight), region: chromaRegion,
            width: width, height: height)
        var output = [Double](repeating: 0, count: 3 * plane)
        for index in 0..<plane {
            let (y, cb, cr) = (luma[index], blue[index] - 128, red[index] - 128)
            output[index] = min(max(y + 1.402 * cr, 0), 255)
            output[plane + index] = min(max(y - 0.344_136 * cb - 0.714_136 * cr, 0), 255)
            output[2 * plane + index] = min(max(y + 1.772 * cb, 0), 255)
        }
        return output
    }

    private func resize(
        _ image: YCbCrImage, region: CropRegion, width: Int, height: Int, resizer: ImageResizer = ImageResizer(),
        normalization: Normalization = .identity
    ) throws -> [Float] {
        var output = [Float](repeating: .nan, count: 3 * width * height)
        try output.withUnsafeMutableBufferPointer {
            try resizer.resize(
                image, region: region, width: width, height: height, into: $0, normalization: normalization)
        }
        return output
    }

    private func randomPlanes(width: Int, height: Int, horizontal: Int, vertical: Int, seed: UInt64) -> YCbCrImage {
        var random = TestRandom(seed: seed)
        let chromaWidth = (width + horizontal - 1) / horizontal
        let chromaHeight = (height + vertical - 1) / vertical
        return YCbCrImage(
            width: width, height: height, luma: random.bytes(width * height), chromaWidth: chromaWidth,
            chromaHeight: chromaHeight, blue: random.bytes(chromaWidth * chromaHeight),
            red: random.bytes(chromaWidth * chromaHeight), horizontalFactor: horizontal, verticalFactor: vertical)
    }

    @Test(
        "4:2:0, 4:4:4 and 4:2:2 planes, shrunk and enlarged, match the reference within float rounding",
        arguments: [
            (40, 30, 2, 2, CropRegion(x: 4, y: 2, width: 30, height: 26), 17, 21),
            (40, 30, 2, 2, CropRegion(x: 0, y: 0, width: 40, height: 30), 64, 48),
            (37, 23, 1, 1, CropRegion(x: 3, y: 1, width: 30, height: 20), 11, 50),
            (36, 20, 2, 1, CropRegion(x: 6, y: 1, width: 18, height: 18), 12, 12),
        ])
    func matchesReference(
        width: Int, height: Int, horizontal: Int, vertical: Int, region: CropRegion, outputWidth: Int,
        outputHeight: Int
    ) throws {
        let image = randomPlanes(width: width, height: height, horizontal: horizontal, vertical: vertical, seed: 7)
        let chromaRegion = CropRegion(
            x: region.x / horizontal, y: region.y / vertical, width: region.width / horizontal,
            height: region.height / vertical)
        let expected = try reference(
            image, region: region, chromaRegion: chromaRegion, width: outputWidth, height: outputHeight)
        let actual = try resize(image, region: region, width: outputWidth, height: outputHeight)
        #expect(actual.count == expected.count)
        let worst = zip(actual, expected).lazy.map { abs(Double($0) - $1) }.largest() ?? .infinity
        #expect(worst < 2e-3)
    }

    @Test("grayscale planes give three equal channels matching the reference")
    func grayscale() throws {
        var random = TestRandom(seed: 3)
        let image = YCbCrImage(
            width: 50, height: 70, luma: random.bytes(50 * 70), chromaWidth: 0, chromaHeight: 0, blue: [], red: [],
            horizontalFactor: 1, verticalFactor: 1)
        let region = CropRegion.centerSquare(width: 50, height: 70)
        let expected = try reference(image, region: region, chromaRegion: region, width: 32, height: 32)
        let actual = try resize(image, region: region, width: 32, height: 32)
        #expect(zip(actual, expected).allSatisfy { abs(Double($0) - $1) < 2e-3 })
    }

    @Test("one resizer reused across geometries and normalisations gives what fresh resizers give")
    func reuse() throws {
        let resizer = ImageResizer()
        let first = randomPlanes(width: 48, height: 36, horizontal: 2, vertical: 2, seed: 11)
        let second = randomPlanes(width: 31, height: 45, horizontal: 1, vertical: 1, seed: 12)
        let firstRegion = CropRegion.centerSquare(width: 48, height: 36)
        let secondRegion = CropRegion(x: 0, y: 0, width: 31, height: 45)
        let runs: [(YCbCrImage, CropRegion, Int, Normalization)] = [
            (first, firstRegion, 20, .identity), (second, secondRegion, 40, .mobileNet),
            (first, firstRegion, 20, .imageNet), (first, firstRegion, 20, .identity),
        ]
        for (image, region, size, normalization) in runs {
            let reused = try resize(
                image, region: region, width: size, height: size, resizer: resizer, normalization: normalization)
            let fresh = try resize(image, region: region, width: size, height: size, normalization: normalization)
            #expect(reused == fresh)
        }
    }

    @Test("normalisation is applied after colour conversion: (pixel − mean) / std per channel")
    func normalised() throws {
        let image = randomPlanes(width: 30, height: 30, horizontal: 2, vertical: 2, seed: 5)
        let region = CropRegion(x: 0, y: 0, width: 30, height: 30)
        let pixels = try resize(image, region: region, width: 16, height: 16)
        let normalised = try resize(image, region: region, width: 16, height: 16, normalization: .imageNet)
        let plane = 16 * 16
        for index in 0..<(3 * plane) {
            let channel = index / plane
            let expected =
                (pixels[index] - Normalization.imageNet.mean[channel]) / Normalization.imageNet.standardDeviation[channel]
            #expect(abs(normalised[index] - expected) < 1e-4)
        }
    }

    @Test("malformed planes are refused, not read out of bounds")
    func malformed() throws {
        var image = randomPlanes(width: 16, height: 16, horizontal: 2, vertical: 2, seed: 9)
        image.blue.removeLast()
        let region = CropRegion(x: 0, y: 0, width: 16, height: 16)
        #expect(throws: DataError.self) { _ = try resize(image, region: region, width: 8, height: 8) }
        var zeroFactor = randomPlanes(width: 16, height: 16, horizontal: 2, vertical: 2, seed: 9)
        zeroFactor.verticalFactor = 0
        #expect(throws: DataError.self) { _ = try resize(zeroFactor, region: region, width: 8, height: 8) }
    }

    @Test("a decoded image kept by the caller is not changed by the codec's next decode")
    func decoderReusesPlanesSafely() throws {
        let codec = try JPEGCodec()
        let firstJPEG = try codec.encode(
            try TestImages.randomRGB(width: 64, height: 48, seed: 21), quality: 90, chromaSubsampling444: false)
        let secondJPEG = try codec.encode(
            try TestImages.smoothRGB(width: 64, height: 48), quality: 90, chromaSubsampling444: false)
        let decode = { (codec: JPEGCodec, bytes: [UInt8]) in
            try bytes.withUnsafeBytes { try codec.decodeYCbCr($0, minimumWidth: 64, minimumHeight: 48) }
        }
        let kept = try decode(codec, firstJPEG)
        let copy = kept
        let second = try decode(codec, secondJPEG)
        #expect(kept == copy)
        #expect(kept != second)
        #expect(try decode(JPEGCodec(), firstJPEG) == kept)
        #expect(try decode(JPEGCodec(), secondJPEG) == second)
        #expect(try decode(codec, firstJPEG) == kept)
    }
}

@Suite("The plane decode's DCT scale")
struct PlaneScalingTests {
    @Test(
        "the plane decode scale is the smallest covering one or the next power of two within 4/3, never smaller",
        arguments: [
            (640, 480, 128, 1, 2), (1000, 1000, 128, 1, 4), (512, 384, 128, 1, 2), (800, 600, 128, 1, 4),
            (300, 200, 128, 1, 1), (100, 100, 128, 1, 1), (4000, 3000, 224, 1, 8), (640, 480, 1, 1, 8),
            (50, 70, 32, 5, 8), (1000, 800, 560, 1, 1),
        ])
    func scale(width: Int, height: Int, resolution: Int, numerator: Int, denominator: Int) throws {
        let codec = try JPEGCodec()
        let info = ImageInfo(format: .jpeg, width: width, height: height)
        let plane = codec.planeScalingFactor(for: info, minimumWidth: resolution, minimumHeight: resolution)
        #expect(plane.numerator == numerator && plane.denominator == denominator)
        let smallest = codec.scalingFactor(for: info, minimumWidth: resolution, minimumHeight: resolution)
        #expect(JPEGCodec.scaled(width, by: plane) >= JPEGCodec.scaled(width, by: smallest))
        #expect(JPEGCodec.scaled(height, by: plane) >= JPEGCodec.scaled(height, by: smallest))
    }

    @Test("a 640x480 JPEG wanted at 128 decodes to 320x240 planes with 160x120 chroma")
    func decodedSize() throws {
        let codec = try JPEGCodec()
        let jpeg = try codec.encode(
            try TestImages.smoothRGB(width: 640, height: 480), quality: 90, chromaSubsampling444: false)
        let planes = try jpeg.withUnsafeBytes { try codec.decodeYCbCr($0, minimumWidth: 128, minimumHeight: 128) }
        #expect(planes?.width == 320 && planes?.height == 240)
        #expect(planes?.chromaWidth == 160 && planes?.chromaHeight == 120)
    }
}

@Suite("Planes of odd-sized subsampled JPEGs")
struct OddPlaneTests {
    @Test(
        "odd widths and heights under 4:2:0 give exact planes whose luma matches the RGB decode's",
        arguments: [(63, 41), (64, 41), (63, 40), (333, 517)])
    func oddSizes(width: Int, height: Int) throws {
        let codec = try JPEGCodec()
        let jpeg = try codec.encode(
            try TestImages.smoothRGB(width: width, height: height), quality: 95, chromaSubsampling444: false)
        // Full size, then twice more (reusing the codec's planes), then the scale that is odd for 333x517.
        for (minimum, scale) in [(width, 1), (width, 1), ((width + 1) / 2, 2)] {
            let planes = try jpeg.withUnsafeBytes {
                try codec.decodeYCbCr($0, minimumWidth: minimum, minimumHeight: 1)
            }
            let expectedWidth = (width + scale - 1) / scale
            let expectedHeight = (height + scale - 1) / scale
            guard let planes, planes.width == expectedWidth, planes.height == expectedHeight else {
                Issue.record("expected \(expectedWidth)x\(expectedHeight) planes, got \(String(describing: planes))")
                return
            }
            #expect(planes.luma.count == expectedWidth * expectedHeight)
            let rgb = try jpeg.withUnsafeBytes { bytes in
                try codec.decode(bytes, minimumWidth: minimum, minimumHeight: 1)
            }
            #expect(rgb.width == planes.width && rgb.height == planes.height)
            guard rgb.width == planes.width, rgb.height == planes.height else { continue }
            var worst = 0.0
            for y in 0..<planes.height {
                for x in 0..<planes.width {
                    let luma =
                        0.299 * Double(rgb.value(x: x, y: y, channel: 0)) + 0.587
                        * Double(rgb.value(x: x, y: y, channel: 1)) + 0.114 * Double(rgb.value(x: x, y: y, channel: 2))
                    worst = max(worst, abs(luma - Double(planes.luma[y * planes.width + x])))
                }
            }
            #expect(worst <= 3)
        }
    }
}
