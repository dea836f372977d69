// Copyright 2026 The Distill authors.

/// Limits checked against an image's header BEFORE any pixel is decoded (decompression-bomb guard).
public struct ImageLimits: Sendable, Equatable {
    /// Largest accepted width or height in pixels.
    public var maxSide: Int
    /// Largest accepted `width * height`.
    public var maxPixels: Int

    /// Creates limits.
    /// - Parameters:
    ///   - maxSide: Largest accepted width or height (default 16384).
    ///   - maxPixels: Largest accepted pixel count (default 40 megapixels).
    public init(maxSide: Int = 16_384, maxPixels: Int = 40_000_000) {
        self.maxSide = maxSide
        self.maxPixels = maxPixels
    }

    /// Throws when a header declares dimensions outside the limits.
    /// - Parameter info: The header facts.
    /// - Throws: `DataError.imageTooLarge` or `.corruptImage` (zero dimensions).
    public func check(_ info: ImageInfo) throws {
        guard info.width > 0, info.height > 0 else {
            throw DataError(
                .corruptImage,
                "The \(info.format.rawValue) header declares \(info.width)x\(info.height) pixels; the file is damaged or truncated."
            )
        }
        guard info.width <= maxSide, info.height <= maxSide, info.width * info.height <= maxPixels else {
            throw DataError(
                .imageTooLarge,
                "The \(info.format.rawValue) header declares \(info.width)x\(info.height) pixels, over the limit of "
                    + "\(maxSide) per side and \(maxPixels) in total; the image was not decoded.")
        }
    }
}
