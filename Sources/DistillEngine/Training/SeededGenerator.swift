// Copyright 2026 The Distill authors.

import Foundation

/// A fast, seedable random-number generator whose whole state can be saved and restored.
///
/// The algorithm is xoshiro256** (Blackman & Vigna): 256 bits of state, period 2²⁵⁶ − 1. A 64-bit
/// seed is expanded into the four state words by SplitMix64, as the authors recommend. All the
/// helpers below (uniform floats, normals, bounded integers, shuffles) are defined here rather than
/// taken from the standard library, so a seed gives the same numbers on every Swift version.
/// Saving ``state`` in a checkpoint and restoring it with ``init(state:)`` continues the sequence
/// exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Hashable, Codable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates a generator from a 64-bit seed (expanded with SplitMix64).
    /// - Parameter seed: Any value; equal seeds give equal sequences.
    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    /// Restores a generator from a saved ``state``.
    /// - Parameter state: Four state words, as read from ``state``.
    /// - Throws: ``EngineError`` (`corruptData`) if all four words are zero (not a reachable state).
    public init(state: SIMD4<UInt64>) throws {
        guard state != SIMD4<UInt64>() else {
            throw EngineError(
                .corruptData,
                "random-generator state is all zeros, which no generator reaches; the saved state is damaged")
        }
        s0 = state[0]
        s1 = state[1]
        s2 = state[2]
        s3 = state[3]
    }

    /// The complete state: save it to continue the sequence later with ``init(state:)``.
    public var state: SIMD4<UInt64> { SIMD4(s0, s1, s2, s3) }

    /// The next 64 random bits.
    /// - Returns: A uniformly distributed 64-bit value.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    @inline(__always)
    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    // MARK: - Derived samples

    /// A uniform Float in [0, 1) with 24 random bits.
    /// - Returns: A multiple of 2⁻²⁴ in [0, 1).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-and-reject).
    /// - Parameter bound: The exclusive upper bound (> 0).
    /// - Returns: A value in `0..<bound`.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "SeededGenerator.nextIndex: bound \(bound) must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Fills `buffer` with normal samples (Box–Muller, both values of each pair used).
    /// - Parameters:
    ///   - buffer: The destination, `(count)`.
    ///   - mean: The distribution's mean.
    ///   - standardDeviation: The distribution's standard deviation.
    public mutating func fillNormal(
        _ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, standardDeviation: Float = 1
    ) {
        var index = 0
        while index < buffer.count {
            // u1 in (0, 1] so the logarithm is finite; u2 in [0, 1).
            let u1 = (Double(next() >> 11) + 1) * 0x1p-53
            let u2 = Double(next() >> 11) * 0x1p-53
            let radius = (-2 * Foundation.log(u1)).squareRoot()
            let angle = 2 * Double.pi * u2
            buffer[index] = mean + standardDeviation * Float(radius * Foundation.cos(angle))
            if index + 1 < buffer.count {
                buffer[index + 1] = mean + standardDeviation * Float(radius * Foundation.sin(angle))
            }
            index += 2
        }
    }

    /// Fills a weight tensor with He (Kaiming) normal initialisation: N(0, 2 / fanIn), for ReLU layers.
    /// - Parameters:
    ///   - weights: The destination, `(count)`.
    ///   - fanIn: Inputs per output (`kernel² × input channels`; `kernel²` for a depthwise filter).
    public mutating func fillHeNormal(_ weights: UnsafeMutableBufferPointer<Float>, fanIn: Int) {
        fillNormal(weights, standardDeviation: Float((2 / Double(max(fanIn, 1))).squareRoot()))
    }

    /// Fills a weight tensor with Glorot (Xavier) uniform initialisation: U(−a, a), a = √(6 / (fanIn + fanOut)).
    /// - Parameters:
    ///   - weights: The destination, `(count)`.
    ///   - fanIn: Inputs per output.
    ///   - fanOut: Outputs per input.
    public mutating func fillGlorotUniform(_ weights: UnsafeMutableBufferPointer<Float>, fanIn: Int, fanOut: Int) {
        let limit = Float((6 / Double(max(fanIn + fanOut, 1))).squareRoot())
        for index in weights.indices {
            weights[index] = (2 * nextUniform() - 1) * limit
        }
    }

    /// A random permutation of `0..<count` (Fisher–Yates), such as one epoch's data order.
    /// - Parameter count: The number of indices.
    /// - Returns: The shuffled indices.
    /// - Complexity: O(count).
    public mutating func shuffledIndices(count: Int) -> [Int] {
        var indices = Array(0..<max(count, 0))
        shuffle(&indices)
        return indices
    }

    /// Shuffles `elements` in place (Fisher–Yates with ``nextIndex(below:)``).
    /// - Parameter elements: The array to permute.
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        for last in stride(from: elements.count - 1, to: 0, by: -1) {
            let other = nextIndex(below: last + 1)
            elements.swapAt(last, other)
        }
    }
}
