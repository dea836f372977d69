// Copyright 2026 The Distill authors.
// The one wrapper around libturbojpeg (TurboJPEG API, libjpeg-turbo 2.1). Every status is checked and
// turned into a DataError naming the function; raw pointers stay inside withUnsafe… closures.

import CTurboJPEG

/// JPEG decoding (with DCT scaling) and encoding through libturbojpeg.
///
/// A codec owns two TurboJPEG handles and is not thread-safe: use one per thread. Create it once and
/// reuse it; creating handles per image costs more than decoding a small one.
public final class JPEGCodec {
    private var decompressor: tjhandle
    private var compressor: tjhandle?
    /// Y, Cb and Cr planes of the last `decodeYCbCr`, reused by the next one.
    private var lumaPlane: [UInt8] = []
    private var bluePlane: [UInt8] = []
    private var redPlane: [UInt8] = []

    /// The DCT scaling factors libturbojpeg offers, as (numerator, denominator) pairs (n/8 for n in 1…16).
    public let scalingFactors: [(numerator: Int, denominator: Int)]

    /// Creates a codec.
    /// - Throws: `DataError.library` when `tjInitDecompress` fails.
    public init() throws {
        guard let handle = tjInitDecompress() else {
            throw DataError(.library, "tjInitDecompress failed: \(String(cString: tjGetErrorStr2(nil)))")
        }
        decompressor = handle
        var count: Int32 = 0
        var factors: [(numerator: Int, denominator: Int)] = []
        if let list = tjGetScalingFactors(&count) {
            for index in 0..<Int(count) { factors.append((Int(list[index].num), Int(list[index].denom))) }
        }
        scalingFactors = factors.isEmpty ? [(1, 1)] : factors
    }

    deinit {
        tjDestroy(decompressor)
        if let compressor { tjDestroy(compressor) }
    }

    /// Reads width and height from a JPEG header without decoding pixels.
    /// - Parameter bytes: The JPEG file.
    /// - Returns: The declared dimensions.
    /// - Throws: `DataError.corruptImage` when `tjDecompressHeader3` rejects the header.
    public func header(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else {
            throw DataError(.unsupportedFormat, "The JPEG is empty.")
        }
        let header = try readHeader(base, count: bytes.count)
        return ImageInfo(format: .jpeg, width: header.width, height: header.height)
    }

    /// `tjDecompressHeader3` with its status checked (the handle is replaced after a failure).
    private func readHeader(_ base: UnsafePointer<UInt8>, count: Int) throws -> (
        width: Int, height: Int, subsampling: Int32, colorspace: Int32
    ) {
        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        let status = tjDecompressHeader3(decompressor, base, UInt(count), &width, &height, &subsampling, &colorspace)
        guard status == 0 else {
            let message = lastError(decompressor)
            resetDecompressor()
            throw DataError(.corruptImage, "tjDecompressHeader3 failed (\(status)): \(message).")
        }
        return (Int(width), Int(height), subsampling, colorspace)
    }

    /// The scaled size libturbojpeg produces for a factor: `ceil(dimension * numerator / denominator)`.
    /// - Parameters:
    ///   - dimension: Full-size width or height.
    ///   - factor: A scaling factor from `scalingFactors`.
    /// - Returns: The scaled dimension.
    public static func scaled(_ dimension: Int, by factor: (numerator: Int, denominator: Int)) -> Int {
        (dimension * factor.numerator + factor.denominator - 1) / factor.denominator
    }

    /// Picks the smallest scaling factor whose output is still at least `minimumWidth` x `minimumHeight`
    /// (never larger than full size; full size when even that is smaller than asked).
    /// - Parameters:
    ///   - info: The header facts.
    ///   - minimumWidth: Smallest acceptable decoded width.
    ///   - minimumHeight: Smallest acceptable decoded height.
    /// - Returns: The chosen factor.
    public func scalingFactor(for info: ImageInfo, minimumWidth: Int, minimumHeight: Int) -> (
        numerator: Int, denominator: Int
    ) {
        var best = (numerator: 1, denominator: 1)
        var bestWidth = info.width
        for factor in scalingFactors where factor.numerator <= factor.denominator {
            let width = Self.scaled(info.width, by: factor)
            let height = Self.scaled(info.height, by: factor)
            if width >= minimumWidth, height >= minimumHeight, width < bestWidth {
                best = factor
                bestWidth = width
            }
        }
        return best
    }

    /// The scaling factor of the plane decode (`decodeYCbCr`): `scalingFactor`'s (the smallest that still
    /// gives `minimumWidth` x `minimumHeight`), or the next of 1/8, 1/4, 1/2 and 1/1 above it when that is at
    /// most 4/3 as large (3/8 becomes 1/2, 3/4 and 7/8 become 1/1; 5/8 stays).
    ///
    /// libjpeg-turbo has SIMD inverse DCTs only for those four sizes; the others run plain C and cost more
    /// than the next power of two up. Measured on a 94 KB 640x480 4:2:0 JPEG (`tjDecompressToYUVPlanes`, one
    /// core, µs per image): 3/8 908, 1/2 858; 5/8 1137, 3/4 1238, 7/8 1585, 1/1 947. The decode is never
    /// smaller than `scalingFactor` makes it, only sometimes larger and faster; 4/3 bounds the extra
    /// resizing work.
    /// - Parameters:
    ///   - info: The header facts.
    ///   - minimumWidth: Smallest acceptable decoded width.
    ///   - minimumHeight: Smallest acceptable decoded height.
    /// - Returns: The chosen factor.
    public func planeScalingFactor(for info: ImageInfo, minimumWidth: Int, minimumHeight: Int) -> (
        numerator: Int, denominator: Int
    ) {
        let smallest = scalingFactor(for: info, minimumWidth: minimumWidth, minimumHeight: minimumHeight)
        let smallestWidth = Self.scaled(info.width, by: smallest)
        var best = smallest
        var bestWidth = Int.max
        for factor in scalingFactors where factor.numerator == 1 && [1, 2, 4, 8].contains(factor.denominator) {
            let width = Self.scaled(info.width, by: factor)
            if width >= smallestWidth, Self.scaled(info.height, by: factor) >= Self.scaled(info.height, by: smallest),
                width < bestWidth, 3 * width <= 4 * smallestWidth
            {
                best = factor
                bestWidth = width
            }
        }
        return best
    }

    /// Decodes a JPEG to RGB, scaled down by the DCT so that the result is no larger than needed.
    ///
    /// Warnings (such as a truncated file) are failures: a damaged image is never returned.
    /// - Parameters:
    ///   - bytes: The JPEG file.
    ///   - limits: Checked against the header before decoding.
    ///   - minimumWidth: Smallest acceptable decoded width (0 = full size).
    ///   - minimumHeight: Smallest acceptable decoded height (0 = full size).
    /// - Returns: The decoded image, `(H, W, 3)`.
    /// - Throws: `DataError` with `.corruptImage`, `.imageTooLarge` or `.unsupportedFormat`.
    public func decode(
        _ bytes: UnsafeRawBufferPointer, limits: ImageLimits = ImageLimits(), minimumWidth: Int = 0,
        minimumHeight: Int = 0
    ) throws -> RGBImage {
        let info = try header(bytes)
        try limits.check(info)
        let factor =
            (minimumWidth <= 0 && minimumHeight <= 0)
            ? (numerator: 1, denominator: 1)
            : scalingFactor(for: info, minimumWidth: minimumWidth, minimumHeight: minimumHeight)
        let width = Self.scaled(info.width, by: factor)
        let height = Self.scaled(info.height, by: factor)
        let flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
        var status: Int32 = -1
        // tjDecompress2 writes every byte of the buffer, so it need not be zeroed first.
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { destination, count in
            status = tjDecompress2(
                decompressor, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt(bytes.count),
                destination.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), flags)
            count = status == 0 ? destination.count : 0
        }
        guard status == 0 else {
            let message = lastError(decompressor)
            resetDecompressor()
            throw DataError(.corruptImage, "tjDecompress2 failed: \(message).")
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Decodes a JPEG to its Y, Cb and Cr planes (DCT-scaled like `decode`), skipping libjpeg's colour
    /// conversion and chroma upsampling, which the resizer then does at the (smaller) output size.
    ///
    /// - Parameters:
    ///   - bytes: The JPEG file.
    ///   - limits: Checked against the header before decoding.
    ///   - minimumWidth: Smallest acceptable decoded width.
    ///   - minimumHeight: Smallest acceptable decoded height.
    /// - Returns: The planes, or `nil` for JPEGs that are not YCbCr or grayscale (RGB, CMYK, YCCK), which
    ///   `decode` handles.
    /// - Throws: `DataError` with `.corruptImage` or `.imageTooLarge`.
    public func decodeYCbCr(
        _ bytes: UnsafeRawBufferPointer, limits: ImageLimits = ImageLimits(), minimumWidth: Int, minimumHeight: Int
    ) throws -> YCbCrImage? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else {
            throw DataError(.unsupportedFormat, "The JPEG is empty.")
        }
        let header = try readHeader(base, count: bytes.count)
        let (subsampling, colorspace) = (header.subsampling, header.colorspace)
        let info = ImageInfo(format: .jpeg, width: header.width, height: header.height)
        try limits.check(info)
        let factors: (Int, Int)
        switch subsampling {
        case Int32(TJSAMP_444.rawValue), Int32(TJSAMP_GRAY.rawValue): factors = (1, 1)
        case Int32(TJSAMP_422.rawValue): factors = (2, 1)
        case Int32(TJSAMP_420.rawValue): factors = (2, 2)
        case Int32(TJSAMP_440.rawValue): factors = (1, 2)
        case Int32(TJSAMP_411.rawValue): factors = (4, 1)
        default: return nil
        }
        let gray = colorspace == Int32(TJCS_GRAY.rawValue)
        guard gray || colorspace == Int32(TJCS_YCbCr.rawValue) else { return nil }
        let factor = planeScalingFactor(for: info, minimumWidth: minimumWidth, minimumHeight: minimumHeight)
        let width = Self.scaled(info.width, by: factor)
        let height = Self.scaled(info.height, by: factor)
        let chromaWidth = gray ? 0 : Int(tjPlaneWidth(1, Int32(width), subsampling))
        let chromaHeight = gray ? 0 : Int(tjPlaneHeight(1, Int32(height), subsampling))
        // libturbojpeg writes the luma plane padded to whole chroma samples (an odd scaled width or height
        // under 4:2:0 gets one more column or row), so it is decoded at that size and then compacted.
        let paddedWidth = Int(tjPlaneWidth(0, Int32(width), subsampling))
        let paddedHeight = Int(tjPlaneHeight(0, Int32(height), subsampling))
        guard chromaWidth >= 0, chromaHeight >= 0, paddedWidth >= width, paddedHeight >= height else { return nil }
        // The planes are written in place into the codec's own arrays, which the returned image shares: when
        // the caller has let go of the previous image they are reused without allocating or zeroing.
        Self.prepare(&lumaPlane, count: paddedWidth * paddedHeight)
        Self.prepare(&bluePlane, count: chromaWidth * chromaHeight)
        Self.prepare(&redPlane, count: chromaWidth * chromaHeight)
        let flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
        let status = lumaPlane.withUnsafeMutableBufferPointer { lumaBuffer in
            bluePlane.withUnsafeMutableBufferPointer { blueBuffer in
                redPlane.withUnsafeMutableBufferPointer { redBuffer in
                    var planes:
                        (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?) =
                            (lumaBuffer.baseAddress, blueBuffer.baseAddress, redBuffer.baseAddress)
                    var strides: (Int32, Int32, Int32) = (Int32(paddedWidth), Int32(chromaWidth), Int32(chromaWidth))
                    return withUnsafeMutableBytes(of: &planes) { planeBytes in
                        withUnsafeMutableBytes(of: &strides) { strideBytes in
                            tjDecompressToYUVPlanes(
                                decompressor, base, UInt(bytes.count),
                                planeBytes.baseAddress?.assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self),
                                Int32(width), strideBytes.baseAddress?.assumingMemoryBound(to: Int32.self),
                                Int32(height), flags)
                        }
                    }
                }
            }
        }
        guard status == 0 else {
            let message = lastError(decompressor)
            resetDecompressor()
            throw DataError(.corruptImage, "tjDecompressToYUVPlanes failed: \(message).")
        }
        if paddedWidth != width {
            lumaPlane.withUnsafeMutableBufferPointer { luma in
                guard let base = luma.baseAddress else { return }
                // Rows move towards the start, so a forward copy never reads a byte it has already overwritten.
                for row in stride(from: 1, to: height, by: 1) {
                    let target = base + row * width
                    let source = base + row * paddedWidth
                    for column in 0..<width { target[column] = source[column] }
                }
            }
        }
        Self.prepare(&lumaPlane, count: width * height)
        return YCbCrImage(
            width: width, height: height, luma: lumaPlane, chromaWidth: chromaWidth, chromaHeight: chromaHeight,
            blue: bluePlane, red: redPlane, horizontalFactor: factors.0, verticalFactor: factors.1)
    }

    /// Encodes an RGB image as a baseline JPEG (used by tests and benchmarks to make inputs).
    /// - Parameters:
    ///   - image: The pixels.
    ///   - quality: 1…100.
    ///   - chromaSubsampling444: `true` for 4:4:4 (no chroma subsampling), `false` for 4:2:0.
    ///   - grayscale: Write a one-component grayscale JPEG (luma only).
    /// - Returns: The JPEG file bytes.
    /// - Throws: `DataError.library` when `tjCompress2` fails.
    public func encode(
        _ image: RGBImage, quality: Int = 90, chromaSubsampling444: Bool = true, grayscale: Bool = false
    ) throws -> [UInt8] {
        if compressor == nil { compressor = tjInitCompress() }
        guard let compressor else {
            throw DataError(.library, "tjInitCompress failed: \(String(cString: tjGetErrorStr2(nil))).")
        }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let subsampling = grayscale ? TJSAMP_GRAY : chromaSubsampling444 ? TJSAMP_444 : TJSAMP_420
        let status = image.pixels.withUnsafeBufferPointer { source in
            tjCompress2(
                compressor, source.baseAddress, Int32(image.width), 0, Int32(image.height),
                Int32(TJPF_RGB.rawValue), &output, &size, Int32(subsampling.rawValue), Int32(quality), 0)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            throw DataError(.library, "tjCompress2 failed: \(lastError(compressor)).")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// Makes `plane` hold `count` bytes, keeping its storage (and so its old contents, which the decode
    /// overwrites) as far as it reaches.
    private static func prepare(_ plane: inout [UInt8], count: Int) {
        if plane.count > count {
            plane.removeLast(plane.count - count)
        } else if plane.count < count {
            plane.append(contentsOf: repeatElement(0, count: count - plane.count))
        }
    }

    /// A handle that failed mid-decode can report later headers as 0x0 (libjpeg-turbo 2.1): replace it.
    private func resetDecompressor() {
        guard let fresh = tjInitDecompress() else { return }
        tjDestroy(decompressor)
        decompressor = fresh
    }

    private func lastError(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: text)
    }
}
