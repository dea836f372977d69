// Copyright 2026 The Distill authors.

/// A decoded image in the form its decoder produced most cheaply.
public enum DecodedImage: Sendable, Equatable {
    /// Interleaved 8-bit RGB.
    case rgb(RGBImage)
    /// JPEG planes before colour conversion.
    case planes(YCbCrImage)

    /// Width in pixels.
    public var width: Int {
        switch self {
        case .rgb(let image): image.width
        case .planes(let image): image.width
        }
    }

    /// Height in pixels.
    public var height: Int {
        switch self {
        case .rgb(let image): image.height
        case .planes(let image): image.height
        }
    }
}
