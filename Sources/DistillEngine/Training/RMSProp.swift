// Copyright 2026 The Distill authors.

import Foundation

/// RMSprop exactly as TensorFlow 1's `RMSPropOptimizer` (`ApplyRMSProp`), the optimizer of the
/// MobileNets paper's training (decay 0.9, momentum 0.9, ε 1.0).
///
/// With `g' = g + weightDecay·θ` (the decay term only when `applyWeightDecay`; TensorFlow's slim
/// models add an L2 loss, which has this gradient):
/// ```
/// ms  = decay·ms + (1 − decay)·g'²              (ms starts at 1, as TensorFlow initialises it)
/// mom = momentum·mom + lr·g' / sqrt(ms + ε)     (mom starts at 0)
/// θ   = θ − mom
/// ```
/// Note ε sits inside the square root (unlike Keras 2's RMSprop) and the learning rate is applied
/// inside the momentum buffer. State: two planes, `[ms, mom]`.
public struct RMSProp: Optimizer, Equatable {
    /// The decay ρ of the mean square.
    public var decay: Float
    /// The momentum coefficient.
    public var momentum: Float
    /// ε, added to the mean square inside the square root.
    public var epsilon: Float
    /// The L2 weight-decay coefficient.
    public var weightDecay: Float

    /// Creates the optimizer (defaults: TensorFlow's MobileNet training settings).
    /// - Parameters:
    ///   - decay: The mean-square decay ρ in [0, 1).
    ///   - momentum: The momentum coefficient in [0, 1).
    ///   - epsilon: ε (> 0), inside the square root.
    ///   - weightDecay: The L2 coefficient (0 for none; the paper's models use 4e-5).
    public init(decay: Float = 0.9, momentum: Float = 0.9, epsilon: Float = 1.0, weightDecay: Float = 0) {
        self.decay = decay
        self.momentum = momentum
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// Two planes: the mean square and the momentum.
    public var stateFloatsPerParameter: Int { 2 }

    /// Checks decay and momentum in [0, 1), ε > 0 and a non-negative weight decay.
    /// - Throws: ``EngineError`` (`invalidArgument`) naming the bad setting.
    public func validate() throws {
        try validateSetting(decay, "decay", of: "RMSprop", in: 0...0.999_999)
        try validateSetting(momentum, "momentum", of: "RMSprop", in: 0...0.999_999)
        try validateSetting(
            epsilon, "epsilon", of: "RMSprop", in: Float.leastNormalMagnitude...Float.greatestFiniteMagnitude)
        try validateSetting(weightDecay, "weight decay", of: "RMSprop", in: 0...1)
    }

    /// Applies one RMSprop step; see the type's documentation for the formula.
    /// - Parameters:
    ///   - parameters: `θ`, `(P)`, updated in place.
    ///   - gradients: `g`, `(P)`.
    ///   - state: `[ms, mom]`, `(2, P)`.
    ///   - learningRate: `lr`.
    ///   - step: The 1-based step; at step 1 `ms` starts at 1 and `mom` at 0.
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
        let meanSquare = s
        let moment = s + count
        let weightDecay = applyWeightDecay ? self.weightDecay : 0
        let first = step == 1
        var index = 0
        while index < count {
            let n = count - index
            let thetaV = VectorMath.load(theta + index, count: n)
            let gradient = VectorMath.load(g + index, count: n) + weightDecay * thetaV
            let oldMS = first ? FloatVector(repeating: 1) : VectorMath.load(meanSquare + index, count: n)
            let oldMom = first ? FloatVector() : VectorMath.load(moment + index, count: n)
            let ms = decay * oldMS + (1 - decay) * gradient * gradient
            let mom = momentum * oldMom + learningRate * gradient * VectorMath.reciprocalSquareRoot(ms + epsilon)
            VectorMath.store(ms, to: meanSquare + index, count: n)
            VectorMath.store(mom, to: moment + index, count: n)
            VectorMath.store(thetaV - mom, to: theta + index, count: n)
            index += VectorMath.lanes
        }
    }
}
