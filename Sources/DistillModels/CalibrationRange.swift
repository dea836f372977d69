// Copyright 2026 The Distill authors.
// The range of one tensor observed on calibration images, robust to rare outliers: values are counted in
// histograms of their float bits (sign apart; exponent and the top 5 mantissa bits, so bins are 1/32 of an
// octave wide and cover every float without a range fixed in advance), and a range keeps all but a
// fraction of the values at each end (percentiles, as in TensorRT's and pytorch-quantization's
// calibrators), so one image with an extreme activation need not widen the step for all the others.
// QuantizedMobileNet tries a few fractions and keeps the network whose outputs stay closest to float.

/// Counts a tensor's values to choose its int8 range.
struct CalibrationRange {
    /// Bits of a float below the bin index: 23 mantissa bits minus the 5 kept.
    private static let droppedBits: UInt32 = 18
    private static let binCount = 1 << 13
    private var positive = [Int](repeating: 0, count: CalibrationRange.binCount)
    private var negative = [Int](repeating: 0, count: CalibrationRange.binCount)
    private(set) var count = 0
    private(set) var minimum = Float.infinity
    private(set) var maximum = -Float.infinity

    /// Counts values (NaN is ignored).
    mutating func observe(_ values: UnsafeBufferPointer<Float>) {
        for value in values where !value.isNaN {
            let bits = value.magnitude.bitPattern >> Self.droppedBits
            if value > 0 {
                positive[Int(bits)] += 1
            } else if value < 0 {
                negative[Int(bits)] += 1
            }
            minimum = min(minimum, value)
            maximum = max(maximum, value)
        }
        count += values.count
    }

    /// Adds the values another range counted (of the same tensor, e.g. seen by another thread).
    mutating func merge(_ other: CalibrationRange) {
        for index in positive.indices {
            positive[index] += other.positive[index]
            negative[index] += other.negative[index]
        }
        count += other.count
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }

    /// The range that leaves out at most `fraction` of the values above it and as many below it (the bin edge
    /// beyond which they lie, never beyond the observed minimum and maximum); `fraction` 0 gives min/max.
    func range(excluding fraction: Double) -> (minimum: Float, maximum: Float) {
        guard count > 0 else { return (0, 0) }
        let allowed = Int(Double(count) * fraction)
        return (
            -Self.edge(negative, allowed: allowed, limit: -minimum),
            Self.edge(positive, allowed: allowed, limit: maximum)
        )
    }

    /// The upper edge of the highest bin that, with every bin above it, holds more than `allowed` values (0 when
    /// no bin does), capped at `limit`.
    private static func edge(_ bins: [Int], allowed: Int, limit: Float) -> Float {
        var above = 0
        for index in stride(from: bins.count - 1, through: 0, by: -1) where bins[index] > 0 {
            above += bins[index]
            if above > allowed {
                let upper = Float(bitPattern: UInt32(index + 1) << droppedBits)
                return min(upper.isFinite ? upper : limit, limit)
            }
        }
        return 0
    }
}
