// Copyright 2026 The Distill authors.

import Foundation

/// Adam (Kingma & Ba 2015) with bias correction and L2 weight decay.
///
/// With `g' = g + weightDecay·θ` (the decay term only when `applyWeightDecay`):
/// ```
/// m = β1·m + (1 − β1)·g'                       (m, v start at 0)
/// v = β2·v + (1 − β2)·g'²
/// θ = θ − lr·(m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε)
/// ```
/// `t` is the 1-based step. Weight decay means what it means for SGD and RMSProp: the gradient of the
/// penalty `½·weightDecay·‖θ‖²` added to the loss's gradient (the L2 regulariser of the MobileNets paper), so
/// one `training.weight_decay` value means the same thing whichever optimizer a job picks. State: two
/// planes, `[m, v]`.
public struct Adam: Optimizer, Equatable {
    /// β1, the decay of the first moment.
    public var beta1: Float
    /// β2, the decay of the second moment.
    public var beta2: Float
    /// ε, added to the square root of the second moment.
    public var epsilon: Float
    /// The L2 weight-decay coefficient (added to the gradient as `weightDecay·θ`).
    public var weightDecay: Float

    /// Creates the optimizer.
    /// - Parameters:
    ///   - beta1: β1 in [0, 1).
    ///   - beta2: β2 in [0, 1).
    ///   - epsilon: ε (> 0).
    ///   - weightDecay: The L2 coefficient (0 for none).
    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// Two planes: the first and second moments.
    public var stateFloatsPerParameter: Int { 2 }

    /// Checks β1, β2 in [0, 1), ε > 0 and a non-negative weight decay.
    /// - Throws: ``EngineError`` (`invalidArgument`) naming the bad setting.
    public func validate() throws {
        try validateSetting(beta1, "beta1", of: "Adam", in: 0...0.999_999)
        try validateSetting(beta2, "beta2", of: "Adam", in: 0...0.999_999_9)
        try validateSetting(
            epsilon, "epsilon", of: "Adam", in: Float.leastNormalMagnitude...Float.greatestFiniteMagnitude)
        try validateSetting(weightDecay, "weight decay", of: "Adam", in: 0...1)
    }

    /// Applies one Adam step; see the type's documentation for the formula.
    /// - Parameters:
    ///   - parameters: `θ`, `(P)`, updated in place.
    ///   - gradients: `g`, `(P)`.
    ///   - state: `[m, v]`, `(2, P)`.
    ///   - learningRate: `lr`.
    ///   - step: The 1-based step `t` (bias correction; at step 1 the moments start at 0).
    ///   - applyWeightDecay: Whether to add `weightDecay·θ` to the gradient.
    /// - Complexity: O(P), no allocation.
    public func update(
        parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>,
        state: UnsafeMutableBufferPointer<Float>, learningRate: Float, step: Int, applyWeightDecay: Bool
    ) {
        checkBuffers(parameters, gradients, state, step: step)
        guard let theta = parameters.baseAddress, let g = gradients.baseAddress, let s = state.baseAddress
        else { return }
        let count = parameters.count
        let first = s
        let second = s + count
        let correction1 = Float(1 - Foundation.pow(Double(beta1), Double(step)))
        let correction2 = Float(1 - Foundation.pow(Double(beta2), Double(step)))
        let stepSize = learningRate / correction1
        let inverseCorrection2 = 1 / correction2
        let decay = applyWeightDecay ? weightDecay : 0
        let fresh = step == 1
        var index = 0
        while index < count {
            let n = count - index
            let thetaV = VectorMath.load(theta + index, count: n)
            let gradient = VectorMath.load(g + index, count: n) + decay * thetaV
            let oldM = fresh ? FloatVector() : VectorMath.load(first + index, count: n)
            let oldV = fresh ? FloatVector() : VectorMath.load(second + index, count: n)
            let m = beta1 * oldM + (1 - beta1) * gradient
            let v = beta2 * oldV + (1 - beta2) * gradient * gradient
            VectorMath.store(m, to: first + index, count: n)
            VectorMath.store(v, to: second + index, count: n)
            let corrected = v * inverseCorrection2
            let root = corrected * VectorMath.reciprocalSquareRoot(corrected)  // sqrt, 0 at 0
            let updated = thetaV - stepSize * m / (root + epsilon)
            VectorMath.store(updated, to: theta + index, count: n)
            index += VectorMath.lanes
        }
    }
}
