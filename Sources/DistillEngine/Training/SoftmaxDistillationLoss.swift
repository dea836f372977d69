// Copyright 2026 The Distill authors.
//
// Softmax knowledge distillation (Hinton et al. 2015) for classifiers. Shapes: N rows (batch), W
// classes per row, row-major. Dimension letters in the kernel: s = student logits, t = teacher
// logits, p = softmax(t/T), q = softmax(s/T).

import Foundation

/// Softmax knowledge distillation with an optional hard-label term.
///
/// ```
/// L = softWeight · T² · KL(softmax(t/T) ‖ softmax(s/T)) + hardWeight · CE(y, softmax(s))
/// dL/ds = softWeight · T · (softmax(s/T) − softmax(t/T)) / N + hardWeight · (softmax(s) − onehot(y)) / L
/// ```
/// The soft term is averaged over the `N` rows of the batch; the hard term over the `L` rows that
/// have a label (label ≥ 0); it is skipped when `labels` is `nil`, no row has a label, or
/// `hardWeight` is 0. The T² factor keeps the soft gradients' size independent of `T`.
/// Softmaxes use the max-shifted log-sum-exp, so logits of ±1000 give finite losses and gradients.
public struct SoftmaxDistillationLoss: DistillationLoss, Equatable {
    /// The softening temperature `T` (> 0).
    public var temperature: Float
    /// The weight of the soft (teacher) term.
    public var softWeight: Float
    /// The weight of the hard (label) term; 0 for unlabelled distillation.
    public var hardWeight: Float

    /// Creates the loss.
    /// - Parameters:
    ///   - temperature: The softening temperature `T` (> 0; 4 is common).
    ///   - softWeight: The weight of the teacher term.
    ///   - hardWeight: The weight of the label term (0 to ignore labels).
    public init(temperature: Float = 4, softWeight: Float = 1, hardWeight: Float = 0) {
        self.temperature = temperature
        self.softWeight = softWeight
        self.hardWeight = hardWeight
    }

    /// Checks that the temperature is positive and the weights are finite and non-negative.
    /// - Throws: ``EngineError`` (`invalidArgument`) naming the bad setting.
    public func validate() throws {
        try validateTemperature(temperature, in: "softmax distillation loss")
        for (name, value) in [("soft weight", softWeight), ("hard weight", hardWeight)]
        where !(value.isFinite && value >= 0) {
            throw EngineError(
                .invalidArgument, "softmax distillation loss: \(name) \(value) must be a finite number ≥ 0")
        }
    }

    /// Computes the batch loss and `dL/ds`; see the type's documentation for the formula.
    ///
    /// - Parameters:
    ///   - student: Student logits `s`, `(N, width)`.
    ///   - teacher: Teacher logits `t`, `(N, width)`.
    ///   - labels: Class indices `(N)` in `0..<width`, or negative for an unlabelled row; `nil` for none.
    ///   - batch: `N`.
    ///   - width: The number of classes.
    ///   - gradient: Receives `dL/ds`, `(N, width)`.
    /// - Returns: The batch loss.
    /// - Complexity: O(N·width), no allocation.
    public func lossAndGradient(
        student: UnsafeBufferPointer<Float>, teacher: UnsafeBufferPointer<Float>,
        labels: UnsafeBufferPointer<Int32>?, batch: Int, width: Int,
        gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        checkBuffers(student, teacher, gradient, batch: batch, width: width)
        guard batch > 0, width > 0, let sBase = student.baseAddress, let tBase = teacher.baseAddress,
            let gBase = gradient.baseAddress
        else { return 0 }

        // Rows that contribute a hard term.
        var labelled = 0
        if hardWeight != 0, let labels {
            precondition(labels.count >= batch, "SoftmaxDistillationLoss: \(labels.count) labels for \(batch) rows")
            for row in 0..<batch where labels[row] >= 0 {
                precondition(Int(labels[row]) < width, "label \(labels[row]) out of range 0..<\(width)")
                labelled += 1
            }
        }
        let lanes = VectorMath.lanes
        let inverseT = 1 / temperature
        let softScale = softWeight * temperature / Float(batch)
        let hardScale = labelled > 0 ? hardWeight / Float(labelled) : 0
        var klTotal: Double = 0
        var crossEntropyTotal: Double = 0

        for row in 0..<batch {
            let s = sBase + row * width
            let t = tBase + row * width
            let g = gBase + row * width
            let label = labelled > 0 ? Int(labels?[row] ?? -1) : -1
            let hard = label >= 0

            // Pass 1: row maxima and the softmax normalisers (log-sum-exp, shifted by the max).
            let maxS = VectorMath.maximum(s, count: width)
            let maxT = VectorMath.maximum(t, count: width)
            var sumS = FloatVector(), sumT = FloatVector(), sumHard = FloatVector()
            var index = 0
            while index < width {
                let count = width - index
                let sv = VectorMath.load(s + index, count: count) - maxS
                let tv = VectorMath.load(t + index, count: count) - maxT
                sumS += VectorMath.zeroTail(VectorMath.exp(sv * inverseT), count: count)
                sumT += VectorMath.zeroTail(VectorMath.exp(tv * inverseT), count: count)
                if hard { sumHard += VectorMath.zeroTail(VectorMath.exp(sv), count: count) }
                index += lanes
            }
            let logZS = Foundation.log(sumS.sum())
            let logZT = Foundation.log(sumT.sum())
            let logZHard = hard ? Foundation.log(sumHard.sum()) : 0

            // Pass 2: KL(p ‖ q) = Σ p (log p − log q) and the gradient.
            var kl = FloatVector()
            index = 0
            while index < width {
                let count = width - index
                let sv = VectorMath.load(s + index, count: count) - maxS
                let logQ = sv * inverseT - logZS
                let logP = (VectorMath.load(t + index, count: count) - maxT) * inverseT - logZT
                let p = VectorMath.exp(logP)
                kl += VectorMath.zeroTail(p * (logP - logQ), count: count)
                var grad = softScale * (VectorMath.exp(logQ) - p)
                if hard { grad += hardScale * VectorMath.exp(sv - logZHard) }
                VectorMath.store(grad, to: g + index, count: count)
                index += lanes
            }
            klTotal += Double(kl.sum())
            if hard {
                g[label] -= hardScale
                crossEntropyTotal += Double(logZHard - (s[label] - maxS))
            }
        }
        let soft = Double(softWeight * temperature * temperature) * klTotal / Double(batch)
        let hardTerm = labelled > 0 ? Double(hardWeight) * crossEntropyTotal / Double(labelled) : 0
        return Float(soft + hardTerm)
    }
}
