// Copyright 2026 The Distill authors.
// Training-time augmentation of one sample: a crop of the image (as fractions of the region the crop mode
// would resize, so it means the same at every image size) and a horizontal flip. Chosen per sample by the
// trainer from its seed, step and row, applied by `ImagePreprocessor` while it resizes.

import Foundation

/// How one training sample is augmented.
public struct Augmentation: Sendable, Equatable, Hashable {
    /// A rectangle as fractions (0…1) of the base region: left, top, width, height.
    public struct Crop: Sendable, Equatable, Hashable {
        /// Left edge, fraction of the width.
        public var x: Double
        /// Top edge, fraction of the height.
        public var y: Double
        /// Width fraction (0, 1].
        public var width: Double
        /// Height fraction (0, 1].
        public var height: Double

        /// Creates a crop; values are clamped into the unit square when applied.
        public init(x: Double, y: Double, width: Double, height: Double) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }

        /// The crop's pixel rectangle inside `base`, at least one pixel wide and high.
        func region(in base: CropRegion) -> CropRegion {
            let width = min(base.width, max(1, Int((Double(base.width) * min(max(self.width, 0), 1)).rounded())))
            let height = min(base.height, max(1, Int((Double(base.height) * min(max(self.height, 0), 1)).rounded())))
            let x = min(base.width - width, max(0, Int((Double(base.width) * max(self.x, 0)).rounded())))
            let y = min(base.height - height, max(0, Int((Double(base.height) * max(self.y, 0)).rounded())))
            return CropRegion(x: base.x + x, y: base.y + y, width: width, height: height)
        }
    }

    /// The crop, or nil for the whole base region.
    public var crop: Crop?
    /// Mirror left to right.
    public var flip: Bool

    /// Creates an augmentation.
    public init(crop: Crop? = nil, flip: Bool = false) {
        self.crop = crop
        self.flip = flip
    }

    /// A random resized crop (Inception style: area fraction uniform in `minimumScale…1`, aspect ratio
    /// log-uniform in 3/4…4/3, position uniform) and a flip with probability ½, from two uniform draws per
    /// value in 0..<1 supplied by `uniform`.
    /// - Parameters:
    ///   - crop: Whether to crop.
    ///   - flip: Whether to flip (half of the time).
    ///   - minimumScale: The smallest area fraction, in (0, 1].
    ///   - uniform: Returns a uniform value in 0..<1 on every call.
    /// - Returns: The augmentation.
    public static func random(
        crop: Bool, flip: Bool, minimumScale: Double, uniform: () -> Double
    ) -> Augmentation {
        var result = Augmentation()
        if crop {
            let scale = minimumScale + (1 - minimumScale) * uniform()
            let logRatio = (uniform() * 2 - 1) * 0.287_682_072  // ln(4/3)
            let ratio = exp(logRatio)
            let width = min(1, (scale * ratio).squareRoot())
            let height = min(1, (scale / ratio).squareRoot())
            result.crop = Crop(x: (1 - width) * uniform(), y: (1 - height) * uniform(), width: width, height: height)
        }
        if flip { result.flip = uniform() < 0.5 }
        return result
    }
}
