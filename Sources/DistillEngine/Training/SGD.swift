// Copyright 2026 The Distill authors.

/// Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay.
///
/// With `g' = g + weightDecay·θ` (the decay term only when `applyWeightDecay`):
/// ```
/// v = momentum·v + g'                          (v = g' at step 1)
/// θ = θ − lr·v                                 (classical momentum)
/// θ = θ − lr·(g' + momentum·v)                 (Nesterov)
/// ```
/// This is the PyTorch formulation (no dampening). With `momentum == 0` there is no state and the
/// update is `θ = θ − lr·g'`. State: one plane, the velocity `v`.
public struct SGD: Optimizer, Equatable {
    /// The momentum coefficient μ in [0, 1).
    public var momentum: Float
    /// The L2 weight-decay coefficient (added to the gradient as `weightDecay·θ`).
    public var weightDecay: Float
    /// Whether to use Nesterov momentum.
    public var nesterov: Bool

    /// Creates the optimizer.
    /// - Parameters:
    ///   - momentum: The momentum coefficient μ in [0, 1) (0.9 is common).
    ///   - weightDecay: The L2 coefficient (0 for none).
    ///   - nesterov: Whether to use Nesterov momentum.
    public init(momentum: Float = 0.9, weightDecay: Float = 0, nesterov: Bool = false) {
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// One velocity plane when momentum is used, none otherwise.
    public var stateFloatsPerParameter: Int { momentum == 0 ? 0 : 1 }

    /// Checks momentum in [0, 1) and a non-negative weight decay.
    /// - Throws: ``EngineError`` (`invalidArgument`) naming the bad setting.
    public func validate() throws {
        try validateSetting(momentum, "momentum", of: "SGD", in: 0...0.999_999)
        try validateSetting(weightDecay, "weight decay", of: "SGD", in: 0...1)
    }

    /// Applies one SGD step; see the type's documentation for the formula.
    /// - Parameters:
    ///   - parameters: `θ`, `(P)`, updated in place.
    ///   - gradients: `g`, `(P)`.
    ///   - state: The velocity `v`, `(P)` (unused when momentum is 0).
    ///   - learningRate: `lr`.
    ///   - step: The 1-based step; at step 1 the velocity starts from zero.
    ///   - applyWeightDecay: Whether to add `weightDecay·θ` to the gradient.
    /// - Complexity: O(P), no allocation.
    public func update(
        parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>,
        state: UnsafeMutableBufferPointer<Float>, learningRate: Float, step: Int, applyWeightDecay: Bool
    ) {
        checkBuffers(parameters, gradients, state, step: step)
        guard let theta = parameters.baseAddress, let g = gradients.baseAddress else { return }
        let count = parameters.count
        let decay = applyWeightDecay ? weightDecay : 0
        // At step 1 the old velocity counts as 0, whatever the buffer holds (it is not read).
        let fresh = step == 1
        let velocity = state.baseAddress
        var index = 0
        while index < count {
            let n = count - index
            let thetaV = VectorMath.load(theta + index, count: n)
            let gradient = VectorMath.load(g + index, count: n) + decay * thetaV
            let stepVector: FloatVector
            if momentum != 0, let velocity {
                let old = fresh ? FloatVector() : VectorMath.load(velocity + index, count: n)
                let v = momentum * old + gradient
                VectorMath.store(v, to: velocity + index, count: n)
                stepVector = nesterov ? gradient + momentum * v : v
            } else {
                stepVector = gradient
            }
            VectorMath.store(thetaV - learningRate * stepVector, to: theta + index, count: n)
            index += VectorMath.lanes
        }
    }
}
