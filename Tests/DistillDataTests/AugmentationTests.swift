// Copyright 2026 The Distill authors.

import DistillData
import Testing

@Suite("Training augmentation: random resized crops and flips")
struct AugmentationTests {
    /// A PNG of a random 40x40 image.
    private func png(seed: UInt64) throws -> [UInt8] {
        let image = try TestImages.randomRGB(width: 40, height: 40, seed: seed)
        return try PNGCodec.encode(
            samples: image.pixels, width: image.width, height: image.height, colorType: .truecolor)
    }

    private func tensor(_ file: [UInt8], resolution: Int, _ augmentation: Augmentation?) throws -> [Float] {
        let preprocessor = try ImagePreprocessor(resolution: resolution)
        var output = [Float](repeating: .nan, count: preprocessor.sampleCount)
        try file.withUnsafeBytes { bytes in
            try output.withUnsafeMutableBufferPointer {
                try preprocessor.process(bytes, into: $0, augmentation: augmentation)
            }
        }
        return output
    }

    @Test("a flip mirrors every row of every channel; no augmentation and a whole-image crop change nothing")
    func flipAndIdentity() throws {
        let file = try png(seed: 3)
        let resolution = 16
        let plain = try tensor(file, resolution: resolution, nil)
        #expect(try tensor(file, resolution: resolution, Augmentation()) == plain)
        let whole = Augmentation(crop: .init(x: 0, y: 0, width: 1, height: 1))
        #expect(try tensor(file, resolution: resolution, whole) == plain)
        let flipped = try tensor(file, resolution: resolution, Augmentation(flip: true))
        for row in 0..<(3 * resolution) {
            for column in 0..<resolution {
                #expect(flipped[row * resolution + column] == plain[row * resolution + resolution - 1 - column])
            }
        }
    }

    @Test("a crop resizes exactly that part of the image: the top-left quarter at 20 px is the image's pixels")
    func cropRegion() throws {
        let image = try TestImages.randomRGB(width: 40, height: 40, seed: 5)
        let file = try PNGCodec.encode(
            samples: image.pixels, width: image.width, height: image.height, colorType: .truecolor)
        // A 20x20 crop resized to 20x20 is a copy of those pixels, normalised to [-1, 1].
        let quarter = try tensor(file, resolution: 20, Augmentation(crop: .init(x: 0, y: 0, width: 0.5, height: 0.5)))
        for channel in 0..<3 {
            for y in 0..<20 {
                for x in 0..<20 {
                    let pixel = Float(image.pixels[(y * 40 + x) * 3 + channel])
                    #expect(abs(quarter[(channel * 20 + y) * 20 + x] - (pixel / 127.5 - 1)) < 1e-5)
                }
            }
        }
    }

    @Test("random augmentations are reproducible from their draws and stay within the configured ranges")
    func randomRanges() throws {
        var state: UInt64 = 17
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(UInt64(1) << 53)
        }
        var flips = 0
        for _ in 0..<2000 {
            let augmentation = Augmentation.random(crop: true, flip: true, minimumScale: 0.5, uniform: uniform)
            let crop = try #require(augmentation.crop)
            #expect(crop.width > 0 && crop.width <= 1 && crop.height > 0 && crop.height <= 1)
            #expect(crop.x >= 0 && crop.x + crop.width <= 1 + 1e-12 && crop.y >= 0 && crop.y + crop.height <= 1 + 1e-12)
            // Area at least the minimum scale (up to the clamping at the borders, which only enlarges it).
            #expect(crop.width * crop.height >= 0.5 * 0.75 - 1e-9)
            if augmentation.flip { flips += 1 }
        }
        #expect((850...1150).contains(flips))
        let none = Augmentation.random(crop: false, flip: false, minimumScale: 0.5, uniform: uniform)
        #expect(none == Augmentation())
    }
}
