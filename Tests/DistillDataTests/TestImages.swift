// Copyright 2026 The Distill authors.
// Helpers that make the images the tests decode: deterministic pixels, PNG header surgery with CRC-32.

import DistillData

/// A tiny deterministic generator (SplitMix64) so test images are the same on every run.
struct TestRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

enum TestImages {
    /// Random RGB pixels.
    static func randomRGB(width: Int, height: Int, seed: UInt64) throws -> RGBImage {
        var random = TestRandom(seed: seed)
        return try RGBImage(width: width, height: height, pixels: random.bytes(width * height * 3))
    }

    /// A smooth image (gradients) that JPEG reproduces closely.
    static func smoothRGB(width: Int, height: Int) throws -> RGBImage {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                pixels.append(UInt8(x * 255 / max(1, width - 1)))
                pixels.append(UInt8(y * 255 / max(1, height - 1)))
                pixels.append(UInt8((x + y) * 255 / max(1, width + height - 2)))
            }
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    /// The PNG CRC-32 (polynomial 0xEDB88320) of some bytes.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }

    /// Rewrites the width and height in a PNG's IHDR chunk and fixes its CRC.
    static func patchPNGDimensions(_ png: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var bytes = png
        // 8 signature bytes, then IHDR: length(4) "IHDR"(4) width(4) height(4) … CRC over type+data (17 bytes).
        for (offset, value) in [(16, width), (20, height)] {
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index)) }
        }
        let crc = crc32(bytes[12..<29])
        for index in 0..<4 { bytes[29 + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * index)) }
        return bytes
    }

    /// Rewrites the height and width in a baseline JPEG's SOF0 marker.
    static func patchJPEGDimensions(_ jpeg: [UInt8], width: UInt16, height: UInt16) -> [UInt8] {
        var bytes = jpeg
        var index = 2
        while index + 9 < bytes.count {
            if bytes[index] == 0xFF, bytes[index + 1] == 0xC0 {
                bytes[index + 5] = UInt8(height >> 8)
                bytes[index + 6] = UInt8(height & 0xFF)
                bytes[index + 7] = UInt8(width >> 8)
                bytes[index + 8] = UInt8(width & 0xFF)
                return bytes
            }
            index += 1
        }
        return bytes
    }

    /// Decodes with a fresh decoder, full size.
    static func decode(_ bytes: [UInt8], limits: ImageLimits = ImageLimits()) throws -> RGBImage {
        let decoder = try ImageDecoder(limits: limits)
        return try bytes.withUnsafeBytes { try decoder.decode($0) }
    }
}
