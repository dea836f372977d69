// Copyright 2026 The Distill authors.

/// The nonlinearity after a batch norm (or a fully connected layer).
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// max(0, x).
    case relu
    /// min(max(0, x), 6).
    case relu6
    /// x · ReLU6(x + 3) / 6 (MobileNet V3's h-swish).
    case hardSwish = "hard_swish"

    /// Applies the function to one value.
    /// - Parameter x: The input.
    /// - Returns: The activation of `x`.
    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .relu: max(0, x)
        case .relu6: min(max(0, x), 6)
        case .hardSwish: x * min(max(0, x + 3), 6) / 6
        }
    }

    /// The derivative at `x` (taken as 0 at the kinks, as oneDNN does).
    /// - Parameter x: The input the forward pass saw.
    /// - Returns: d activation / dx.
    @inline(__always)
    public func derivative(_ x: Float) -> Float {
        switch self {
        case .relu: x > 0 ? 1 : 0
        case .relu6: x > 0 && x < 6 ? 1 : 0
        case .hardSwish: x <= -3 ? 0 : (x >= 3 ? 1 : (2 * x + 3) / 6)
        }
    }
}
