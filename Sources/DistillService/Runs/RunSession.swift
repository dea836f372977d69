// Copyright 2026 The Distill authors.
// Trains one run of a job: the student, loss, optimizer and schedule the job file asks for; seeded
// initialisation and data order; a checkpoint at every epoch end, every `checkpoint_every_steps` and on a
// stop; a metrics row per epoch. The last partial batch of an epoch is dropped (steps per epoch =
// ⌊training images / batch⌋), so every step sees a full batch.
//
// Data order: the epoch's permutation is drawn from the data generator at the epoch's start; a checkpoint
// stores the generator's state from before that draw plus the position in the permutation, so a resumed run
// draws the same permutation and continues where it stopped.

import DistillData
import DistillEngine
import DistillModels
import DistillStore
import Foundation

/// Why training stops before its last step.
enum RunStopReason: Equatable {
    /// Checkpoint and pause (a signal, `--max-steps`, the window's end, another run of the job failed).
    case pause
    /// The user cancelled the job: write nothing more.
    case cancelled
    /// The lease is no longer this worker's: write nothing more.
    case leaseLost
}

/// One run being trained.
final class RunSession {
    enum Outcome: Equatable {
        case finished
        case stopped(RunStopReason)
    }

    let run: Run
    let lease: RunLease
    let spec: JobSpec
    let jobID: Int64
    let kind: TeacherKind
    let dataset: RunDataset
    let network: MobileNet
    let trainer: MobileNetTrainer
    let loader: ImageBatchLoader
    let schedule: LearningRateSchedule
    let stepsPerEpoch: Int
    let totalSteps: Int
    let checkpointURL: URL
    let checkpointRelativePath: String
    let store: Store
    let useLabels: Bool
    /// Set for a teach job: the teacher trains on labels.
    let teach: JobSpec.Teach?

    private var generator: SeededGenerator
    private var epoch = 0
    private var position = 0
    private var epochStartState: SIMD4<UInt64>
    private var lossSum = 0.0
    private var epochSteps = 0
    private var epochSeconds = 0.0
    /// The part of `epochSeconds` spent waiting for batches (decoding, or reading the decoded-image store).
    private var epochInputSeconds = 0.0
    /// CPU seconds the loader's threads spent preparing this epoch's training batches (they share the cores
    /// with the engine, so this slows training even when no step waits).
    private var epochInputCPUSeconds = 0.0
    /// The loader's CPU clock when `epochInputCPUSeconds` was last brought up to date.
    private var inputCPUMark = 0.0
    private var trainSeconds = 0.0
    private var failedDecodes = 0
    private var checkpointedStep = -1

    /// Builds the student and everything it trains with.
    init(
        run: Run, lease: RunLease, spec: JobSpec, teacher: Teacher, dataset: RunDataset, store: Store,
        loaderThreads: Int
    ) throws {
        self.run = run
        self.lease = lease
        let jobID = run.jobID
        self.jobID = jobID
        self.spec = spec
        self.kind = teacher.kind
        self.dataset = dataset
        self.store = store
        let training = spec.training
        guard let activation = Activation(rawValue: spec.students.activation) else {
            throw ServiceError.invalid("`students.activation` is '\(spec.students.activation)'; use relu or relu6.")
        }
        let modelSpec = try RunSession.modelSpec(run: run, outputs: teacher.dimension)
        network = try MobileNet(
            spec: modelSpec, batch: training.batchSize,
            options: MobileNetOptions(
                activation: activation,
                batchNormMomentum: Self.batchNormMomentum(stepsPerEpoch: dataset.training.count / training.batchSize)))
        teach = spec.teach
        let loss: any DistillationLoss
        switch (teacher.kind, spec.teach != nil) {
        case (.logits, false):
            loss = SoftmaxDistillationLoss(
                temperature: Float(training.temperature), softWeight: Float(training.softWeight),
                hardWeight: Float(training.hardWeight))
        case (.attributes, false): loss = AttributeDistillationLoss(temperature: Float(training.temperature))
        case (.embedding, false): loss = EmbeddingDistillationLoss()
        // Teachers learn from labels: cross-entropy, BCE on the 0/1 attributes, a metric loss on identities.
        case (.logits, true): loss = SoftmaxDistillationLoss(temperature: 1, softWeight: 0, hardWeight: 1)
        case (.attributes, true): loss = AttributeDistillationLoss(temperature: 1, targets: .probabilities)
        case (.embedding, true): loss = TripletEmbeddingLoss()
        }
        useLabels =
            spec.teach.map { $0.kind != .attributes } ?? (teacher.kind == .logits && training.hardWeight > 0)
        let optimizer: any Optimizer
        let momentum = Float(training.momentum)
        let decay = Float(training.weightDecay)
        switch training.optimizer {
        case "sgd": optimizer = SGD(momentum: momentum, weightDecay: decay)
        case "adam": optimizer = Adam(weightDecay: decay)
        case "rmsprop": optimizer = RMSProp(momentum: momentum, weightDecay: decay)
        default:
            throw ServiceError.invalid("`training.optimizer` is '\(training.optimizer)'; use rmsprop, sgd or adam.")
        }
        trainer = try MobileNetTrainer(network: network, loss: loss, optimizer: optimizer)
        loader = try ImageBatchLoader(
            cache: ImageCache(dataDirectory: store.location.dataDirectory),
            resolution: run.resolution, threads: loaderThreads,
            decodedStoreBytes: spec.images.decodedStoreBytes ?? JobSpec.Images.defaultDecodedStoreBytes,
            augmentedSourceSide: Self.augmentedSourceSide(training, resolution: run.resolution))
        stepsPerEpoch = dataset.training.count / training.batchSize
        totalSteps = stepsPerEpoch * training.epochs
        schedule = try Self.schedule(training, stepsPerEpoch: stepsPerEpoch, totalSteps: totalSteps)
        checkpointRelativePath = "checkpoints/job\(jobID)/\(run.name).ckpt"
        checkpointURL = URL(fileURLWithPath: store.location.dataDirectory).appendingPathComponent(
            checkpointRelativePath)
        generator = SeededGenerator(seed: UInt64(truncatingIfNeeded: training.seed) ^ 0x9E37_79B9_7F4A_7C15)
        epochStartState = generator.state
    }

    /// The batch-norm running-statistics momentum: Keras's 0.99 (an average over ~100 steps) for epochs of at
    /// least 1000 steps, shorter averages (down to 0.9, ~10 steps) for short epochs, so the statistics that
    /// evaluation uses follow the weights within a tenth of an epoch.
    /// The network a run trains: its architecture, α and resolution, with the teacher's output width.
    /// - Throws: ``ServiceError`` for an architecture this build does not know (a database written by a newer one).
    static func modelSpec(run: Run, outputs: Int) throws -> MobileNetSpec {
        guard let architecture = MobileNetArchitecture(rawValue: run.architecture) else {
            throw ServiceError.invalid(
                "Run \(run.jobID)/\(run.name) has architecture '\(run.architecture)', which this build of distill "
                    + "does not know; use \(MobileNetArchitecture.namesList), or upgrade distill.")
        }
        return try MobileNetSpec(
            alpha: run.alpha, resolution: run.resolution, outputs: outputs, architecture: architecture)
    }

    static func batchNormMomentum(stepsPerEpoch: Int) -> Float {
        let horizon = min(100, max(10, Double(stepsPerEpoch) / 10))
        return Float(1 - 1 / horizon)
    }

    /// The job's learning-rate schedule in steps.
    static func schedule(_ training: JobSpec.Training, stepsPerEpoch: Int, totalSteps: Int) throws
        -> LearningRateSchedule
    {
        let rate = Float(training.learningRate)
        // Epochs → steps, clamped before converting: a job stored before submit bounded these values may hold
        // anything a Double can (1e300 would trap in Int()).
        func steps(_ epochs: Double) -> Int {
            let value = (epochs * Double(stepsPerEpoch)).rounded()
            return value.isFinite ? Int(min(max(value, 0), Double(max(1, totalSteps)))) : max(1, totalSteps)
        }
        let warmup = min(steps(training.warmupEpochs), max(0, totalSteps - 1))
        let base: LearningRateSchedule
        switch training.schedule {
        case "constant": base = .constant(rate)
        case "step":
            base = .step(
                initial: rate, every: max(1, steps(training.stepEpochs)),
                factor: Float(training.stepGamma))
        case "cosine": base = .cosine(initial: rate, floor: 0, totalSteps: max(1, totalSteps - warmup))
        default:
            throw ServiceError.invalid("`training.schedule` is '\(training.schedule)'; use constant, step or cosine.")
        }
        let schedule = warmup > 0 ? LearningRateSchedule.warmup(steps: warmup, then: base) : base
        try schedule.validate()
        return schedule
    }

    // MARK: - Start or resume

    /// Initialises from the seed, or restores the run's last checkpoint when there is one.
    /// - Returns: A log line saying which.
    func startOrResume() throws -> String {
        if let record = try store.checkpoints(runID: run.id).last, record.path == checkpointRelativePath,
            try CheckpointFile.ensure(record, at: checkpointURL, store: store)
        {
            try Checkpoint.removeLeftoverTemporaryFiles(near: checkpointURL)
            let checkpoint = try Checkpoint.read(from: checkpointURL)
            try trainer.restore(from: checkpoint)
            epoch = checkpoint.epoch
            position = checkpoint.dataPosition
            if let state = checkpoint.randomState { generator = try SeededGenerator(state: state) }
            lossSum = checkpoint.scalars["epoch_loss_sum"] ?? 0
            epochSteps = Int(checkpoint.scalars["epoch_steps"] ?? 0)
            epochSeconds = checkpoint.scalars["epoch_seconds"] ?? 0
            epochInputSeconds = checkpoint.scalars["epoch_input_seconds"] ?? 0
            epochInputCPUSeconds = checkpoint.scalars["epoch_input_cpu_seconds"] ?? 0
            trainSeconds = checkpoint.scalars["train_seconds"] ?? 0
            return "resumed from \(checkpointRelativePath) at step \(trainer.step) (epoch \(epoch + 1), "
                + "image \(position) of the epoch)"
        }
        network.initialize(seed: UInt64(truncatingIfNeeded: spec.training.seed))
        return "initialised from seed \(spec.training.seed)"
    }

    // MARK: - Training

    /// Trains until the last epoch ends or `shouldStop` says stop (checked before every step).
    /// - Parameters:
    ///   - shouldStop: Checked before each step and inside the epoch-end evaluation; `.pause` → checkpoint and
    ///     return `.stopped(.pause)`; `.cancelled` and `.leaseLost` return at once, writing nothing.
    ///   - onStep: Called after every step.
    ///   - progress: Receives progress about once a second and at every epoch end.
    ///   - log: Receives a line per epoch and checkpoint.
    /// - Returns: Whether the run finished or was stopped.
    /// - Throws: `EngineError` from oneDNN, `ServiceError` for a diverged loss, store and checkpoint errors
    ///   (`StoreError.leaseLost` when the lease went meanwhile).
    func train(
        shouldStop: () -> RunStopReason?, onStep: () -> Void, progress: ((RunProgress) -> Void)?,
        log: (String) -> Void
    ) throws -> Outcome {
        let training = spec.training
        let batch = training.batchSize
        let samples = dataset.training
        // The next batch is decoded on another thread while the engine computes this one.
        let batches = ImageBatchPrefetcher(loader: loader, batch: batch)
        var teacher = [Float](repeating: 0, count: batch * network.spec.outputs)
        var labels = [Int32](repeating: -1, count: batch)
        var lastReport = Date.distantPast
        let invocationStart = Date()
        var invocationSteps = 0
        try store.startRun(lease, totalSteps: totalSteps)
        inputCPUMark = loader.fillCPUSeconds
        while epoch < training.epochs {
            epochStartState = generator.state
            var order = generator
            let permutation = order.shuffledIndices(count: samples.count)
            generator = order
            while position + batch <= stepsPerEpoch * batch {
                if let reason = shouldStop() {
                    batches.cancelPending()
                    if reason == .pause { try checkpointAndRecordProgress() }
                    return .stopped(reason)
                }
                let started = Date()
                let chosen = permutation[position..<(position + batch)].map { samples[$0] }
                let failed = try batches.load(
                    chosen.map(\.digest), augmentations: augmentations(step: trainer.step + 1, count: batch))
                let waited = Date().timeIntervalSince(started)
                failedDecodes += failed.count
                let next = position + batch
                if next + batch <= stepsPerEpoch * batch {
                    batches.prefetch(
                        permutation[next..<(next + batch)].map { samples[$0].digest },
                        augmentations: augmentations(step: trainer.step + 2, count: batch))
                }
                if failed.count == batch {
                    // Nothing to learn from: the step is skipped (the images are counted as failed).
                    position += batch
                    continue
                }
                for (row, sample) in chosen.enumerated() {
                    let width = network.spec.outputs
                    let target = teach?.kind == .attributes ? sample.attributes : sample.teacher
                    for column in 0..<width { teacher[row * width + column] = target?[column] ?? 0 }
                    labels[row] = Int32(sample.label.map { $0 < width || teach?.kind == .embedding ? $0 : -1 } ?? -1)
                }
                let rate = schedule.rate(at: trainer.step + 1)
                let value = try teacher.withUnsafeBufferPointer { teacherPointer in
                    try labels.withUnsafeBufferPointer { labelPointer in
                        try trainer.trainStep(
                            images: batches.current, teacher: teacherPointer, labels: useLabels ? labelPointer : nil,
                            learningRate: rate, excluding: Set(failed.keys))
                    }
                }
                guard value.isFinite else {
                    throw ServiceError(
                        .runtime,
                        "Run \(run.name): the training loss became \(value) at step \(trainer.step); lower "
                            + "`training.learning_rate` (now \(training.learningRate)) and submit the job again.")
                }
                let seconds = Date().timeIntervalSince(started)
                position += batch
                lossSum += Double(value)
                epochSteps += 1
                epochSeconds += seconds
                epochInputSeconds += waited
                trainSeconds += seconds
                invocationSteps += 1
                onStep()
                let endOfEpoch = position + batch > stepsPerEpoch * batch
                if let progress, endOfEpoch || Date().timeIntervalSince(lastReport) >= 1 {
                    lastReport = Date()
                    let speed = Double(invocationSteps * batch) / max(1e-9, Date().timeIntervalSince(invocationStart))
                    progress(
                        RunProgress(
                            runName: run.name, epoch: epoch + 1, epochs: training.epochs, step: trainer.step,
                            totalSteps: totalSteps, loss: lossSum / Double(max(1, epochSteps)),
                            imagesPerSecond: speed, learningRate: Double(rate),
                            etaSeconds: Double((totalSteps - trainer.step) * batch) / max(speed, 1e-9)))
                }
                if !endOfEpoch && trainer.step % training.checkpointEverySteps == 0 {
                    try checkpointAndRecordProgress()
                }
            }
            // The epoch's evaluation decodes with the same loader.
            batches.cancelPending()
            takeInputCPU()
            do {
                try finishEpoch(
                    learningRate: Double(schedule.rate(at: trainer.step)), log: log,
                    shouldStop: { shouldStop() != nil })
            } catch is CancellationError {
                // Stopped inside the epoch-end evaluation: the position is the epoch's end, so a resumed run
                // evaluates it again and goes on.
                guard let reason = shouldStop() else { throw CancellationError() }
                inputCPUMark = loader.fillCPUSeconds  // the evaluation's decoding is not the epoch's
                if reason == .pause { try checkpointAndRecordProgress() }
                return .stopped(reason)
            }
            inputCPUMark = loader.fillCPUSeconds
        }
        return .finished
    }

    /// The augmentation of each row of the batch trained at `step` (1-based), or nil when the job augments nothing.
    ///
    /// Each row's draw depends only on the seed, the step and the row, so a resumed run augments every
    /// batch exactly as an uninterrupted one.
    /// The side of the source images augmented samples are cut from: large enough that the smallest crop
    /// (area `crop_scale`, aspect 3/4) still holds `resolution` pixels; nil without augmentation.
    static func augmentedSourceSide(_ training: JobSpec.Training, resolution: Int) -> Int? {
        let crop = training.augmentCrop ?? false
        guard crop || (training.augmentFlip ?? false) else { return nil }
        return DecodedImageStore.sourceSide(resolution: resolution, cropScale: crop ? training.cropScale ?? 0.5 : nil)
    }

    func augmentations(step: Int, count: Int) -> [Augmentation]? {
        let training = spec.training
        let crop = training.augmentCrop ?? false
        let flip = training.augmentFlip ?? false
        guard crop || flip else { return nil }
        let seed = UInt64(truncatingIfNeeded: training.seed) &* 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { row in
            let stepKey = UInt64(truncatingIfNeeded: step) &* 0xBF58_476D_1CE4_E5B9
            var generator = SeededGenerator(seed: seed ^ stepKey ^ (UInt64(row) &* 0x94D0_49BB_1331_11EB))
            return Augmentation.random(crop: crop, flip: flip, minimumScale: training.cropScale ?? 0.5) {
                Double(generator.next() >> 11) / Double(UInt64(1) << 53)
            }
        }
    }

    /// Adds the loader's CPU time since the last mark to the epoch's.
    private func takeInputCPU() {
        let now = loader.fillCPUSeconds
        epochInputCPUSeconds += now - inputCPUMark
        inputCPUMark = now
    }

    /// Writes a checkpoint (unless one for this step exists) and records the run's position.
    private func checkpointAndRecordProgress() throws {
        takeInputCPU()
        if checkpointedStep != trainer.step { try writeCheckpoint() }
        try store.updateRunProgress(lease, epoch: epoch, step: trainer.step, totalSteps: totalSteps)
    }

    /// Evaluates, writes the epoch's metrics row, moves to the next epoch and checkpoints.
    /// - Throws: `CancellationError` when `shouldStop` says stop during the evaluation (nothing written).
    private func finishEpoch(learningRate: Double, log: (String) -> Void, shouldStop: () -> Bool) throws {
        let evaluation = try evaluate(shouldStop: shouldStop)
        let meanLoss = epochSteps > 0 ? lossSum / Double(epochSteps) : nil
        let speed = epochSeconds > 0 ? Double(epochSteps * spec.training.batchSize) / epochSeconds : nil
        try store.recordMetrics(
            RunMetricsRow(
                runID: run.id, epoch: epoch + 1, step: trainer.step, trainLoss: meanLoss, evalLoss: evaluation.evalLoss,
                meanAP: evaluation.meanAP, top1: evaluation.top1, agreement: evaluation.teacherAgreement,
                imagesPerSecond: speed, learningRate: learningRate), lease: lease)
        var line = "epoch \(epoch + 1)/\(spec.training.epochs): step \(trainer.step)/\(totalSteps)"
        if let meanLoss { line += String(format: ", train loss %.4f", meanLoss) }
        line += Self.describe(evaluation)
        if let speed {
            line += String(
                format: ", %.0f images/s (batches: waited for %.0f%% of the time, prepared with %.2f of %d cores)",
                speed, 100 * min(1, epochInputSeconds / epochSeconds), epochInputCPUSeconds / epochSeconds,
                ProcessInfo.processInfo.activeProcessorCount)
        }
        if failedDecodes > 0 { line += ", \(failedDecodes) image(s) failed to decode (left out of the loss)" }
        if let decoded = loader.decodedStore {
            loader.flushStores()
            let counts = decoded.counts
            line += String(
                format: "; decoded-image store: %d read, %d written, %.0f MB", counts.hits, counts.writes,
                Double(decoded.byteCount) / 1e6)
            if counts.refused > 0 { line += " (full: \(counts.refused) decoded again each time)" }
            if counts.damaged > 0 { line += ", \(counts.damaged) damaged file(s) replaced" }
        }
        log(line)
        epoch += 1
        position = 0
        lossSum = 0
        epochSteps = 0
        epochSeconds = 0
        epochInputSeconds = 0
        epochInputCPUSeconds = 0
        failedDecodes = 0
        epochStartState = generator.state
        try writeCheckpoint()
        try store.updateRunProgress(lease, epoch: epoch, step: trainer.step, totalSteps: totalSteps)
    }

    /// The run's metrics on the evaluation samples.
    /// - Parameter shouldStop: Checked between batches; true → `CancellationError`.
    /// - Returns: The figures.
    /// - Throws: `EngineError`, `ServiceError` for non-finite outputs, `CancellationError`.
    func evaluate(shouldStop: () -> Bool = { false }) throws -> RunEvaluation {
        let evaluation = try RunEvaluator.evaluate(
            network: network, kind: kind, loss: trainer.loss, samples: dataset.evaluation, loader: loader,
            shouldStop: shouldStop)
        lastEvaluatedImages = dataset.evaluation.count - evaluation.failedImages
        return evaluation
    }

    /// Images the last evaluation's figures cover (the evaluation set less those that failed to decode).
    private(set) var lastEvaluatedImages = 0

    /// Seconds spent in training steps over all invocations.
    var secondsTrained: Double { trainSeconds }

    /// Writes the checkpoint file atomically and records it (path relative to the data directory, SHA-256, size).
    private func writeCheckpoint() throws {
        let configuration = """
            {"job_id":\(jobID),"run":"\(run.name)","alpha":\(run.alpha),"resolution":\(run.resolution),\
            "outputs":\(network.spec.outputs),"optimizer":"\(spec.training.optimizer)",\
            "batch_size":\(spec.training.batchSize),"seed":\(spec.training.seed)}
            """
        var checkpoint = trainer.checkpoint(
            epoch: epoch, dataPosition: position, randomState: epochStartState, configuration: configuration)
        checkpoint.scalars = [
            "epoch_loss_sum": lossSum, "epoch_steps": Double(epochSteps), "epoch_seconds": epochSeconds,
            "epoch_input_seconds": epochInputSeconds, "epoch_input_cpu_seconds": epochInputCPUSeconds,
            "train_seconds": trainSeconds,
        ]
        do {
            try FileManager.default.createDirectory(
                at: checkpointURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ServiceError(
                .io, "Cannot create \(checkpointURL.deletingLastPathComponent().path): \(error.localizedDescription).")
        }
        try checkpoint.write(to: checkpointURL)
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: checkpointURL))
        } catch {
            throw ServiceError(.io, "Cannot read back \(checkpointURL.path): \(error.localizedDescription).")
        }
        try store.recordCheckpoint(
            lease, step: trainer.step, epoch: epoch, path: checkpointRelativePath,
            sha256: try SHA256.hex(bytes), bytes: bytes.count, contents: store.isPostgres ? Data(bytes) : nil)
        checkpointedStep = trainer.step
    }

    /// ", top-1 0.81, agreement 0.93, …" for the figures that exist.
    static func describe(_ evaluation: RunEvaluation) -> String {
        let figures: [(String, Double?)] = [
            ("eval loss", evaluation.evalLoss), ("top-1", evaluation.top1), ("agreement", evaluation.teacherAgreement),
            ("mean AP", evaluation.meanAP), ("verification", evaluation.verificationAccuracy),
            ("distance", evaluation.embeddingDistance),
        ]
        return figures.compactMap { name, value in value.map { String(format: ", \(name) %.4f", $0) } }.joined()
    }
}
