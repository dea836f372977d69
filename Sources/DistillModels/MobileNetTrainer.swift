// Copyright 2026 The Distill authors.
// One training step of a MobileNet: forward → distillation loss and its gradient → backward →
// optimizer update. Optimizer state is one buffer: the weight-decayed region's state, then the rest's,
// each (stateFloatsPerParameter, P) as the Optimizer protocol lays it out.

import DistillEngine

/// Trains a ``MobileNet`` with a distillation loss and an optimizer.
public final class MobileNetTrainer {
    /// The network being trained.
    public let network: MobileNet
    /// The loss (its gradient drives backward).
    public let loss: any DistillationLoss
    /// The update rule.
    public let optimizer: any Optimizer
    /// Optimizer state, `stateFloatsPerParameter × parameterCount` floats.
    public let state: FloatBuffer
    /// Steps taken so far (the optimizer's `step` is this + 1 during a step).
    public var step: Int
    private let teacherStaging: FloatBuffer

    /// Creates a trainer.
    /// - Parameters:
    ///   - network: The network; its parameters should be initialised.
    ///   - loss: The distillation loss.
    ///   - optimizer: The optimizer.
    /// - Throws: ``EngineError`` if the loss or optimizer settings are invalid.
    public init(network: MobileNet, loss: any DistillationLoss, optimizer: any Optimizer) throws {
        try loss.validate()
        try optimizer.validate()
        self.network = network
        self.loss = loss
        self.optimizer = optimizer
        self.state = FloatBuffer(count: max(1, optimizer.stateFloatsPerParameter * network.layout.parameterCount))
        self.step = 0
        self.teacherStaging = FloatBuffer(count: network.outputCount)
    }

    /// Runs one step on a batch.
    /// - Parameters:
    ///   - images: (N, 3, R, R) row-major, the network's ``MobileNet/inputCount`` floats.
    ///   - teacher: The teacher's outputs (N, outputs).
    ///   - labels: Optional labels (N), negative for unlabelled rows.
    ///   - learningRate: This step's learning rate.
    ///   - excluding: Rows left out of the loss (images that failed to decode): their input is replaced by a copy
    ///     of another row's so batch-norm statistics see only real images, and the loss is the mean over the
    ///     other rows (their gradient is as if the batch held only them). At least one row must remain.
    /// - Returns: The batch-mean loss before the update (over the rows not excluded).
    /// - Throws: ``EngineError`` for wrong buffer sizes, every row excluded, or a oneDNN failure.
    @discardableResult
    public func trainStep(
        images: UnsafeBufferPointer<Float>, teacher: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<Int32>?,
        learningRate: Float, excluding: Set<Int> = []
    ) throws -> Float {
        let network = network
        guard images.count == network.inputCount, teacher.count == network.outputCount,
            labels.map({ $0.count == network.batch }) ?? true
        else {
            throw EngineError(
                .invalidArgument,
                "Training step got \(images.count) image floats, \(teacher.count) teacher floats and "
                    + "\(labels?.count ?? 0) labels; a batch of \(network.batch) needs \(network.inputCount), "
                    + "\(network.outputCount) and \(network.batch).")
        }
        let batch = network.batch
        let kept = (0..<batch).filter { !excluding.contains($0) }
        guard let donor = kept.first else {
            throw EngineError(.invalidArgument, "Training step: all \(batch) rows of the batch are excluded.")
        }
        network.withInput { buffer in
            _ = buffer.update(fromContentsOf: images)
            let sample = network.inputCount / batch
            for row in excluding where row >= 0 && row < batch {
                for index in 0..<sample { buffer[row * sample + index] = buffer[donor * sample + index] }
            }
        }
        if kept.count == batch {
            return try runStep(teacher: teacher, labels: labels, learningRate: learningRate)
        }
        return try runStep(learningRate: learningRate) { student, gradient in
            maskedLoss(student: student, teacher: teacher, labels: labels, kept: kept, gradient: gradient)
        }
    }

    /// The loss over the `kept` rows only: they are gathered into a smaller batch, and the gradient of the other
    /// rows is zero.
    private func maskedLoss(
        student: UnsafeBufferPointer<Float>, teacher: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<Int32>?,
        kept: [Int], gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        let width = network.spec.outputs
        var keptStudent = [Float](), keptTeacher = [Float](), keptLabels = [Int32]()
        keptStudent.reserveCapacity(kept.count * width)
        keptTeacher.reserveCapacity(kept.count * width)
        for row in kept {
            keptStudent.append(contentsOf: student[(row * width)..<((row + 1) * width)])
            keptTeacher.append(contentsOf: teacher[(row * width)..<((row + 1) * width)])
            keptLabels.append(labels?[row] ?? -1)
        }
        var keptGradient = [Float](repeating: 0, count: kept.count * width)
        let value = keptStudent.withUnsafeBufferPointer { s in
            keptTeacher.withUnsafeBufferPointer { t in
                keptLabels.withUnsafeBufferPointer { l in
                    keptGradient.withUnsafeMutableBufferPointer { g in
                        loss.lossAndGradient(
                            student: s, teacher: t, labels: labels == nil ? nil : l, batch: kept.count, width: width,
                            gradient: g)
                    }
                }
            }
        }
        gradient.update(repeating: 0)
        for (position, row) in kept.enumerated() {
            for column in 0..<width { gradient[row * width + column] = keptGradient[position * width + column] }
        }
        return value
    }

    /// Runs one step on the images already in the network's input buffer (no copy; for benchmarks).
    /// - Parameters:
    ///   - teacher: The teacher's outputs (N, outputs).
    ///   - learningRate: This step's learning rate.
    /// - Returns: The batch-mean loss before the update.
    /// - Throws: ``EngineError`` if oneDNN fails.
    @discardableResult
    public func trainStepOnLoadedInput(teacher: UnsafeBufferPointer<Float>, learningRate: Float) throws -> Float {
        try runStep(teacher: teacher, labels: nil, learningRate: learningRate)
    }

    /// Forward, loss gradient, backward and update on the images in the network's input buffer.
    private func runStep(
        teacher: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<Int32>?, learningRate: Float
    ) throws -> Float {
        try runStep(learningRate: learningRate) { student, gradient in
            loss.lossAndGradient(
                student: student, teacher: teacher, labels: labels, batch: network.batch,
                width: network.spec.outputs, gradient: gradient)
        }
    }

    /// Forward, the loss (`lossAndGradient` fills the output gradient), backward and update.
    private func runStep(
        learningRate: Float,
        lossAndGradient: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Float
    ) throws -> Float {
        let network = network
        try network.forward(training: true)
        let value = try network.withOutput { student in
            network.withOutputGradient { gradient in lossAndGradient(student, gradient) }
        }
        network.zeroGradients()
        try network.backward()
        step += 1
        applyUpdate(learningRate: learningRate)
        return value
    }

    private func applyUpdate(learningRate: Float) {
        let layout = network.layout
        let stateWidth = optimizer.stateFloatsPerParameter
        let regions = [
            (0, layout.decayedCount, true), (layout.decayedCount, layout.parameterCount - layout.decayedCount, false),
        ]
        for (start, count, decay) in regions where count > 0 {
            network.parameters.withMutableFloats(offset: start, count: count) { values in
                network.gradients.withMutableFloats(offset: start, count: count) { gradients in
                    state.withMutableFloats(offset: start * stateWidth, count: count * stateWidth) { state in
                        optimizer.update(
                            parameters: values, gradients: UnsafeBufferPointer(gradients), state: state,
                            learningRate: learningRate, step: step, applyWeightDecay: decay)
                    }
                }
            }
        }
    }
}
