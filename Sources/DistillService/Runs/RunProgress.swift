// Copyright 2026 The Distill authors.
// What a run executor reports while it trains (progress) and when it returns (summary).

import DistillStore

/// Where a training run is, reported about once a second and at every epoch end.
public struct RunProgress: Sendable, Equatable {
    /// The run's name, such as `alpha0.25-res32`.
    public var runName: String
    /// The epoch in progress, 1-based.
    public var epoch: Int
    /// Planned epochs.
    public var epochs: Int
    /// Steps done.
    public var step: Int
    /// Planned steps.
    public var totalSteps: Int
    /// Mean training loss of the epoch so far.
    public var loss: Double
    /// Training images per second in this invocation.
    public var imagesPerSecond: Double
    /// The current learning rate.
    public var learningRate: Double
    /// Seconds left at the current speed.
    public var etaSeconds: Double
}

/// What happened to one run in an invocation.
public struct RunOutcome: Sendable, Codable, Equatable {
    /// Run id.
    public var runID: Int64
    /// Run name.
    public var name: String
    /// State afterwards.
    public var state: JobState
    /// Steps done.
    public var step: Int
    /// Planned steps.
    public var totalSteps: Int
    /// The results row, when the run succeeded.
    public var result: RunResultRow?
}

/// What `RunExecutor.execute(jobID:)` did.
public struct RunExecutionSummary: Sendable, Codable, Equatable {
    /// The job.
    public var jobID: Int64
    /// The job's state afterwards: `succeeded`, or `paused` when stopped early.
    public var state: JobState
    /// Training steps taken in this invocation (over all runs).
    public var stepsThisInvocation: Int
    /// Training images usable (fetched, with teacher outputs).
    public var trainingImages: Int
    /// Evaluation images usable.
    public var evaluationImages: Int
    /// Each run, in grid order.
    public var runs: [RunOutcome]
}
