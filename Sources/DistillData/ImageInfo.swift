// Copyright 2026 The Distill authors.

/// What an image header says, read without decoding the pixels.
public struct ImageInfo: Sendable, Equatable {
    /// The format detected from the leading bytes.
    public var format: ImageFormat
    /// Width in pixels as declared in the header.
    public var width: Int
    /// Height in pixels as declared in the header.
    public var height: Int

    /// Creates header facts.
    /// - Parameters:
    ///   - format: The detected format.
    ///   - width: Declared width.
    ///   - height: Declared height.
    public init(format: ImageFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }
}
