// Copyright 2026 The Distill authors.

/// A knowledge-distillation loss: compares a batch of student outputs with the teacher's.
///
/// Conformers run every training step, so they work in place on contiguous buffers, vectorised,
/// and allocate nothing.
public protocol DistillationLoss: Sendable {
    /// Computes the batch-mean loss and its gradient with respect to the student's outputs.
    ///
    /// - Parameters:
    ///   - student: The student's outputs (logits or embedding), `(N, width)` row-major.
    ///   - teacher: The teacher's outputs for the same images, `(N, width)` row-major.
    ///   - labels: Optional class labels, `(N)`; a negative label marks an unlabelled row. Losses that
    ///     do not use labels ignore them.
    ///   - batch: `N`, the number of rows.
    ///   - width: The number of outputs per row.
    ///   - gradient: Receives `dLoss/dStudent`, `(N, width)` row-major (overwritten, not accumulated).
    /// - Returns: The loss averaged over the batch, as documented by the conformer.
    func lossAndGradient(
        student: UnsafeBufferPointer<Float>, teacher: UnsafeBufferPointer<Float>,
        labels: UnsafeBufferPointer<Int32>?, batch: Int, width: Int,
        gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float

    /// Checks the loss's settings (temperature, weights) and throws a readable error for bad values.
    ///
    /// - Throws: ``EngineError`` with code ``EngineError/Code/invalidArgument`` naming the bad setting.
    func validate() throws
}

extension DistillationLoss {
    /// Traps unless the three buffers hold at least `batch × width` floats (a programming error).
    @inline(__always)
    func checkBuffers(
        _ student: UnsafeBufferPointer<Float>, _ teacher: UnsafeBufferPointer<Float>,
        _ gradient: UnsafeMutableBufferPointer<Float>, batch: Int, width: Int
    ) {
        let needed = batch * width
        precondition(batch >= 0 && width >= 0, "\(Self.self): negative shape (\(batch), \(width))")
        precondition(
            student.count >= needed && teacher.count >= needed && gradient.count >= needed,
            "\(Self.self): buffers hold \(student.count)/\(teacher.count)/\(gradient.count) floats, "
                + "shape (\(batch), \(width)) needs \(needed) each")
    }
}

/// Shared validation of a temperature setting.
func validateTemperature(_ temperature: Float, in loss: String) throws {
    guard temperature.isFinite, temperature > 0 else {
        throw EngineError(
            .invalidArgument,
            "\(loss): temperature \(temperature) is not a positive finite number; use e.g. 1–20 (4 is common)")
    }
}
