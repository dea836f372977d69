// Copyright 2026 The Distill authors.

/// Decodes JPEG and PNG bytes to RGB, choosing the decoder from the leading bytes.
///
/// Holds a TurboJPEG handle, so it is not thread-safe: use one decoder per thread and reuse it.
public final class ImageDecoder {
    private let jpeg: JPEGCodec
    /// Checked against every header before decoding.
    public let limits: ImageLimits

    /// Creates a decoder.
    /// - Parameter limits: Dimension limits checked before decoding (decompression-bomb guard).
    /// - Throws: `DataError.library` when libturbojpeg cannot create a handle.
    public init(limits: ImageLimits = ImageLimits()) throws {
        jpeg = try JPEGCodec()
        self.limits = limits
    }

    /// Detects the format and reads the dimensions from the header, without decoding pixels.
    /// - Parameter bytes: The file.
    /// - Returns: Format and declared size (the limits are checked too).
    /// - Throws: `DataError` with `.unsupportedFormat`, `.corruptImage` or `.imageTooLarge`.
    public func info(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        let info: ImageInfo
        switch try Self.format(bytes) {
        case .jpeg: info = try jpeg.header(bytes)
        case .png: info = try PNGCodec.header(bytes)
        }
        try limits.check(info)
        return info
    }

    /// Decodes to RGB.
    ///
    /// JPEGs are scaled down by the DCT while decoding, to the smallest size that is
    /// still at least `minimumWidth` x `minimumHeight`; PNGs are always decoded at full size.
    /// - Parameters:
    ///   - bytes: The file.
    ///   - minimumWidth: Smallest useful decoded width (0 = full size).
    ///   - minimumHeight: Smallest useful decoded height (0 = full size).
    /// - Returns: The image, `(H, W, 3)`.
    /// - Throws: `DataError` with `.unsupportedFormat`, `.corruptImage` or `.imageTooLarge`.
    public func decode(_ bytes: UnsafeRawBufferPointer, minimumWidth: Int = 0, minimumHeight: Int = 0) throws
        -> RGBImage
    {
        switch try Self.format(bytes) {
        case .jpeg:
            return try jpeg.decode(bytes, limits: limits, minimumWidth: minimumWidth, minimumHeight: minimumHeight)
        case .png:
            return try PNGCodec.decode(bytes, limits: limits)
        }
    }

    /// Decodes for resizing to at least `minimumWidth` x `minimumHeight`: YCbCr and grayscale JPEGs as
    /// planes (the fast path: no colour conversion or chroma upsampling at decode size), everything else
    /// as RGB.
    /// - Parameters:
    ///   - bytes: The file.
    ///   - minimumWidth: Smallest useful decoded width.
    ///   - minimumHeight: Smallest useful decoded height.
    /// - Returns: The planes or the RGB image.
    /// - Throws: `DataError` with `.unsupportedFormat`, `.corruptImage` or `.imageTooLarge`.
    public func decodeForResize(_ bytes: UnsafeRawBufferPointer, minimumWidth: Int, minimumHeight: Int) throws
        -> DecodedImage
    {
        if try Self.format(bytes) == .jpeg,
            let planes = try jpeg.decodeYCbCr(
                bytes, limits: limits, minimumWidth: minimumWidth, minimumHeight: minimumHeight)
        {
            return .planes(planes)
        }
        return .rgb(try decode(bytes, minimumWidth: minimumWidth, minimumHeight: minimumHeight))
    }

    private static func format(_ bytes: UnsafeRawBufferPointer) throws -> ImageFormat {
        guard let format = ImageFormat.detect(bytes) else {
            throw DataError(
                .unsupportedFormat,
                "The bytes are \(ImageFormat.describeUnsupported(bytes)), not a JPEG or PNG image; "
                    + "only JPEG and PNG are supported.")
        }
        return format
    }
}
