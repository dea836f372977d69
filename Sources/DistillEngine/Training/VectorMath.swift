// Copyright 2026 The Distill authors.
//
// SIMD helpers for the losses and optimizers: 16-lane Float vectors, a vector `exp` and `log1p`,
// and loads/stores that handle the ragged tail of a row. Every function is branch-free per lane.

import Foundation

/// A 16-lane Float vector, the unit of work of the training hot loops.
typealias FloatVector = SIMD16<Float>

/// Vectorised math used by the losses and optimizers (not API).
enum VectorMath {
    /// Lane count of ``FloatVector``.
    static let lanes = 16

    private static let laneIndex = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    /// `exp(x)` per lane, relative error ≲ 2 ulp for `x` in [−87, 88].
    ///
    /// Below −87 the result is 0 (the true value is < 1.7e-38); above 88 it saturates at `exp(88)`.
    /// The algorithm: `x = n·ln 2 + r` with `|r| ≤ ln 2 / 2`, `exp(r)` by its degree-7 Taylor
    /// polynomial (truncation error < 6e-9 relative), times `2^n` built from the exponent bits.
    /// `n` is rounded by adding 1.5·2²³, which leaves it in the low mantissa bits. (The standard
    /// library's SIMD `clamped` and float-to-int conversions run lane by lane; these do not.)
    @inline(__always)
    static func exp(_ x: FloatVector) -> FloatVector {
        let low = FloatVector(repeating: -87), high = FloatVector(repeating: 88)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        // ln 2 split in a high part with few mantissa bits (so n·high is exact) and a low correction.
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = FloatVector(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // The bits of `shifted` are 0x4B40_0000 + n.
        let exponent = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        let scale = unsafeBitCast(exponent, to: FloatVector.self)
        return (p * scale).replacing(with: 0, where: x .< -87)
    }

    /// `1 / sqrt(x)` per lane for positive finite `x`, within a few ulp (0 gives a huge finite value).
    ///
    /// The classic bit-level first guess refined by three Newton steps (relative error 3e-2 →
    /// 2e-3 → 4e-6 → below Float rounding). The standard library's SIMD `squareRoot()` runs lane by
    /// lane here and is about ten times slower.
    @inline(__always)
    static func reciprocalSquareRoot(_ x: FloatVector) -> FloatVector {
        let bits = unsafeBitCast(x, to: SIMD16<Int32>.self)
        var y = unsafeBitCast(0x5F37_59DF &- (bits &>> 1), to: FloatVector.self)
        let half = 0.5 * x
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        return y
    }

    /// `log(1 + u)` per lane for `u` in [0, 1], accurate to a few ulp relative even for tiny `u`.
    ///
    /// Uses `log1p(u) = 2·atanh(z)` with `z = u / (2 + u)` in [0, 1/3] and the odd series of atanh
    /// up to `z^15` (truncation error < 2e-8 relative).
    @inline(__always)
    static func log1pUnit(_ u: FloatVector) -> FloatVector {
        let z = u / (u + 2)
        let w = z * z
        var s = FloatVector(repeating: 1.0 / 15)
        s = s * w + 1.0 / 13
        s = s * w + 1.0 / 11
        s = s * w + 1.0 / 9
        s = s * w + 1.0 / 7
        s = s * w + 1.0 / 5
        s = s * w + 1.0 / 3
        s = s * w + 1
        return 2 * z * s
    }

    /// `softplus(x) = log(1 + exp(x))` per lane, stable for any finite `x`: `max(x, 0) + log1p(exp(−|x|))`.
    @inline(__always)
    static func softplus(_ x: FloatVector) -> FloatVector {
        let e = exp(-magnitude(x))
        return x.replacing(with: 0, where: x .< 0) + log1pUnit(e)
    }

    /// The logistic sigmoid per lane, stable for any finite `x` (never forms `exp` of a positive value).
    @inline(__always)
    static func sigmoid(_ x: FloatVector) -> FloatVector {
        let e = exp(-magnitude(x))
        let positive = 1 / (1 + e)
        return positive.replacing(with: e * positive, where: x .< 0)
    }

    /// `|x|` per lane, by clearing the sign bit (`pointwiseMax(x, -x)` runs lane by lane).
    @inline(__always)
    static func magnitude(_ x: FloatVector) -> FloatVector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: FloatVector.self)
    }

    /// The lane-wise larger of two vectors (the standard library's `pointwiseMax` runs lane by lane).
    @inline(__always)
    static func larger(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
        a.replacing(with: b, where: b .> a)
    }

    /// Loads `min(count, 16)` floats from `base`; lanes past `count` hold `fill`.
    @inline(__always)
    static func load(_ base: UnsafePointer<Float>, count: Int, fill: Float = 0) -> FloatVector {
        if count >= lanes {
            return UnsafeRawPointer(base).loadUnaligned(as: FloatVector.self)
        }
        var vector = FloatVector(repeating: fill)
        for lane in 0..<count { vector[lane] = base[lane] }
        return vector
    }

    /// Stores the first `min(count, 16)` lanes of `vector` at `base`.
    @inline(__always)
    static func store(_ vector: FloatVector, to base: UnsafeMutablePointer<Float>, count: Int) {
        if count >= lanes {
            UnsafeMutableRawPointer(base).storeBytes(of: vector, as: FloatVector.self)
            return
        }
        for lane in 0..<count { base[lane] = vector[lane] }
    }

    /// `vector` with the lanes at or past `count` set to zero (for sums over a ragged tail).
    @inline(__always)
    static func zeroTail(_ vector: FloatVector, count: Int) -> FloatVector {
        if count >= lanes { return vector }
        return vector.replacing(with: 0, where: laneIndex .>= Int32(count))
    }

    /// The largest of the `count` floats at `base` (−∞ when `count` is 0).
    @inline(__always)
    static func maximum(_ base: UnsafePointer<Float>, count: Int) -> Float {
        var best = FloatVector(repeating: -.infinity)
        var index = 0
        while index < count {
            best = larger(best, load(base + index, count: count - index, fill: -.infinity))
            index += lanes
        }
        return best.max()
    }
}
