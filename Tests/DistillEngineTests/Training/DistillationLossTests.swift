// Copyright 2026 The Distill authors.

import Foundation
import Testing

@testable import DistillEngine

/// Central finite differences of `loss` with respect to each student entry.
private func numericGradient(
    _ loss: some DistillationLoss, student: [Float], teacher: [Float], labels: [Int32]?, batch: Int, width: Int,
    step: Float = 1e-2
) -> [Float] {
    (0..<student.count).map { index in
        var plus = student, minus = student
        plus[index] += step
        minus[index] -= step
        let up = evaluate(loss, student: plus, teacher: teacher, labels: labels, batch: batch, width: width).loss
        let down = evaluate(loss, student: minus, teacher: teacher, labels: labels, batch: batch, width: width).loss
        return (up - down) / (2 * step)
    }
}

/// Softmax KD computed naively in Double (the reference the SIMD kernel must match).
private func referenceSoftmaxLoss(
    _ loss: SoftmaxDistillationLoss, student: [Float], teacher: [Float], labels: [Int32]?, batch: Int, width: Int
) -> Double {
    let t = Double(loss.temperature)
    func logSoftmax(_ row: ArraySlice<Float>, _ temperature: Double) -> [Double] {
        let scaled = row.map { Double($0) / temperature }
        let top = scaled.max() ?? 0
        let lse = top + Foundation.log(scaled.map { Foundation.exp($0 - top) }.reduce(0, +))
        return scaled.map { $0 - lse }
    }
    var kl = 0.0, crossEntropy = 0.0, labelled = 0
    for row in 0..<batch {
        let range = row * width..<(row + 1) * width
        let logP = logSoftmax(teacher[range], t)
        let logQ = logSoftmax(student[range], t)
        kl += zip(logP, logQ).map { Foundation.exp($0) * ($0 - $1) }.reduce(0, +)
        if let labels, loss.hardWeight != 0, labels[row] >= 0 {
            crossEntropy -= logSoftmax(student[range], 1)[Int(labels[row])]
            labelled += 1
        }
    }
    let soft = Double(loss.softWeight) * t * t * kl / Double(batch)
    return soft + (labelled > 0 ? Double(loss.hardWeight) * crossEntropy / Double(labelled) : 0)
}

@Suite("Distillation losses")
struct DistillationLossTests {
    // MARK: - Vector math

    @Test("vector exp matches Foundation's exp within 3e-7 relative over [-87, 88]")
    func vectorExp() {
        var x: Float = -87
        var worst: Float = 0
        while x < 88 {
            var lanes = FloatVector()
            for lane in 0..<16 { lanes[lane] = x + Float(lane) * 0.0137 }
            let result = VectorMath.exp(lanes)
            for lane in 0..<16 {
                let expected = Foundation.exp(Double(lanes[lane]))
                worst = max(worst, Float(abs(Double(result[lane]) - expected) / expected))
            }
            x += 0.37
        }
        #expect(worst < 3e-7)
        #expect(VectorMath.exp(FloatVector(repeating: -1000)) == FloatVector())
        #expect(VectorMath.exp(FloatVector(repeating: 1000)).max().isFinite)
    }

    @Test("vector reciprocal square root is within 4e-7 relative from 1e-30 to 1e30")
    func vectorReciprocalSquareRoot() {
        var worst = 0.0
        var x: Float = 1e-30
        while x < 1e30 {
            var lanes = FloatVector()
            for lane in 0..<16 { lanes[lane] = x * (1 + Float(lane) * 0.061) }
            let result = VectorMath.reciprocalSquareRoot(lanes)
            for lane in 0..<16 {
                let expected = 1 / Double(lanes[lane]).squareRoot()
                worst = max(worst, abs(Double(result[lane]) - expected) / expected)
            }
            x *= 3.7
        }
        #expect(worst < 4e-7)
    }

    @Test("vector softplus is accurate for tiny and huge arguments")
    func vectorSoftplus() {
        let inputs: [Float] = [-1000, -80, -20, -5, -1e-3, 0, 1e-3, 0.5, 5, 20, 80, 1000, -0.7, 2, 3, 9]
        var vector = FloatVector()
        for (lane, value) in inputs.enumerated() { vector[lane] = value }
        let result = VectorMath.softplus(vector)
        for (lane, value) in inputs.enumerated() {
            let x = Double(value)
            let expected = max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x)))
            #expect(abs(Double(result[lane]) - expected) <= 2e-7 * max(expected, 1e-30) + 1e-38, "softplus(\(x))")
        }
    }

    // MARK: - Softmax KD

    @Test("softmax KD gives the hand-computed KL, cross-entropy and gradient")
    func softmaxHandValues() {
        // p = softmax([ln 3, 0]) = [0.75, 0.25], q = softmax([0, 0]) = [0.5, 0.5].
        // KL = 0.75·ln 1.5 + 0.25·ln 0.5 = 0.1308120359; CE(y=0) = ln 2.
        let teacher: [Float] = [Foundation.log(3), 0]
        let student: [Float] = [0, 0]
        let soft = evaluate(
            SoftmaxDistillationLoss(temperature: 1), student: student, teacher: teacher, batch: 1, width: 2)
        #expect(abs(soft.loss - 0.130_812_04) < 1e-6)
        #expect(maxDifference(soft.gradient, [-0.25, 0.25]) < 1e-6)

        let both = evaluate(
            SoftmaxDistillationLoss(temperature: 1, softWeight: 1, hardWeight: 1), student: student,
            teacher: teacher, labels: [0], batch: 1, width: 2)
        #expect(abs(both.loss - (0.130_812_04 + 0.693_147_2)) < 1e-6)
        #expect(maxDifference(both.gradient, [-0.75, 0.75]) < 1e-6)
    }

    @Test("softmax KD matches a Double reference and its finite-difference gradient on ragged rows")
    func softmaxGradientCheck() {
        var values = TestValues(seed: 7)
        let batch = 3, width = 19  // 19 = one full SIMD block + a 3-lane tail
        let student = values.array(batch * width), teacher = values.array(batch * width)
        let labels: [Int32] = [2, -1, 18]
        let loss = SoftmaxDistillationLoss(temperature: 3, softWeight: 0.7, hardWeight: 0.4)
        let result = evaluate(loss, student: student, teacher: teacher, labels: labels, batch: batch, width: width)
        let reference = referenceSoftmaxLoss(
            loss, student: student, teacher: teacher, labels: labels, batch: batch, width: width)
        #expect(abs(Double(result.loss) - reference) < 1e-5 * max(1, reference))
        let numeric = numericGradient(
            loss, student: student, teacher: teacher, labels: labels, batch: batch, width: width)
        #expect(maxDifference(result.gradient, numeric) < 2e-3)
    }

    @Test("softmax KD is exactly zero, with zero gradient, when student equals teacher")
    func softmaxZeroWhenEqual() {
        var values = TestValues(seed: 3)
        let logits = values.array(4 * 33)
        let result = evaluate(
            SoftmaxDistillationLoss(temperature: 4), student: logits, teacher: logits, batch: 4, width: 33)
        #expect(result.loss == 0)
        #expect(result.gradient.allSatisfy { $0 == 0 })
    }

    @Test("softmax KD stays finite and correct with logits of ±1000")
    func softmaxExtremeLogits() {
        // q = softmax(s) ≈ [1, 0, 0], p = softmax(t) ≈ [0, 1, 0]: KL = log p₁ − log q₁ = 0 − (−2000).
        let student: [Float] = [1000, -1000, 0]
        let teacher: [Float] = [-1000, 1000, 0]
        let result = evaluate(
            SoftmaxDistillationLoss(temperature: 1, softWeight: 1, hardWeight: 1), student: student,
            teacher: teacher, labels: [1], batch: 1, width: 3)
        // soft 2000 + hard −log q₁ = 2000.
        #expect(abs(result.loss - 4000) < 1e-2)
        #expect(maxDifference(result.gradient, [2, -2, 0]) < 1e-6)
    }

    @Test("the hard term is skipped without labels, for unlabelled rows and when its weight is 0")
    func softmaxHardTermSkipped() {
        var values = TestValues(seed: 11)
        let student = values.array(2 * 5), teacher = values.array(2 * 5)
        let softOnly = evaluate(
            SoftmaxDistillationLoss(temperature: 2), student: student, teacher: teacher, batch: 2, width: 5)
        let noLabels = evaluate(
            SoftmaxDistillationLoss(temperature: 2, hardWeight: 1), student: student, teacher: teacher, batch: 2,
            width: 5)
        let unlabelled = evaluate(
            SoftmaxDistillationLoss(temperature: 2, hardWeight: 1), student: student, teacher: teacher,
            labels: [-1, -1], batch: 2, width: 5)
        let zeroWeight = evaluate(
            SoftmaxDistillationLoss(temperature: 2, hardWeight: 0), student: student, teacher: teacher,
            labels: [1, 3], batch: 2, width: 5)
        for other in [noLabels, unlabelled, zeroWeight] {
            #expect(other.loss == softOnly.loss)
            #expect(other.gradient == softOnly.gradient)
        }
        let withLabels = evaluate(
            SoftmaxDistillationLoss(temperature: 2, hardWeight: 1), student: student, teacher: teacher,
            labels: [1, 3], batch: 2, width: 5)
        #expect(withLabels.loss > softOnly.loss)
    }

    @Test("invalid loss settings are rejected with a message naming the value")
    func lossValidation() {
        #expect(throws: EngineError.self) { try SoftmaxDistillationLoss(temperature: 0).validate() }
        #expect(throws: EngineError.self) { try SoftmaxDistillationLoss(temperature: 2, hardWeight: -1).validate() }
        #expect(throws: EngineError.self) { try AttributeDistillationLoss(temperature: .nan).validate() }
        do {
            try SoftmaxDistillationLoss(temperature: -2).validate()
        } catch let error as EngineError {
            #expect(error.code == .invalidArgument)
            #expect(
                error.message
                    == "softmax distillation loss: temperature -2.0 is not a positive finite number; use e.g. 1–20 (4 is common)"
            )
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    // MARK: - Attribute KD

    @Test("attribute KD gives hand-computed BCE values, scaled by T²")
    func attributeHandValues() {
        // T = 1, s = 2, t = 0: BCE = softplus(2) − 0.5·2 = 1.126928; dL/ds = σ(2) − 0.5 = 0.380797.
        let one = evaluate(AttributeDistillationLoss(temperature: 1), student: [2], teacher: [0], batch: 1, width: 1)
        #expect(abs(one.loss - 1.126_928) < 1e-6)
        #expect(abs(one.gradient[0] - 0.380_797_1) < 1e-6)
        // T = 2: z = 1, L = 4·(softplus(1) − 0.5) = 3.253047; dL/ds = 2·(σ(1) − 0.5) = 0.462117.
        let two = evaluate(AttributeDistillationLoss(temperature: 2), student: [2], teacher: [0], batch: 1, width: 1)
        #expect(abs(two.loss - 3.253_047) < 1e-5)
        #expect(abs(two.gradient[0] - 0.462_117_2) < 1e-6)
        // Averaged over batch and attributes: rows (0, 0) and (2, 0) against a zero teacher.
        let mean = evaluate(
            AttributeDistillationLoss(temperature: 1), student: [0, 0, 2, 0], teacher: [0, 0, 0, 0], batch: 2, width: 2)
        #expect(abs(mean.loss - (3 * 0.693_147_2 + 1.126_928) / 4) < 1e-6)
        #expect(maxDifference(mean.gradient, [0, 0, 0.380_797_1 / 4, 0]) < 1e-6)
    }

    @Test("attribute KD gradient matches finite differences on ragged rows")
    func attributeGradientCheck() {
        var values = TestValues(seed: 5)
        let batch = 3, width = 21
        let student = values.array(batch * width), teacher = values.array(batch * width)
        let loss = AttributeDistillationLoss(temperature: 2.5)
        let result = evaluate(loss, student: student, teacher: teacher, batch: batch, width: width)
        let numeric = numericGradient(loss, student: student, teacher: teacher, labels: nil, batch: batch, width: width)
        #expect(maxDifference(result.gradient, numeric) < 1e-3)
        // Reference loss in Double.
        var reference = 0.0
        for (s, t) in zip(student, teacher) {
            let z = Double(s) / 2.5, p = 1 / (1 + Foundation.exp(-Double(t) / 2.5))
            reference += max(z, 0) + Foundation.log1p(Foundation.exp(-abs(z))) - p * z
        }
        reference *= 2.5 * 2.5 / Double(batch * width)
        #expect(abs(Double(result.loss) - reference) < 1e-5)
    }

    @Test("attribute KD has zero gradient and the teacher's entropy as loss when student equals teacher")
    func attributeEqual() {
        let logits: [Float] = [0, 3, -2, 1]
        let result = evaluate(
            AttributeDistillationLoss(temperature: 1), student: logits, teacher: logits, batch: 1, width: 4)
        #expect(result.gradient.allSatisfy { abs($0) < 1e-7 })
        let entropy =
            logits.map { x -> Double in
                let p = 1 / (1 + Foundation.exp(-Double(x)))
                return -(p * Foundation.log(p) + (1 - p) * Foundation.log(1 - p))
            }.reduce(0, +) / 4
        #expect(abs(Double(result.loss) - entropy) < 1e-6)
    }

    @Test("attribute KD stays finite and correct with logits of ±1000")
    func attributeExtremeLogits() {
        // s = 1000, t = −1000: p = 0, BCE = softplus(1000) = 1000; and symmetrically.
        let result = evaluate(
            AttributeDistillationLoss(temperature: 1), student: [1000, -1000], teacher: [-1000, 1000], batch: 1,
            width: 2)
        #expect(abs(result.loss - 1000) < 1e-3)
        #expect(maxDifference(result.gradient, [0.5, -0.5]) < 1e-6)
    }

    // MARK: - Embedding KD

    @Test("embedding KD is the batch-mean squared distance with gradient 2(s − t)/N")
    func embeddingValues() {
        let result = evaluate(
            EmbeddingDistillationLoss(), student: [1, 2, 0, 0], teacher: [0, 0, 0, 3], batch: 2, width: 2)
        #expect(result.loss == (5 + 9) / 2)
        #expect(result.gradient == [1, 2, 0, -3])
        var values = TestValues(seed: 9)
        let student = values.array(3 * 17), teacher = values.array(3 * 17)
        let checked = evaluate(EmbeddingDistillationLoss(), student: student, teacher: teacher, batch: 3, width: 17)
        let numeric = numericGradient(
            EmbeddingDistillationLoss(), student: student, teacher: teacher, labels: nil, batch: 3, width: 17)
        #expect(maxDifference(checked.gradient, numeric) < 2e-3)
        let same = evaluate(EmbeddingDistillationLoss(), student: student, teacher: student, batch: 3, width: 17)
        #expect(same.loss == 0 && same.gradient.allSatisfy { $0 == 0 })
    }

    // MARK: - Teachers trained on labels

    @Test("attribute loss with probability targets is BCE against the 0/1 labels, with the matching gradient")
    func attributeProbabilityTargets() {
        var values = TestValues(seed: 11)
        let batch = 3, width = 7
        let student = values.array(batch * width)
        let targets = (0..<(batch * width)).map { Float(($0 * 5 + 1) % 3 == 0 ? 1 : 0) }
        let loss = AttributeDistillationLoss(temperature: 1, targets: .probabilities)
        let result = evaluate(loss, student: student, teacher: targets, batch: batch, width: width)
        var reference = 0.0
        for (s, p) in zip(student, targets) {
            let q = 1 / (1 + Foundation.exp(-Double(s)))
            reference -= Double(p) * Foundation.log(q) + (1 - Double(p)) * Foundation.log(1 - q)
        }
        reference /= Double(batch * width)
        #expect(abs(Double(result.loss) - reference) < 1e-5)
        let numeric = numericGradient(loss, student: student, teacher: targets, labels: nil, batch: batch, width: width)
        #expect(maxDifference(result.gradient, numeric) < 1e-3)
    }

    @Test("triplet loss matches a Double reference and finite differences, and ignores unlabelled rows")
    func tripletGradientCheck() {
        var values = TestValues(seed: 12)
        let batch = 6, width = 5
        let student = values.array(batch * width)
        let labels: [Int32] = [0, 1, 0, 2, 1, -1]
        let loss = TripletEmbeddingLoss()
        let result = evaluate(loss, student: student, teacher: student, labels: labels, batch: batch, width: width)
        // Reference: normalise, then the mean softplus(d_ap − d_an) over every valid triplet.
        let rows = (0..<batch).map { row -> [Double] in
            let v = student[(row * width)..<((row + 1) * width)].map(Double.init)
            let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            return v.map { $0 / norm }
        }
        func d(_ i: Int, _ j: Int) -> Double { zip(rows[i], rows[j]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
        var total = 0.0, count = 0
        for a in 0..<batch where labels[a] >= 0 {
            for p in 0..<batch where p != a && labels[p] == labels[a] {
                for n in 0..<batch where labels[n] >= 0 && labels[n] != labels[a] {
                    total += Foundation.log1p(Foundation.exp(d(a, p) - d(a, n)))
                    count += 1
                }
            }
        }
        #expect(count == 12)
        #expect(abs(Double(result.loss) - total / Double(count)) < 1e-5)
        let numeric = numericGradient(
            loss, student: student, teacher: student, labels: labels, batch: batch, width: width, step: 1e-3)
        #expect(maxDifference(result.gradient, numeric) < 1e-3)
        // The unlabelled row takes no part: its gradient is zero.
        #expect(result.gradient[(5 * width)..<(6 * width)].allSatisfy { $0 == 0 })
        // Scaling a row does not change a loss on normalised embeddings.
        var scaled = student
        for index in 0..<width { scaled[index] *= 3 }
        let same = evaluate(loss, student: scaled, teacher: scaled, labels: labels, batch: batch, width: width)
        #expect(abs(same.loss - result.loss) < 1e-5)
        // Without labels there is nothing to learn.
        let none = evaluate(loss, student: student, teacher: student, batch: batch, width: width)
        #expect(none.loss == 0 && none.gradient.allSatisfy { $0 == 0 })
    }
}
