// Copyright 2026 The Distill authors.

/// A decoded 8-bit RGB image.
///
/// `pixels: (H, W, 3)` row-major, interleaved R, G, B; `pixels.count == width * height * 3`.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// `(H, W, 3)` interleaved RGB bytes.
    public var pixels: [UInt8]

    /// Creates an image from interleaved RGB bytes.
    /// - Parameters:
    ///   - width: Width in pixels, at least 1.
    ///   - height: Height in pixels, at least 1.
    ///   - pixels: `(H, W, 3)` bytes.
    /// - Throws: `DataError.invalidArgument` when the sizes do not match.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw DataError(
                .invalidArgument,
                "An RGB image of \(width)x\(height) needs \(max(0, width * height * 3)) bytes, got \(pixels.count).")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Reads one channel value.
    /// - Parameters:
    ///   - x: Column, `0..<width`.
    ///   - y: Row, `0..<height`.
    ///   - channel: 0 = red, 1 = green, 2 = blue.
    /// - Returns: The byte at that position.
    public func value(x: Int, y: Int, channel: Int) -> UInt8 {
        pixels[(y * width + x) * 3 + channel]
    }
}
