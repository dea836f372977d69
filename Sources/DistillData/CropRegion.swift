// Copyright 2026 The Distill authors.

/// The source rectangle of a resize, in pixels of the decoded image.
public struct CropRegion: Sendable, Equatable {
    /// Left column.
    public var x: Int
    /// Top row.
    public var y: Int
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a region.
    /// - Parameters:
    ///   - x: Left column.
    ///   - y: Top row.
    ///   - width: Width in pixels.
    ///   - height: Height in pixels.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The largest centred square of a `width` x `height` image.
    /// - Parameters:
    ///   - width: Image width.
    ///   - height: Image height.
    /// - Returns: The square region.
    public static func centerSquare(width: Int, height: Int) -> CropRegion {
        let side = min(width, height)
        return CropRegion(x: (width - side) / 2, y: (height - side) / 2, width: side, height: side)
    }
}
