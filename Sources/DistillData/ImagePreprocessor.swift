// Copyright 2026 The Distill authors.
// Bytes → student input tensor. Layout: NCHW float32, one sample is (3, resolution, resolution),
// channels R, G, B; value = (pixel − mean[c]) / std[c] with pixel in 0…255 (default: MobileNet's
// [-1, 1] scaling, pixel / 127.5 − 1). The resized pixels are rounded to bytes before they are normalised
// (planar (3, R, R) uint8, what the decoded-image store keeps), so every input holds byte values as a camera
// frame does, and a tensor decoded now equals one read from the store bit for bit.

/// Decodes, crops, resizes and normalises images into student input tensors.
///
/// Not thread-safe (it owns a decoder and scratch memory): create one per thread and reuse it.
public final class ImagePreprocessor {
    /// Output height and width.
    public let resolution: Int
    /// Crop applied before resizing.
    public let cropMode: CropMode
    /// Per-channel normalisation.
    public let normalization: Normalization
    private let decoder: ImageDecoder
    private let resizer = ImageResizer()
    /// Scratch: the resized image in pixel units, then rounded to bytes.
    private var planes: [Float]
    private var pixels: [UInt8]
    /// `table[c * 256 + b]`: byte `b` of channel `c` normalised.
    private let table: [Float]

    /// Floats per sample: `3 * resolution * resolution`.
    public var sampleCount: Int { 3 * resolution * resolution }

    /// Creates a preprocessor.
    /// - Parameters:
    ///   - resolution: The student's input size (H = W), at least 1.
    ///   - cropMode: Crop before resizing (default centre square).
    ///   - normalization: Value scaling (default MobileNet's [-1, 1]).
    ///   - limits: Dimension limits checked before decoding.
    /// - Throws: `DataError.invalidArgument` for a resolution below 1, `.library` when libturbojpeg fails.
    public init(
        resolution: Int, cropMode: CropMode = .centerSquare, normalization: Normalization = .mobileNet,
        limits: ImageLimits = ImageLimits()
    ) throws {
        guard resolution >= 1, resolution <= 4096 else {
            throw DataError(.invalidArgument, "Resolution \(resolution) is outside 1…4096.")
        }
        self.resolution = resolution
        self.cropMode = cropMode
        self.normalization = normalization
        decoder = try ImageDecoder(limits: limits)
        planes = [Float](repeating: 0, count: 3 * resolution * resolution)
        pixels = [UInt8](repeating: 0, count: 3 * resolution * resolution)
        table = (0..<3).flatMap { channel in
            (0..<256).map { (Float($0) - normalization.mean[channel]) / normalization.standardDeviation[channel] }
        }
    }

    /// Bytes per sample of ``resizedBytes(_:into:)``: `3 * resolution * resolution`.
    public var byteCount: Int { 3 * resolution * resolution }

    /// Decodes one image file, crops it (the crop mode) and resizes it to `(3, resolution, resolution)` bytes,
    /// each resized value rounded to the nearest of 0…255: what ``process(_:into:)`` normalises.
    /// - Parameters:
    ///   - bytes: A JPEG or PNG file.
    ///   - destination: At least ``byteCount`` bytes.
    /// - Throws: `DataError` as ``process(_:into:)``; `.invalidArgument` when the destination is too small.
    public func resizedBytes(_ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<UInt8>) throws {
        guard destination.count >= byteCount else {
            throw DataError(.invalidArgument, "\(byteCount) bytes needed, got \(destination.count).")
        }
        try resizeDecoded(bytes, augmentation: nil)
        planes.withUnsafeBufferPointer { planes in
            for index in 0..<byteCount { destination[index] = Self.byte(planes[index]) }
        }
    }

    /// Normalises `(3, resolution, resolution)` bytes from ``resizedBytes(_:into:)`` into floats.
    /// - Parameters:
    ///   - bytes: At least ``byteCount`` bytes.
    ///   - destination: At least ``sampleCount`` floats.
    public func normalize(_ bytes: UnsafeBufferPointer<UInt8>, into destination: UnsafeMutableBufferPointer<Float>) {
        let area = resolution * resolution
        precondition(bytes.count >= 3 * area && destination.count >= 3 * area, "sample buffers too small")
        table.withUnsafeBufferPointer { table in
            for channel in 0..<3 {
                let offset = channel * area
                let lookup = channel * 256
                for index in offset..<(offset + area) { destination[index] = table[lookup + Int(bytes[index])] }
            }
        }
    }

    /// A resized value in pixel units rounded to a byte.
    @inline(__always)
    static func byte(_ value: Float) -> UInt8 {
        UInt8(max(0, min(255, value.rounded())))
    }

    /// Decodes one image file and writes its normalised tensor.
    /// - Parameters:
    ///   - bytes: A JPEG or PNG file.
    ///   - destination: `(3, resolution, resolution)` floats (e.g. one sample of an NCHW batch).
    /// - Throws: `DataError` (`.unsupportedFormat`, `.corruptImage`, `.imageTooLarge`) — never crashes on bad bytes.
    public func process(_ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try process(bytes, into: destination, augmentation: nil)
    }

    /// Decodes one image file and writes its normalised tensor, cropped and flipped as `augmentation` says.
    /// - Parameters:
    ///   - bytes: A JPEG or PNG file.
    ///   - destination: `(3, resolution, resolution)` floats.
    ///   - augmentation: The crop (fractions of the crop mode's region) and flip; nil for none.
    /// - Throws: `DataError` as `process(_:into:)`.
    public func process(
        _ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>,
        augmentation: Augmentation?
    ) throws {
        try checkSample(destination)
        try resizeDecoded(bytes, augmentation: augmentation)
        finish(into: destination, flip: augmentation?.flip == true)
    }

    /// Decodes and resizes (the crop mode's region, cut as `augmentation` says) into `planes`, pixel units.
    private func resizeDecoded(_ bytes: UnsafeRawBufferPointer, augmentation: Augmentation?) throws {
        // A crop keeps a fraction of the image: decode at a scale that still leaves `resolution` pixels in it.
        let fraction = augmentation?.crop.map { min(max($0.width, 0.01), 1) } ?? 1
        let needed = Int((Double(resolution) / fraction).rounded(.up))
        let decoded = try decoder.decodeForResize(bytes, minimumWidth: needed, minimumHeight: needed)
        let area = region(width: decoded.width, height: decoded.height, augmentation)
        try planes.withUnsafeMutableBufferPointer { planes in
            switch decoded {
            case .rgb(let image):
                try resizer.resize(
                    image, region: area, width: resolution, height: resolution, into: planes,
                    normalization: .identity)
            case .planes(let image):
                try resizer.resize(
                    image, region: area, width: resolution, height: resolution, into: planes,
                    normalization: .identity)
            }
        }
    }

    /// `planes` rounded to bytes, normalised into `destination`, mirrored when `flip`: every tensor's last step,
    /// so every input holds byte values as a camera frame does, whichever way it was made.
    private func finish(into destination: UnsafeMutableBufferPointer<Float>, flip: Bool) {
        planes.withUnsafeBufferPointer { planes in
            pixels.withUnsafeMutableBufferPointer { pixels in
                for index in 0..<byteCount { pixels[index] = Self.byte(planes[index]) }
                normalize(UnsafeBufferPointer(pixels), into: destination)
            }
        }
        if flip { Self.flipHorizontally(destination, resolution: resolution) }
    }

    private func checkSample(_ destination: UnsafeMutableBufferPointer<Float>) throws {
        guard destination.count >= sampleCount else {
            throw DataError(.invalidArgument, "\(sampleCount) floats needed, got \(destination.count).")
        }
    }

    /// Mirrors a `(3, R, R)` tensor left to right in place.
    static func flipHorizontally(_ tensor: UnsafeMutableBufferPointer<Float>, resolution: Int) {
        for row in 0..<(3 * resolution) {
            var left = row * resolution
            var right = left + resolution - 1
            while left < right {
                tensor.swapAt(left, right)
                left += 1
                right -= 1
            }
        }
    }

    /// Decodes an image and keeps its base region (the crop mode's) as RGB bytes, resized to `side`×`side` when
    /// it is larger, its own pixels when it is not (nothing is upsampled): the source image the decoded-image
    /// store keeps for augmented samples, which ``process(source:into:augmentation:)`` crops from.
    /// - Parameters:
    ///   - bytes: A JPEG or PNG file.
    ///   - side: The largest side kept.
    /// - Returns: The image.
    /// - Throws: `DataError` as `process(_:into:)`.
    public func sourceImage(_ bytes: UnsafeRawBufferPointer, side: Int) throws -> RGBImage {
        let decoded = try decoder.decodeForResize(bytes, minimumWidth: side, minimumHeight: side)
        let base = region(width: decoded.width, height: decoded.height)
        let native = base.width <= side && base.height <= side
        if native, case .rgb(let image) = decoded {
            var pixels = [UInt8](repeating: 0, count: 3 * base.width * base.height)
            for row in 0..<base.height {
                let from = ((base.y + row) * image.width + base.x) * 3
                pixels.replaceSubrange(
                    (row * base.width * 3)..<((row + 1) * base.width * 3),
                    with: image.pixels[from..<(from + base.width * 3)])
            }
            return try RGBImage(width: base.width, height: base.height, pixels: pixels)
        }
        let (width, height) = native ? (base.width, base.height) : (side, side)
        var planes = [Float](repeating: 0, count: 3 * width * height)
        try planes.withUnsafeMutableBufferPointer { planes in
            switch decoded {
            case .rgb(let image):
                try resizer.resize(
                    image, region: base, width: width, height: height, into: planes, normalization: .identity)
            case .planes(let image):
                try resizer.resize(
                    image, region: base, width: width, height: height, into: planes, normalization: .identity)
            }
        }
        let area = width * height
        var pixels = [UInt8](repeating: 0, count: 3 * area)
        for index in 0..<area {
            for channel in 0..<3 {
                pixels[index * 3 + channel] = Self.byte(planes[channel * area + index])
            }
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Crops a source image as `augmentation` says (fractions of the whole image), resizes, normalises and
    /// flips it into a tensor.
    /// - Parameters:
    ///   - image: A source image from ``sourceImage(_:side:)``.
    ///   - destination: `(3, resolution, resolution)` floats.
    ///   - augmentation: The crop and flip; nil for the whole image.
    /// - Throws: `DataError.invalidArgument` when the destination is too small.
    public func process(
        source image: RGBImage, into destination: UnsafeMutableBufferPointer<Float>, augmentation: Augmentation?
    ) throws {
        try checkSample(destination)
        let whole = CropRegion(x: 0, y: 0, width: image.width, height: image.height)
        try planes.withUnsafeMutableBufferPointer { planes in
            try resizer.resize(
                image, region: augmentation?.crop?.region(in: whole) ?? whole, width: resolution,
                height: resolution, into: planes, normalization: .identity)
        }
        finish(into: destination, flip: augmentation?.flip == true)
    }

    /// Crops, resizes and normalises an already decoded image.
    /// - Parameters:
    ///   - image: The decoded image.
    ///   - destination: `(3, resolution, resolution)` floats.
    /// - Throws: `DataError.invalidArgument` when the destination is too small.
    public func process(_ image: RGBImage, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try checkSample(destination)
        try planes.withUnsafeMutableBufferPointer { planes in
            try resizer.resize(
                image, region: region(width: image.width, height: image.height), width: resolution,
                height: resolution, into: planes, normalization: .identity)
        }
        finish(into: destination, flip: false)
    }

    private func region(width: Int, height: Int, _ augmentation: Augmentation? = nil) -> CropRegion {
        let base =
            cropMode == .centerSquare
            ? CropRegion.centerSquare(width: width, height: height)
            : CropRegion(x: 0, y: 0, width: width, height: height)
        return augmentation?.crop?.region(in: base) ?? base
    }

    /// Decodes one image file into a new tensor.
    /// - Parameter bytes: A JPEG or PNG file.
    /// - Returns: `(3, resolution, resolution)` floats.
    /// - Throws: `DataError` as `process(_:into:)`.
    public func tensor(_ bytes: [UInt8]) throws -> [Float] {
        var output = [Float](repeating: 0, count: sampleCount)
        try bytes.withUnsafeBytes { source in
            try output.withUnsafeMutableBufferPointer { try process(source, into: $0) }
        }
        return output
    }
}
