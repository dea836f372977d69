// Copyright 2026 The Distill authors.
//
// Helpers shared by the training tests: array wrappers around the buffer APIs and a tiny
// deterministic generator for test data (independent of SeededGenerator, which is under test).

@testable import DistillEngine
import DistillTestSupport

/// Calls `lossAndGradient` on arrays and returns the loss and the gradient.
func evaluate(
    _ loss: some DistillationLoss, student: [Float], teacher: [Float], labels: [Int32]? = nil,
    batch: Int, width: Int
) -> (loss: Float, gradient: [Float]) {
    var gradient = [Float](repeating: .nan, count: batch * width)
    let value = student.withUnsafeBufferPointer { s in
        teacher.withUnsafeBufferPointer { t in
            gradient.withUnsafeMutableBufferPointer { g in
                if let labels {
                    return labels.withUnsafeBufferPointer { l in
                        loss.lossAndGradient(student: s, teacher: t, labels: l, batch: batch, width: width, gradient: g)
                    }
                }
                return loss.lossAndGradient(
                    student: s, teacher: t, labels: nil, batch: batch, width: width, gradient: g)
            }
        }
    }
    return (value, gradient)
}

/// Runs `steps` optimizer updates with gradients from `gradientOf(parameters)`; returns the parameters.
func optimize(
    _ optimizer: some Optimizer, start: [Float], steps: Int, learningRate: (Int) -> Float,
    applyWeightDecay: Bool = true, state: inout [Float], gradientOf: ([Float]) -> [Float]
) -> [Float] {
    var parameters = start
    for step in 1...steps {
        let gradients = gradientOf(parameters)
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in
                state.withUnsafeMutableBufferPointer { s in
                    optimizer.update(
                        parameters: p, gradients: g, state: s, learningRate: learningRate(step), step: step,
                        applyWeightDecay: applyWeightDecay)
                }
            }
        }
    }
    return parameters
}

/// A small linear congruential generator for reproducible test inputs.
struct TestValues {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 6_364_136_223_846_793_005 &+ 1 }

    /// A float uniformly in `range`.
    mutating func next(in range: ClosedRange<Float> = -3...3) -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let unit = Float(state >> 40) / Float(1 << 24)
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }

    /// `count` floats uniformly in `range`.
    mutating func array(_ count: Int, in range: ClosedRange<Float> = -3...3) -> [Float] {
        (0..<count).map { _ in next(in: range) }
    }
}

/// The largest absolute difference between two equal-length arrays; NaN when either holds a NaN or they
/// disagree on an infinity, so a tolerance check on it fails.
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).lazy.map { abs($0 - $1) }.largest() ?? 0
}
