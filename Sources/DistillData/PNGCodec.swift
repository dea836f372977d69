// Copyright 2026 The Distill authors.
// The one wrapper around libspng 0.7 (decode and encode). Every status is checked and turned into a
// DataError naming the function; raw pointers stay inside withUnsafe… closures.

import CSpng

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// PNG colour types, as the PNG specification numbers them.
public enum PNGColorType: UInt8, Sendable {
    case grayscale = 0
    case truecolor = 2
    case indexed = 3
    case grayscaleAlpha = 4
    case truecolorAlpha = 6

    /// Samples per pixel in the raw scanline data.
    public var channels: Int {
        switch self {
        case .grayscale, .indexed: 1
        case .grayscaleAlpha: 2
        case .truecolor: 3
        case .truecolorAlpha: 4
        }
    }
}

/// PNG decoding and encoding through libspng.
///
/// Stateless: safe to use from any thread.
///
/// Decoding always produces 8-bit RGB: grayscale is replicated into R, G and B, palettes are expanded,
/// 16-bit samples are reduced to 8 bits by libspng (the high byte), and alpha is dropped (the colour
/// channels are used as stored, not composited).
public enum PNGCodec {
    /// Reads width and height from a PNG header without decoding pixels.
    /// - Parameter bytes: The PNG file.
    /// - Returns: The declared dimensions.
    /// - Throws: `DataError.corruptImage` when `spng_get_ihdr` rejects the header.
    public static func header(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        try withDecoder(bytes) { context in try readHeader(context) }
    }

    /// Decodes a PNG to 8-bit RGB.
    /// - Parameters:
    ///   - bytes: The PNG file.
    ///   - limits: Checked against the header before any pixel is decoded.
    /// - Returns: The image, `(H, W, 3)`.
    /// - Throws: `DataError` with `.corruptImage` or `.imageTooLarge`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits = ImageLimits()) throws
        -> RGBImage
    {
        try withDecoder(bytes) { context in
            let info = try readHeader(context)
            try limits.check(info)
            var size = 0
            try check(spng_decoded_image_size(context, Int32(SPNG_FMT_RGB8.rawValue), &size), "spng_decoded_image_size")
            guard size == info.width * info.height * 3 else {
                throw DataError(
                    .corruptImage, "spng_decoded_image_size gave \(size) bytes for \(info.width)x\(info.height).")
            }
            var pixels = [UInt8](repeating: 0, count: size)
            let status = pixels.withUnsafeMutableBytes { destination in
                spng_decode_image(context, destination.baseAddress, size, Int32(SPNG_FMT_RGB8.rawValue), 0)
            }
            try check(status, "spng_decode_image")
            return try RGBImage(width: info.width, height: info.height, pixels: pixels)
        }
    }

    /// Encodes raw samples as a PNG (used by the Fashion-MNIST exporter and by tests to make images).
    /// - Parameters:
    ///   - samples: Scanlines without filter bytes, `(H, W, channels)`; 16-bit samples are host-endian
    ///     `UInt16` pairs of bytes; indexed images hold one palette index per byte.
    ///   - width: Width in pixels.
    ///   - height: Height in pixels.
    ///   - colorType: The PNG colour type.
    ///   - bitDepth: 8 or 16 (8 for indexed).
    ///   - palette: RGB entries for `.indexed`, at most 256.
    /// - Returns: The PNG file bytes.
    /// - Throws: `DataError.invalidArgument` for inconsistent sizes, `.library` when libspng fails.
    public static func encode(
        samples: [UInt8], width: Int, height: Int, colorType: PNGColorType, bitDepth: Int = 8,
        palette: [(red: UInt8, green: UInt8, blue: UInt8)] = []
    ) throws -> [UInt8] {
        let expected = width * height * colorType.channels * (bitDepth / 8)
        guard width > 0, height > 0, bitDepth == 8 || (bitDepth == 16 && colorType != .indexed),
            samples.count == expected, colorType != .indexed || (1...256).contains(palette.count)
        else {
            throw DataError(
                .invalidArgument,
                "Cannot encode a \(width)x\(height) \(colorType) PNG at \(bitDepth) bits from \(samples.count) bytes "
                    + "(expected \(expected)) with \(palette.count) palette entries.")
        }
        guard let context = spng_ctx_new(Int32(SPNG_CTX_ENCODER.rawValue)) else {
            throw DataError(.library, "spng_ctx_new(SPNG_CTX_ENCODER) returned NULL.")
        }
        defer { spng_ctx_free(context) }
        try check(spng_set_option(context, SPNG_ENCODE_TO_BUFFER, 1), "spng_set_option")
        var ihdr = spng_ihdr(
            width: UInt32(width), height: UInt32(height), bit_depth: UInt8(bitDepth), color_type: colorType.rawValue,
            compression_method: 0, filter_method: 0, interlace_method: 0)
        try check(spng_set_ihdr(context, &ihdr), "spng_set_ihdr")
        if colorType == .indexed {
            var plte = spng_plte()
            plte.n_entries = UInt32(palette.count)
            withUnsafeMutableBytes(of: &plte.entries) { raw in
                let entries = raw.bindMemory(to: spng_plte_entry.self)
                for (index, color) in palette.enumerated() {
                    entries[index] = spng_plte_entry(red: color.red, green: color.green, blue: color.blue, alpha: 255)
                }
            }
            try check(spng_set_plte(context, &plte), "spng_set_plte")
        }
        let status = samples.withUnsafeBytes { source in
            spng_encode_image(
                context, source.baseAddress, source.count, Int32(SPNG_FMT_PNG.rawValue),
                Int32(SPNG_ENCODE_FINALIZE.rawValue))
        }
        try check(status, "spng_encode_image")
        var length = 0
        var error: Int32 = 0
        guard let buffer = spng_get_png_buffer(context, &length, &error) else {
            throw DataError(
                .library, "spng_get_png_buffer failed (\(error)): \(String(cString: spng_strerror(error))).")
        }
        defer { free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }

    // MARK: - Private

    private static func withDecoder<Result>(
        _ bytes: UnsafeRawBufferPointer, _ body: (OpaquePointer) throws -> Result
    ) throws -> Result {
        guard !bytes.isEmpty else { throw DataError(.unsupportedFormat, "The PNG is empty.") }
        guard let context = spng_ctx_new(0) else {
            throw DataError(.library, "spng_ctx_new returned NULL.")
        }
        defer { spng_ctx_free(context) }
        // Ancillary chunks (text, ICC profiles) may not make us buffer more than 4 MiB each / 16 MiB total.
        try check(spng_set_chunk_limits(context, 4 << 20, 16 << 20), "spng_set_chunk_limits")
        try check(spng_set_png_buffer(context, bytes.baseAddress, bytes.count), "spng_set_png_buffer")
        return try body(context)
    }

    private static func readHeader(_ context: OpaquePointer) throws -> ImageInfo {
        var ihdr = spng_ihdr()
        try check(spng_get_ihdr(context, &ihdr), "spng_get_ihdr")
        return ImageInfo(format: .png, width: Int(ihdr.width), height: Int(ihdr.height))
    }

    private static func check(_ status: Int32, _ function: String) throws {
        guard status != 0 else { return }
        let text = String(cString: spng_strerror(status))
        throw DataError(.corruptImage, "\(function) failed (\(status)): \(text).")
    }
}
