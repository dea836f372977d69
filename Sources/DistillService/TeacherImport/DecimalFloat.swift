// Copyright 2026 The Distill authors.
// Decimal text to float32 for the teacher readers' hot loop: bytes in, a correctly rounded Float out,
// or nil when the text is not a plain decimal this routine can round with certainty (the caller then
// takes the slow path, Swift's own `Double(String)`, which also produces the error messages).

/// A byte-level decimal-to-float32 parser that always rounds to nearest, ties to even.
///
/// Accepted text: `[+-]? (digits [. digits*]? | . digits) ([eE] [+-]? digits)?` with at most 19
/// significant digits and a decimal exponent that keeps the value within float32's range. Everything
/// else (NaN, infinities, hex floats, overflow, very long mantissas) returns nil.
///
/// How it rounds correctly: a mantissa of at most 2^24 scaled by an exact power of ten up to 10^10
/// is one IEEE operation in Float. Otherwise the value is computed in Double with at most three
/// roundings (relative error below 2^-51), and the Float is accepted only when the whole interval
/// `d·(1 ± 2^-49)` rounds to the same Float; it then holds the exact value, and rounding is monotone.
/// The rare value too close to a rounding boundary returns nil.
enum DecimalFloat {
    /// 10^0 … 10^10, exact in Float.
    private static let floatPowers: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

    /// 10^0 … 10^80 as the nearest Doubles (exact up to 10^22).
    private static let doublePowers: [Double] = (0...80).map { Double("1e\($0)") ?? .nan }

    /// Parses `count` bytes at `base`.
    /// - Parameters:
    ///   - base: The first byte.
    ///   - count: The number of bytes (no surrounding whitespace).
    /// - Returns: The correctly rounded finite Float, or nil (see the type's description).
    @inline(__always)
    static func parse(_ base: UnsafePointer<UInt8>, count: Int) -> Float? {
        guard let (value, length) = parsePrefix(base, count: count), length == count else { return nil }
        return value
    }

    /// Parses the number at the start of `count` bytes at `base`, stopping at the first byte that cannot
    /// continue it (a comma, a space, the end).
    /// - Parameters:
    ///   - base: The first byte.
    ///   - count: The bytes available.
    /// - Returns: The correctly rounded finite Float and the bytes it took, or nil when the text there is
    ///   not a number `parse` accepts (an exponent marker without digits included).
    @inline(__always)
    static func parsePrefix(_ base: UnsafePointer<UInt8>, count: Int) -> (Float, Int)? {
        var index = 0
        var negative = false
        guard count > 0 else { return nil }
        if base[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
        } else if base[0] == UInt8(ascii: "+") {
            index = 1
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var digits = 0
        var exponent = 0
        while index < count {
            let digit = base[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { break }
            if mantissa != 0 || digit != 0 {
                guard significant < 19 else { return nil }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                significant += 1
            }
            digits += 1
            index += 1
        }
        if index < count && base[index] == UInt8(ascii: ".") {
            index += 1
            while index < count {
                let digit = base[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { break }
                if mantissa != 0 || digit != 0 {
                    guard significant < 19 else { return nil }
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    significant += 1
                }
                exponent -= 1
                digits += 1
                index += 1
            }
        }
        guard digits > 0 else { return nil }
        if index < count && (base[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < count && (base[index] == UInt8(ascii: "-") || base[index] == UInt8(ascii: "+")) {
                exponentNegative = base[index] == UInt8(ascii: "-")
                index += 1
            }
            var written = 0
            var value = 0
            while index < count {
                let digit = base[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { break }
                guard written < 6 else { return nil }
                value = value * 10 + Int(digit)
                written += 1
                index += 1
            }
            guard written > 0 else { return nil }
            exponent += exponentNegative ? -value : value
        }
        guard mantissa != 0 else { return (negative ? -0.0 : 0.0, index) }
        let magnitude: Float
        if mantissa <= 1 << 24 && exponent >= -10 && exponent <= 10 {
            let scale = floatPowers[exponent < 0 ? -exponent : exponent]
            magnitude = exponent < 0 ? Float(mantissa) / scale : Float(mantissa) * scale
        } else {
            guard exponent >= -80 && exponent <= 40 else { return nil }
            let scaled =
                exponent < 0
                ? Double(mantissa) / doublePowers[-exponent] : Double(mantissa) * doublePowers[exponent]
            let low = Float(scaled * (1 - 0x1p-49))
            guard low == Float(scaled * (1 + 0x1p-49)) else { return nil }
            magnitude = low
        }
        guard magnitude.isFinite else { return nil }
        return (negative ? -magnitude : magnitude, index)
    }
}
