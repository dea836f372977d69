// Copyright 2026 The Distill authors.
//
// Attribute (multi-label) knowledge distillation: each of the K outputs is an independent binary
// attribute logit. Shapes: N rows (batch), K attributes per row, row-major. s = student logits,
// t = teacher logits, p = sigmoid(t/T) (the soft target), z = s/T.

/// Per-attribute cross-entropy distillation ("per-attribute cross-entropy" of the MobileNets paper).
///
/// ```
/// L     = T² · mean over n, k of BCE(sigmoid(t/T), sigmoid(s/T))
/// BCE   = −[p·log σ(z) + (1 − p)·log(1 − σ(z))] = softplus(z) − p·z,   p = σ(t/T), z = s/T
/// dL/ds = T · (σ(s/T) − σ(t/T)) / (N·K)
/// ```
/// The loss **is scaled by T²**, as the softmax loss is: for large `T` the raw gradient shrinks like
/// 1/T², so the factor keeps the learning rate independent of the temperature. With `T = 1` this is
/// plain binary cross-entropy against the teacher's probabilities. The minimum over students is the
/// teacher's own entropy (not 0): the gradient, not the loss, vanishes when student = teacher.
/// `softplus` is evaluated as `max(z, 0) + log1p(exp(−|z|))`, finite for logits of ±1000.
/// Labels are ignored (unlabelled images need none).
///
/// With `targets: .probabilities` the teacher rows are the targets `p` themselves (0/1 labels when a
/// teacher is trained on an attribute labels file), not logits: `p = t`.
public struct AttributeDistillationLoss: DistillationLoss, Equatable {
    /// What the teacher rows hold.
    public enum Targets: Sendable, Equatable {
        /// Teacher logits: `p = σ(t/T)`.
        case logits
        /// Target probabilities in [0, 1]: `p = t`.
        case probabilities
    }

    /// The softening temperature `T` (> 0).
    public var temperature: Float
    /// What the teacher rows hold.
    public var targets: Targets

    /// Creates the loss.
    /// - Parameters:
    ///   - temperature: The softening temperature `T` (> 0; 1 means plain BCE).
    ///   - targets: Whether teacher rows are logits (distillation) or probabilities (training on labels).
    public init(temperature: Float = 1, targets: Targets = .logits) {
        self.temperature = temperature
        self.targets = targets
    }

    /// Checks that the temperature is positive and finite.
    /// - Throws: ``EngineError`` (`invalidArgument`) naming the bad temperature.
    public func validate() throws {
        try validateTemperature(temperature, in: "attribute distillation loss")
    }

    /// Computes the batch loss and `dL/ds`; see the type's documentation for the formula.
    ///
    /// - Parameters:
    ///   - student: Student attribute logits, `(N, K)`.
    ///   - teacher: Teacher attribute logits, `(N, K)`.
    ///   - labels: Ignored.
    ///   - batch: `N`.
    ///   - width: `K`, the number of attributes.
    ///   - gradient: Receives `dL/ds`, `(N, K)`.
    /// - Returns: The loss, averaged over the batch and the attributes and multiplied by T².
    /// - Complexity: O(N·K), no allocation.
    public func lossAndGradient(
        student: UnsafeBufferPointer<Float>, teacher: UnsafeBufferPointer<Float>,
        labels: UnsafeBufferPointer<Int32>?, batch: Int, width: Int,
        gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        checkBuffers(student, teacher, gradient, batch: batch, width: width)
        guard batch > 0, width > 0, let s = student.baseAddress, let t = teacher.baseAddress,
            let g = gradient.baseAddress
        else { return 0 }
        // The rows are contiguous, so the whole (N, K) block is one flat loop.
        let total = batch * width
        let inverseT = 1 / temperature
        let gradientScale = temperature / Float(total)
        let targetsAreProbabilities = targets == .probabilities
        var sum = FloatVector()
        var partial: Double = 0
        var index = 0
        var blocks = 0
        while index < total {
            let count = total - index
            let z = VectorMath.load(s + index, count: count) * inverseT
            let raw = VectorMath.load(t + index, count: count)
            let p = targetsAreProbabilities ? raw : VectorMath.sigmoid(raw * inverseT)
            sum += VectorMath.zeroTail(VectorMath.softplus(z) - p * z, count: count)
            VectorMath.store(gradientScale * (VectorMath.sigmoid(z) - p), to: g + index, count: count)
            index += VectorMath.lanes
            blocks += 1
            if blocks == 64 {  // keep Float partial sums short, accumulate in Double
                partial += Double(sum.sum())
                sum = FloatVector()
                blocks = 0
            }
        }
        partial += Double(sum.sum())
        return Float(Double(temperature * temperature) * partial / Double(total))
    }
}
