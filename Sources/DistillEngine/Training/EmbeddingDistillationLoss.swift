// Copyright 2026 The Distill authors.
//
// Embedding (FaceNet-style) distillation. Shapes: N rows (batch), D embedding dimensions, row-major.

/// Squared Euclidean distance between student and teacher embeddings, averaged over the batch.
///
/// ```
/// L     = (1/N) · Σ_n ‖s_n − t_n‖²
/// dL/ds = 2 · (s − t) / N
/// ```
/// The student's last layer has the teacher's embedding width `D`. Labels are ignored.
public struct EmbeddingDistillationLoss: DistillationLoss, Equatable {
    /// Creates the loss.
    public init() {}

    /// Nothing to check: the loss has no settings.
    public func validate() throws {}

    /// Computes the batch loss and `dL/ds`.
    ///
    /// - Parameters:
    ///   - student: Student embeddings, `(N, D)`.
    ///   - teacher: Teacher embeddings, `(N, D)`.
    ///   - labels: Ignored.
    ///   - batch: `N`.
    ///   - width: `D`.
    ///   - gradient: Receives `dL/ds`, `(N, D)`.
    /// - Returns: The mean over the batch of the squared distances.
    /// - Complexity: O(N·D), no allocation.
    public func lossAndGradient(
        student: UnsafeBufferPointer<Float>, teacher: UnsafeBufferPointer<Float>,
        labels: UnsafeBufferPointer<Int32>?, batch: Int, width: Int,
        gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        checkBuffers(student, teacher, gradient, batch: batch, width: width)
        guard batch > 0, width > 0, let s = student.baseAddress, let t = teacher.baseAddress,
            let g = gradient.baseAddress
        else { return 0 }
        let total = batch * width
        let gradientScale = 2 / Float(batch)
        var sum = FloatVector()
        var partial: Double = 0
        var index = 0
        var blocks = 0
        while index < total {
            let count = total - index
            let difference = VectorMath.load(s + index, count: count) - VectorMath.load(t + index, count: count)
            sum += difference * difference  // tail lanes load 0 − 0
            VectorMath.store(gradientScale * difference, to: g + index, count: count)
            index += VectorMath.lanes
            blocks += 1
            if blocks == 64 {
                partial += Double(sum.sum())
                sum = FloatVector()
                blocks = 0
            }
        }
        partial += Double(sum.sum())
        return Float(partial / Double(batch))
    }
}
