// Copyright 2026 The Distill authors.
//
// Optimizers are per-parameter functions: (parameters, gradients, state) → (new parameters, new
// state), applied in place to one contiguous parameter tensor at a time.

/// A first-order optimizer applied in place to one contiguous parameter tensor.
///
/// The caller owns the state: `stateFloatsPerParameter × parameters.count` floats per tensor, kept
/// between steps and saved in checkpoints. The state is laid out as consecutive planes of
/// `parameters.count` floats each (for example Adam's `[m₀ … m_{P−1}, v₀ … v_{P−1}]`).
/// At `step == 1` an optimizer ignores what the state buffer holds and starts from its documented
/// initial state, so the caller need not clear it.
public protocol Optimizer: Sendable {
    /// How many floats of state each parameter needs (0, 1 or 2).
    var stateFloatsPerParameter: Int { get }

    /// Applies one update to `parameters` and `state`.
    ///
    /// - Parameters:
    ///   - parameters: The tensor's parameters, `(P)`, updated in place.
    ///   - gradients: `dLoss/dParameters`, `(P)`.
    ///   - state: The optimizer state, `(stateFloatsPerParameter, P)`, updated in place.
    ///   - learningRate: This step's learning rate (from a ``LearningRateSchedule``).
    ///   - step: The 1-based step number (Adam's bias correction; step 1 initialises the state).
    ///   - applyWeightDecay: Whether this tensor gets weight decay. The network passes `false` for
    ///     depthwise filters, batch-norm scales and shifts, and biases.
    func update(
        parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>,
        state: UnsafeMutableBufferPointer<Float>, learningRate: Float, step: Int, applyWeightDecay: Bool)

    /// Checks the optimizer's settings and throws a readable error for bad values.
    /// - Throws: ``EngineError`` (`invalidArgument`) naming the bad setting.
    func validate() throws
}

extension Optimizer {
    /// Traps on mismatched buffer sizes (a programming error of the caller).
    @inline(__always)
    func checkBuffers(
        _ parameters: UnsafeMutableBufferPointer<Float>, _ gradients: UnsafeBufferPointer<Float>,
        _ state: UnsafeMutableBufferPointer<Float>, step: Int
    ) {
        precondition(
            gradients.count == parameters.count,
            "\(Self.self): \(gradients.count) gradients for \(parameters.count) parameters")
        precondition(
            state.count >= stateFloatsPerParameter * parameters.count,
            "\(Self.self): state holds \(state.count) floats, needs \(stateFloatsPerParameter * parameters.count)")
        precondition(step >= 1, "\(Self.self): step \(step) must count from 1")
    }
}

/// Throws unless `value` is finite and inside `range`.
func validateSetting(_ value: Float, _ name: String, of optimizer: String, in range: ClosedRange<Float>) throws {
    guard value.isFinite, range.contains(value) else {
        throw EngineError(
            .invalidArgument,
            "\(optimizer): \(name) \(value) is outside \(range.lowerBound)…\(range.upperBound); fix the job's optimizer settings"
        )
    }
}
