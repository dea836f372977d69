// Copyright 2026 The Distill authors.

import DistillEngine

/// Choices for building a MobileNet beyond its ``MobileNetSpec``.
public struct MobileNetOptions: Sendable, Equatable {
    /// The nonlinearity after each batch norm (ReLU is fused into oneDNN's batch norm).
    public var activation: Activation
    /// Batch-norm ε.
    public var batchNormEpsilon: Float
    /// Batch-norm running-average momentum (weight of the old value).
    public var batchNormMomentum: Float

    /// Creates options.
    /// - Parameters:
    ///   - activation: ReLU (default, as in the paper) or ReLU6.
    ///   - batchNormEpsilon: Batch-norm ε (Keras's 1e-3 by default).
    ///   - batchNormMomentum: Running-average momentum (Keras's 0.99 by default).
    public init(activation: Activation = .relu, batchNormEpsilon: Float = 1e-3, batchNormMomentum: Float = 0.99) {
        self.activation = activation
        self.batchNormEpsilon = batchNormEpsilon
        self.batchNormMomentum = batchNormMomentum
    }
}
