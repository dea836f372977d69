// Copyright 2026 The Distill authors.

/// A JPEG decoded to its planes without colour conversion or chroma upsampling.
///
/// `luma: (height, width)`; `blue`, `red`: `(chromaHeight, chromaWidth)` Cb and Cr (empty for grayscale).
/// Chroma sample `(i, j)` covers luma rows `[i·verticalFactor, (i+1)·verticalFactor)` and columns
/// `[j·horizontalFactor, (j+1)·horizontalFactor)`, as JPEG sites chroma. Colours follow JFIF
/// (full-range BT.601).
public struct YCbCrImage: Sendable, Equatable {
    /// Luma width in pixels.
    public var width: Int
    /// Luma height in pixels.
    public var height: Int
    /// Y samples, `(height, width)`.
    public var luma: [UInt8]
    /// Chroma plane width.
    public var chromaWidth: Int
    /// Chroma plane height.
    public var chromaHeight: Int
    /// Cb samples, `(chromaHeight, chromaWidth)`; empty for grayscale.
    public var blue: [UInt8]
    /// Cr samples, `(chromaHeight, chromaWidth)`; empty for grayscale.
    public var red: [UInt8]
    /// Luma columns per chroma column (1, 2 or 4).
    public var horizontalFactor: Int
    /// Luma rows per chroma row (1 or 2).
    public var verticalFactor: Int

    /// Creates planes (for example from another decoder, or in tests); the counts are checked by the resizer.
    /// - Parameters:
    ///   - width: Luma width.
    ///   - height: Luma height.
    ///   - luma: `(height, width)` Y samples.
    ///   - chromaWidth: Chroma plane width (0 for grayscale).
    ///   - chromaHeight: Chroma plane height (0 for grayscale).
    ///   - blue: `(chromaHeight, chromaWidth)` Cb samples; empty for grayscale.
    ///   - red: `(chromaHeight, chromaWidth)` Cr samples; empty for grayscale.
    ///   - horizontalFactor: Luma columns per chroma column.
    ///   - verticalFactor: Luma rows per chroma row.
    public init(
        width: Int, height: Int, luma: [UInt8], chromaWidth: Int, chromaHeight: Int, blue: [UInt8], red: [UInt8],
        horizontalFactor: Int, verticalFactor: Int
    ) {
        self.width = width
        self.height = height
        self.luma = luma
        self.chromaWidth = chromaWidth
        self.chromaHeight = chromaHeight
        self.blue = blue
        self.red = red
        self.horizontalFactor = horizontalFactor
        self.verticalFactor = verticalFactor
    }

    /// Whether the image has no chroma planes.
    public var isGrayscale: Bool { blue.isEmpty }
}
