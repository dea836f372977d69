// Copyright 2026 The Distill authors.

import Foundation
import Testing

@testable import DistillEngine

/// Runs `steps` updates of a whole tensor with the real step numbers.
private func run(
    _ optimizer: some Optimizer, parameters: inout [Float], state: inout [Float], gradients: [[Float]],
    learningRate: Float, applyWeightDecay: Bool = true
) {
    for (offset, gradient) in gradients.enumerated() {
        parameters.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                state.withUnsafeMutableBufferPointer { s in
                    optimizer.update(
                        parameters: p, gradients: g, state: s, learningRate: learningRate, step: offset + 1,
                        applyWeightDecay: applyWeightDecay)
                }
            }
        }
    }
}

@Suite("Optimizers")
struct OptimizerTests {
    @Test("SGD with momentum and with Nesterov momentum matches hand-computed steps")
    func sgdHandValues() {
        // θ = 1, g = 0.5, lr = 0.1, μ = 0.9. Step 1: v = 0.5, θ = 0.95. Step 2: v = 0.95, θ = 0.855.
        var parameters: [Float] = [1], state: [Float] = [.nan]
        run(SGD(momentum: 0.9), parameters: &parameters, state: &state, gradients: [[0.5], [0.5]], learningRate: 0.1)
        #expect(abs(parameters[0] - 0.855) < 1e-6)
        #expect(abs(state[0] - 0.95) < 1e-6)
        // Nesterov step 1: v = 0.5, θ = 1 − 0.1·(0.5 + 0.9·0.5) = 0.905.
        parameters = [1]
        run(
            SGD(momentum: 0.9, nesterov: true), parameters: &parameters, state: &state, gradients: [[0.5]],
            learningRate: 0.1)
        #expect(abs(parameters[0] - 0.905) < 1e-6)
        // Plain SGD has no state: θ = 1 − 0.1·(0.5 + 0.1·1) = 0.94 with weight decay 0.1.
        parameters = [1]
        var none: [Float] = []
        run(
            SGD(momentum: 0, weightDecay: 0.1), parameters: &parameters, state: &none, gradients: [[0.5]],
            learningRate: 0.1)
        #expect(SGD(momentum: 0).stateFloatsPerParameter == 0)
        #expect(abs(parameters[0] - 0.94) < 1e-6)
    }

    @Test("RMSprop follows TensorFlow's update (ms starts at 1, ε inside the square root)")
    func rmspropHandValues() {
        // θ = 1, g = 0.5, lr = 0.1, decay 0.9, momentum 0.9, ε 1:
        // step 1: ms = 0.9·1 + 0.1·0.25 = 0.925, mom = 0.05/√1.925 = 0.0360375, θ = 0.9639625
        // step 2: ms = 0.8575, mom = 0.9·0.0360375 + 0.05/√1.8575 = 0.0691202, θ = 0.8948423
        var parameters: [Float] = [1], state: [Float] = [.nan, .nan]  // step 1 ignores old state
        run(RMSProp(), parameters: &parameters, state: &state, gradients: [[0.5]], learningRate: 0.1)
        #expect(abs(parameters[0] - 0.963_962_5) < 1e-6)
        #expect(abs(state[0] - 0.925) < 1e-6 && abs(state[1] - 0.036_037_5) < 1e-6)
        parameters = [1]
        run(RMSProp(), parameters: &parameters, state: &state, gradients: [[0.5], [0.5]], learningRate: 0.1)
        #expect(abs(parameters[0] - 0.894_842_3) < 1e-6)
        #expect(abs(state[0] - 0.8575) < 1e-6 && abs(state[1] - 0.069_120_19) < 1e-6)
    }

    @Test("Adam matches hand-computed bias-corrected steps")
    func adamHandValues() {
        // θ = 1, lr = 0.1. Step 1 (g = 0.5): m̂ = 0.5, v̂ = 0.25, θ = 0.9.
        // Step 2 (g = −1): m = −0.055, v = 0.00124975, θ = 0.9 + 0.1·(0.055/0.19)/√(0.00124975/0.001999)
        //                  = 0.93661035.
        var parameters: [Float] = [1], state: [Float] = [.nan, .nan]
        run(Adam(), parameters: &parameters, state: &state, gradients: [[0.5], [-1]], learningRate: 0.1)
        #expect(abs(parameters[0] - 0.936_610_35) < 2e-6)
        #expect(abs(state[0] + 0.055) < 1e-7 && abs(state[1] - 0.001_249_75) < 1e-7)
    }

    @Test("weight decay is applied only when the tensor asks for it", arguments: [0, 1, 2])
    func weightDecayFlag(kind: Int) {
        let optimizer: any Optimizer = [
            SGD(momentum: 0.9, weightDecay: 0.5) as any Optimizer, RMSProp(weightDecay: 0.5), Adam(weightDecay: 0.5),
        ][kind]
        let start: [Float] = [2, -3, 0.5]
        let zero: [Float] = [0, 0, 0]
        var parameters = start
        var state = [Float](repeating: 0, count: 3 * optimizer.stateFloatsPerParameter)
        run(
            optimizer, parameters: &parameters, state: &state, gradients: [zero, zero], learningRate: 0.1,
            applyWeightDecay: false)
        #expect(parameters == start)
        run(
            optimizer, parameters: &parameters, state: &state, gradients: [zero, zero], learningRate: 0.1,
            applyWeightDecay: true)
        // Decay shrinks every parameter towards zero.
        for (after, before) in zip(parameters, start) {
            #expect(abs(after) < abs(before))
        }
    }

    @Test("vectorised updates on a 37-element tensor equal a scalar Double reference", arguments: [0, 1, 2, 3])
    func vectorMatchesScalar(kind: Int) {
        var values = TestValues(seed: UInt64(kind + 20))
        let count = 37  // two SIMD blocks + a 5-lane tail
        let start = values.array(count)
        let gradients = (0..<4).map { _ in values.array(count) }
        let lr: Float = 0.05, wd: Float = 0.01
        let optimizer: any Optimizer = [
            SGD(momentum: 0.9, weightDecay: wd) as any Optimizer, SGD(momentum: 0.8, weightDecay: wd, nesterov: true),
            RMSProp(weightDecay: wd), Adam(weightDecay: wd),
        ][kind]
        var parameters = start
        var state = [Float](repeating: 0, count: count * optimizer.stateFloatsPerParameter)
        run(optimizer, parameters: &parameters, state: &state, gradients: gradients, learningRate: lr)

        var expected: [Float] = []
        for index in 0..<count {
            var theta = Double(start[index]), a = 0.0, b = 0.0
            for (offset, gradient) in gradients.enumerated() {
                let t = Double(offset + 1)
                var g = Double(gradient[index])
                switch kind {
                case 0, 1:
                    let mu = kind == 0 ? 0.9 : 0.8
                    g += Double(wd) * theta
                    a = (offset == 0 ? 0 : mu * a) + g
                    theta -= Double(lr) * (kind == 0 ? a : g + mu * a)
                case 2:
                    g += Double(wd) * theta
                    a = 0.9 * (offset == 0 ? 1 : a) + 0.1 * g * g
                    b = 0.9 * b + Double(lr) * g / (a + 1).squareRoot()
                    theta -= b
                default:
                    g += Double(wd) * theta
                    a = 0.9 * a + 0.1 * g
                    b = 0.999 * b + 0.001 * g * g
                    let mHat = a / (1 - Foundation.pow(0.9, t)), vHat = b / (1 - Foundation.pow(0.999, t))
                    theta -= Double(lr) * mHat / (vHat.squareRoot() + 1e-8)
                }
            }
            expected.append(Float(theta))
        }
        #expect(maxDifference(parameters, expected) < 1e-5)
    }

    @Test("every optimizer converges on an ill-conditioned quadratic", arguments: [0, 1, 2, 3])
    func quadraticConvergence(kind: Int) {
        // f(θ) = ½ Σ aᵢ (θᵢ − cᵢ)², curvatures aᵢ in [0.5, 2].
        var values = TestValues(seed: 42)
        let count = 23
        let curvature = values.array(count, in: 0.5...2)
        let target = values.array(count)
        let optimizer: any Optimizer = [
            SGD(momentum: 0.9) as any Optimizer, SGD(momentum: 0.9, nesterov: true), RMSProp(), Adam(),
        ][kind]
        let schedule: LearningRateSchedule =
            kind == 3 ? .cosine(initial: 0.1, floor: 0, totalSteps: 600) : .constant(0.05)
        var state = [Float](repeating: 0, count: count * optimizer.stateFloatsPerParameter)
        let result = optimize(
            optimizer, start: [Float](repeating: 0, count: count), steps: 600, learningRate: { schedule.rate(at: $0) },
            state: &state, gradientOf: { theta in (0..<count).map { curvature[$0] * (theta[$0] - target[$0]) } })
        #expect(maxDifference(result, target) < 1e-3)
    }

    @Test("invalid optimizer settings are rejected with a message naming the value")
    func validation() throws {
        try SGD(momentum: 0.9, weightDecay: 4e-5).validate()
        try RMSProp().validate()
        try Adam().validate()
        #expect(throws: EngineError.self) { try SGD(momentum: 1.5).validate() }
        #expect(throws: EngineError.self) { try RMSProp(epsilon: 0).validate() }
        #expect(throws: EngineError.self) { try Adam(beta1: .nan).validate() }
        do {
            try SGD(momentum: -0.5).validate()
            Issue.record("negative momentum accepted")
        } catch let error as EngineError {
            #expect(error.code == .invalidArgument)
            #expect(error.message == "SGD: momentum -0.5 is outside 0.0…0.999999; fix the job's optimizer settings")
        }
    }
}
