// Copyright 2026 The Distill authors.

import Foundation

/// The learning rate as a function of the 1-based training step.
///
/// - `constant(r)`: `r` at every step.
/// - `step(initial:every:factor:)`: `initial · factor^⌊(step − 1) / every⌋` — steps 1…every use
///   `initial`, the next `every` steps `initial·factor`, and so on (TensorFlow's staircase
///   exponential decay).
/// - `cosine(initial:floor:totalSteps:)`: `floor + (initial − floor) · ½ · (1 + cos(π · (step − 1) / (totalSteps − 1)))`,
///   so step 1 uses `initial`, step `totalSteps` uses `floor`, and later steps stay at `floor`.
/// - `warmup(steps:then:)`: a linear ramp over the first `steps` steps, `base(1) · step / steps`,
///   then the wrapped schedule, which starts its own step 1 at step `steps + 1` (give a cosine
///   wrapped in a warm-up the remaining `total − steps` steps). Composes with any schedule.
public indirect enum LearningRateSchedule: Sendable, Equatable, Codable {
    /// The same rate at every step.
    case constant(Float)
    /// Multiply the rate by `factor` every `every` steps.
    case step(initial: Float, every: Int, factor: Float)
    /// Cosine decay from `initial` to `floor` over `totalSteps` steps.
    case cosine(initial: Float, floor: Float, totalSteps: Int)
    /// A linear warm-up over `steps` steps, then `then`.
    case warmup(steps: Int, then: LearningRateSchedule)

    /// The learning rate at a step.
    /// - Parameter step: The 1-based step (values below 1 count as 1).
    /// - Returns: The learning rate for that step.
    public func rate(at step: Int) -> Float {
        let step = max(step, 1)
        switch self {
        case .constant(let rate):
            return rate
        case .step(let initial, let every, let factor):
            let drops = (step - 1) / max(every, 1)
            return initial * Float(Foundation.pow(Double(factor), Double(drops)))
        case .cosine(let initial, let floor, let totalSteps):
            guard totalSteps > 1 else { return step <= 1 ? initial : floor }
            let progress = Double(min(step, totalSteps) - 1) / Double(totalSteps - 1)
            let cosine = 0.5 * (1 + Foundation.cos(Double.pi * progress))
            return floor + (initial - floor) * Float(cosine)
        case .warmup(let steps, let base):
            guard step > steps else { return base.rate(at: 1) * Float(step) / Float(max(steps, 1)) }
            return base.rate(at: step - steps)
        }
    }

    /// Checks the schedule's settings.
    /// - Throws: ``EngineError`` (`invalidArgument`) naming the bad setting: a negative or non-finite
    ///   rate, a non-positive step count, or a decay factor outside (0, 1].
    public func validate() throws {
        func check(_ rate: Float, _ name: String) throws {
            guard rate.isFinite, rate >= 0 else {
                throw EngineError(
                    .invalidArgument, "learning-rate schedule: \(name) \(rate) must be a finite number ≥ 0")
            }
        }
        func checkCount(_ count: Int, _ name: String) throws {
            guard count >= 1 else {
                throw EngineError(.invalidArgument, "learning-rate schedule: \(name) \(count) must be at least 1")
            }
        }
        switch self {
        case .constant(let rate):
            try check(rate, "rate")
        case .step(let initial, let every, let factor):
            try check(initial, "initial rate")
            try checkCount(every, "decay interval (steps)")
            guard factor.isFinite, factor > 0, factor <= 1 else {
                throw EngineError(
                    .invalidArgument, "learning-rate schedule: decay factor \(factor) must be in (0, 1], e.g. 0.1")
            }
        case .cosine(let initial, let floor, let totalSteps):
            try check(initial, "initial rate")
            try check(floor, "floor rate")
            try checkCount(totalSteps, "total steps")
        case .warmup(let steps, let base):
            try checkCount(steps, "warm-up steps")
            try base.validate()
        }
    }
}
