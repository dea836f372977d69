// Copyright 2026 The Distill authors.

import DistillData
import Testing

@Suite("JPEG plane path (no colour conversion at decode size)")
struct YCbCrPathTests {
    /// `(3, resolution, resolution)` in pixel units through the RGB path (libjpeg colour conversion).
    private func viaRGB(_ jpeg: [UInt8], resolution: Int) throws -> [Float] {
        let decoder = try ImageDecoder()
        let image = try jpeg.withUnsafeBytes {
            try decoder.decode($0, minimumWidth: resolution, minimumHeight: resolution)
        }
        let preprocessor = try ImagePreprocessor(resolution: resolution, normalization: .identity)
        var output = [Float](repeating: .nan, count: preprocessor.sampleCount)
        try output.withUnsafeMutableBufferPointer { try preprocessor.process(image, into: $0) }
        return output
    }

    /// The same through the plane path.
    private func viaPlanes(_ jpeg: [UInt8], resolution: Int) throws -> [Float] {
        let decoder = try ImageDecoder()
        let decoded = try jpeg.withUnsafeBytes {
            try decoder.decodeForResize($0, minimumWidth: resolution, minimumHeight: resolution)
        }
        guard case .planes = decoded else {
            Issue.record("a YCbCr JPEG should decode to planes")
            return []
        }
        return try ImagePreprocessor(resolution: resolution, normalization: .identity).tensor(jpeg)
    }

    @Test("4:4:4 at its own size: planes converted by Distill match libjpeg's RGB within 1 level")
    func fullResolution444() throws {
        let jpeg = try JPEGCodec().encode(try TestImages.randomRGB(width: 48, height: 48, seed: 31), quality: 95)
        let planes = try viaPlanes(jpeg, resolution: 48)
        let rgb = try viaRGB(jpeg, resolution: 48)
        #expect(planes.count == rgb.count)
        #expect(zip(planes, rgb).allSatisfy { abs($0 - $1) <= 1.0001 })
    }

    @Test(
        "4:2:0 photos resized to the student's size stay within a few levels of the RGB path",
        arguments: [(640, 480, 128), (333, 517, 96), (64, 40, 80)])
    func subsampled(width: Int, height: Int, resolution: Int) throws {
        let image = try TestImages.smoothRGB(width: width, height: height)
        let jpeg = try JPEGCodec().encode(image, quality: 92, chromaSubsampling444: false)
        let planes = try viaPlanes(jpeg, resolution: resolution)
        let rgb = try viaRGB(jpeg, resolution: resolution)
        let differences = zip(planes, rgb).map { abs(Double($0) - Double($1)) }
        #expect((differences.max() ?? .infinity) <= 6)
        #expect(differences.reduce(0, +) / Double(differences.count) < 1)
    }

    @Test("a grayscale JPEG gives equal R, G and B planes matching the RGB path")
    func grayscale() throws {
        let image = try TestImages.smoothRGB(width: 50, height: 70)
        let jpeg = try JPEGCodec().encode(image, quality: 90, grayscale: true)
        let planes = try viaPlanes(jpeg, resolution: 32)
        let rgb = try viaRGB(jpeg, resolution: 32)
        let plane = 32 * 32
        #expect(Array(planes[0..<plane]) == Array(planes[plane..<(2 * plane)]))
        #expect(zip(planes, rgb).allSatisfy { abs($0 - $1) < 1e-3 })
    }

    @Test("PNGs take the RGB path")
    func pngIsRGB() throws {
        let png = try PNGCodec.encode(samples: [1, 2, 3], width: 1, height: 1, colorType: .truecolor)
        let decoded = try png.withUnsafeBytes {
            try ImageDecoder().decodeForResize($0, minimumWidth: 1, minimumHeight: 1)
        }
        #expect(decoded == .rgb(try RGBImage(width: 1, height: 1, pixels: [1, 2, 3])))
    }

    @Test("a corrupt JPEG fails on the plane path too, and the decoder recovers")
    func corrupt() throws {
        let good = try JPEGCodec().encode(
            try TestImages.smoothRGB(width: 64, height: 48), quality: 90, chromaSubsampling444: false)
        var corrupt = good
        for index in (corrupt.count / 3)..<(corrupt.count - 2) {
            corrupt[index] = UInt8(truncatingIfNeeded: index * 7919)
        }
        let preprocessor = try ImagePreprocessor(resolution: 16)
        #expect(throws: DataError.self) { _ = try preprocessor.tensor(corrupt) }
        #expect(throws: DataError.self) { _ = try preprocessor.tensor(Array(good.prefix(good.count / 2))) }
        #expect(try preprocessor.tensor(good).count == 3 * 16 * 16)
    }
}
