// Copyright 2026 The Distill authors.

import DistillData
import Testing

@Suite("Image decoding")
struct ImageDecoderTests {
    @Test("an 8-bit RGB PNG decodes pixel-exactly")
    func pngRGB8() throws {
        let image = try TestImages.randomRGB(width: 13, height: 7, seed: 1)
        let png = try PNGCodec.encode(samples: image.pixels, width: 13, height: 7, colorType: .truecolor)
        #expect(ImageFormat.detect(png) == .png)
        #expect(try TestImages.decode(png) == image)
    }

    @Test("an 8-bit grayscale PNG is expanded to equal R, G and B")
    func pngGray8() throws {
        var random = TestRandom(seed: 2)
        let gray = random.bytes(9 * 5)
        let png = try PNGCodec.encode(samples: gray, width: 9, height: 5, colorType: .grayscale)
        let decoded = try TestImages.decode(png)
        #expect(decoded.width == 9 && decoded.height == 5)
        #expect(decoded.pixels == gray.flatMap { [$0, $0, $0] })
    }

    @Test("a 16-bit grayscale PNG keeps the high byte of each sample")
    func pngGray16() throws {
        let values: [UInt16] = [0, 255, 256, 0x7FFF, 0x8000, 0xFF00, 0xFFFF, 0x1234]
        let samples = values.flatMap { value in withUnsafeBytes(of: value) { Array($0) } }
        let png = try PNGCodec.encode(samples: samples, width: 4, height: 2, colorType: .grayscale, bitDepth: 16)
        let decoded = try TestImages.decode(png)
        #expect(decoded.pixels == values.flatMap { value in Array(repeating: UInt8(value >> 8), count: 3) })
    }

    @Test("a 16-bit RGBA PNG keeps the high bytes and drops alpha")
    func pngRGBA16() throws {
        var random = TestRandom(seed: 3)
        let values = (0..<(6 * 4 * 4)).map { _ in UInt16(truncatingIfNeeded: random.next()) }
        let samples = values.flatMap { value in withUnsafeBytes(of: value) { Array($0) } }
        let png = try PNGCodec.encode(samples: samples, width: 6, height: 4, colorType: .truecolorAlpha, bitDepth: 16)
        let decoded = try TestImages.decode(png)
        var expected = [UInt8]()
        for pixel in 0..<24 { for channel in 0..<3 { expected.append(UInt8(values[pixel * 4 + channel] >> 8)) } }
        #expect(decoded.pixels == expected)
    }

    @Test("an RGBA PNG decodes its colour channels exactly and drops alpha")
    func pngRGBA8() throws {
        var random = TestRandom(seed: 4)
        let samples = random.bytes(8 * 3 * 4)
        let png = try PNGCodec.encode(samples: samples, width: 8, height: 3, colorType: .truecolorAlpha)
        let decoded = try TestImages.decode(png)
        var expected = [UInt8]()
        for pixel in 0..<24 { expected += samples[(pixel * 4)..<(pixel * 4 + 3)] }
        #expect(decoded.pixels == expected)
    }

    @Test("a gray+alpha PNG decodes to gray RGB")
    func pngGrayAlpha() throws {
        let samples: [UInt8] = [10, 255, 20, 0, 30, 128, 40, 7]
        let png = try PNGCodec.encode(samples: samples, width: 2, height: 2, colorType: .grayscaleAlpha)
        #expect(try TestImages.decode(png).pixels == [10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40])
    }

    @Test("a palette PNG is expanded through its palette")
    func pngPalette() throws {
        let palette: [(red: UInt8, green: UInt8, blue: UInt8)] = [(255, 0, 0), (0, 255, 0), (1, 2, 3)]
        let indices: [UInt8] = [0, 1, 2, 2, 1, 0]
        let png = try PNGCodec.encode(
            samples: indices, width: 3, height: 2, colorType: .indexed, palette: palette)
        let decoded = try TestImages.decode(png)
        #expect(
            decoded.pixels == indices.flatMap { [palette[Int($0)].red, palette[Int($0)].green, palette[Int($0)].blue] })
    }

    @Test("a quality-100 4:4:4 JPEG decodes within 5 levels (mean under 1) of the original")
    func jpegQuality100() throws {
        let codec = try JPEGCodec()
        let image = try TestImages.smoothRGB(width: 48, height: 32)
        let jpeg = try codec.encode(image, quality: 100)
        #expect(ImageFormat.detect(jpeg) == .jpeg)
        let decoded = try TestImages.decode(jpeg)
        #expect(decoded.width == 48 && decoded.height == 32)
        let differences = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }
        #expect((differences.max() ?? 0) <= 5)
        #expect(Double(differences.reduce(0, +)) / Double(differences.count) < 1)
    }

    @Test("a uniform-colour JPEG decodes to that colour within 1 level")
    func jpegUniform() throws {
        let codec = try JPEGCodec()
        let image = try RGBImage(
            width: 16, height: 16, pixels: Array(repeating: [200, 100, 50], count: 256).flatMap { $0 })
        let decoded = try TestImages.decode(try codec.encode(image, quality: 100))
        #expect(zip(decoded.pixels, image.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
    }

    @Test("a grayscale-looking JPEG decodes with equal channels")
    func jpegGray() throws {
        let codec = try JPEGCodec()
        var pixels = [UInt8]()
        for index in 0..<(16 * 16) { let value = UInt8(index % 256); pixels += [value, value, value] }
        let decoded = try TestImages.decode(
            try codec.encode(try RGBImage(width: 16, height: 16, pixels: pixels), quality: 100))
        for pixel in 0..<256 {
            #expect(decoded.pixels[pixel * 3] == decoded.pixels[pixel * 3 + 1])
            #expect(decoded.pixels[pixel * 3] == decoded.pixels[pixel * 3 + 2])
        }
    }

    @Test("a 640x480 JPEG wanted at 128 is DCT-scaled to 240x180 while decoding")
    func jpegScaledDecode() throws {
        let codec = try JPEGCodec()
        let jpeg = try codec.encode(try TestImages.smoothRGB(width: 640, height: 480), quality: 90)
        let decoder = try ImageDecoder()
        let scaled = try jpeg.withUnsafeBytes { try decoder.decode($0, minimumWidth: 128, minimumHeight: 128) }
        #expect(scaled.width == 240 && scaled.height == 180)
        let full = try jpeg.withUnsafeBytes { try decoder.decode($0) }
        #expect(full.width == 640 && full.height == 480)
        let small = try jpeg.withUnsafeBytes { try decoder.decode($0, minimumWidth: 50, minimumHeight: 50) }
        #expect(small.width == 80 && small.height == 60)
        // The scaled image still shows the gradient: its top-right pixel is red, bottom-left green.
        #expect(scaled.value(x: 239, y: 0, channel: 0) > 240 && scaled.value(x: 0, y: 179, channel: 1) > 240)
    }

    @Test(
        "unsupported bytes are refused with what they are",
        arguments: [
            ([UInt8](), "The bytes are an empty body, not a JPEG or PNG image; only JPEG and PNG are supported."),
            (
                Array("GIF89a......".utf8),
                "The bytes are a GIF image, not a JPEG or PNG image; only JPEG and PNG are supported."
            ),
            (
                Array("<!DOCTYPE html><html>".utf8),
                "The bytes are an HTML/XML page, not a JPEG or PNG image; only JPEG and PNG are supported."
            ),
            (
                [0, 1, 2, 3, 4],
                "The bytes are unknown bytes starting 0x00 0x01 0x02 0x03, not a JPEG or PNG image; only JPEG and PNG are supported."
            ),
        ])
    func unsupported(bytes: [UInt8], message: String) throws {
        let error = #expect(throws: DataError.self) { try TestImages.decode(bytes) }
        #expect(error?.code == .unsupportedFormat)
        #expect(error?.message == message)
    }

    @Test("a JPEG with garbage after its header fails as corrupt")
    func corruptJPEG() throws {
        let codec = try JPEGCodec()
        var jpeg = try codec.encode(try TestImages.smoothRGB(width: 64, height: 64), quality: 90)
        var random = TestRandom(seed: 5)
        let start = jpeg.count / 3
        for index in start..<(jpeg.count - 2) { jpeg[index] = UInt8(truncatingIfNeeded: random.next()) }
        let error = #expect(throws: DataError.self) { try TestImages.decode(jpeg) }
        #expect(error?.code == .corruptImage)
    }

    @Test("a decoder that failed on a corrupt JPEG still decodes the next good one")
    func decoderRecoversAfterFailure() throws {
        let codec = try JPEGCodec()
        let good = try codec.encode(try TestImages.smoothRGB(width: 64, height: 48), quality: 90)
        var corrupt = good
        for index in (corrupt.count / 3)..<(corrupt.count - 2) {
            corrupt[index] = UInt8(truncatingIfNeeded: index * 7919)
        }
        let decoder = try ImageDecoder()
        for _ in 0..<3 {
            #expect(throws: DataError.self) { _ = try corrupt.withUnsafeBytes { try decoder.decode($0) } }
            #expect(throws: DataError.self) {
                _ = try Array(good.prefix(good.count / 2)).withUnsafeBytes { try decoder.decode($0) }
            }
            let image = try good.withUnsafeBytes { try decoder.decode($0) }
            #expect(image.width == 64 && image.height == 48)
            #expect(
                try good.withUnsafeBytes { try decoder.info($0) } == ImageInfo(format: .jpeg, width: 64, height: 48))
        }
    }

    @Test("a JPEG cut in half fails as corrupt")
    func truncatedJPEG() throws {
        let codec = try JPEGCodec()
        let jpeg = try codec.encode(try TestImages.smoothRGB(width: 64, height: 64), quality: 90)
        let error = #expect(throws: DataError.self) { try TestImages.decode(Array(jpeg.prefix(jpeg.count / 2))) }
        #expect(error?.code == .corruptImage)
        #expect(error?.message.hasPrefix("tjDecompress2 failed") == true)
    }

    @Test("a JPEG of only its first bytes fails in the header")
    func jpegHeaderOnly() throws {
        let error = #expect(throws: DataError.self) { try TestImages.decode([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]) }
        #expect(error?.code == .corruptImage)
        #expect(error?.message == "The jpeg header declares 0x0 pixels; the file is damaged or truncated.")
    }

    @Test("a PNG cut short fails as corrupt")
    func truncatedPNG() throws {
        let image = try TestImages.randomRGB(width: 32, height: 32, seed: 6)
        let png = try PNGCodec.encode(samples: image.pixels, width: 32, height: 32, colorType: .truecolor)
        for length in [8, 20, 40, png.count / 2, png.count - 40] {
            let error = #expect(throws: DataError.self, "cut at \(length) of \(png.count)") {
                _ = try TestImages.decode(Array(png.prefix(length)))
            }
            #expect(error?.code == .corruptImage)
        }
    }

    @Test("a PNG with a flipped data byte fails its checksum")
    func pngBadChecksum() throws {
        let image = try TestImages.randomRGB(width: 16, height: 16, seed: 7)
        var png = try PNGCodec.encode(samples: image.pixels, width: 16, height: 16, colorType: .truecolor)
        png[png.count / 2] ^= 0xFF
        let error = #expect(throws: DataError.self) { try TestImages.decode(png) }
        #expect(error?.code == .corruptImage)
    }

    @Test("a PNG header claiming 100000x100000 pixels is refused before decoding")
    func pngBomb() throws {
        let png = try PNGCodec.encode(samples: [1, 2, 3], width: 1, height: 1, colorType: .truecolor)
        let bomb = TestImages.patchPNGDimensions(png, width: 100_000, height: 100_000)
        let error = #expect(throws: DataError.self) { try TestImages.decode(bomb) }
        #expect(error?.code == .imageTooLarge)
        #expect(
            error?.message
                == "The png header declares 100000x100000 pixels, over the limit of 16384 per side and 40000000 in total; "
                + "the image was not decoded.")
        let info = #expect(throws: DataError.self) { try bomb.withUnsafeBytes { try ImageDecoder().info($0) } }
        #expect(info?.code == .imageTooLarge)
    }

    @Test("a JPEG header claiming 60000x60000 pixels is refused before decoding")
    func jpegBomb() throws {
        let jpeg = try JPEGCodec().encode(try TestImages.smoothRGB(width: 8, height: 8), quality: 90)
        let bomb = TestImages.patchJPEGDimensions(jpeg, width: 60_000, height: 60_000)
        let error = #expect(throws: DataError.self) { try TestImages.decode(bomb) }
        #expect(error?.code == .imageTooLarge)
    }

    @Test("the pixel-count limit is configurable")
    func customLimits() throws {
        let png = try PNGCodec.encode(
            samples: [UInt8](repeating: 9, count: 300), width: 10, height: 10, colorType: .truecolor)
        #expect(throws: DataError.self) { try TestImages.decode(png, limits: ImageLimits(maxSide: 100, maxPixels: 99)) }
        #expect(try TestImages.decode(png, limits: ImageLimits(maxSide: 10, maxPixels: 100)).width == 10)
    }

    @Test("info reads format and size without decoding")
    func info() throws {
        let decoder = try ImageDecoder()
        let png = try PNGCodec.encode(
            samples: [UInt8](repeating: 0, count: 7 * 3), width: 7, height: 3, colorType: .grayscale)
        #expect(try png.withUnsafeBytes { try decoder.info($0) } == ImageInfo(format: .png, width: 7, height: 3))
        let jpeg = try JPEGCodec().encode(try TestImages.smoothRGB(width: 33, height: 17))
        #expect(try jpeg.withUnsafeBytes { try decoder.info($0) } == ImageInfo(format: .jpeg, width: 33, height: 17))
    }
}
