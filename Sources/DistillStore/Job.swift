// Copyright 2026 The Distill authors.

/// The life of a job or a run.
public enum JobState: String, Sendable, Codable, CaseIterable {
    /// Waiting for a daemon (and for its time or window).
    case queued
    /// A daemon holds it.
    case running
    /// Stopped at the end of its window; resumes in the next one.
    case paused
    /// Finished; results are stored.
    case succeeded
    /// Stopped by an error (see `error`).
    case failed
    /// Cancelled by a user.
    case cancelled

    /// Whether nothing more will happen to it.
    public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// A job as listed by `distill jobs`.
public struct Job: Sendable, Codable, Equatable {
    /// Job id, as users type it.
    public var id: Int64
    /// The job's name from its file.
    public var name: String
    /// The teacher it distils.
    public var teacher: String
    /// Where it is in its life.
    public var state: JobState
    /// Higher runs first.
    public var priority: Int
    /// Not started before this time (ISO-8601 UTC), if set.
    public var notBefore: String?
    /// Daily window start `HH:MM`, if set.
    public var windowStart: String?
    /// Daily window end `HH:MM`, if set.
    public var windowEnd: String?
    /// How many times a daemon has started it.
    public var attempts: Int
    /// Number of runs (grid points).
    public var runCount: Int
    /// Number of runs finished successfully.
    public var runsSucceeded: Int
    /// The error that failed it, if any.
    public var error: String?
    /// Submission time, ISO-8601 UTC.
    public var submittedAt: String
    /// Start time, ISO-8601 UTC.
    public var startedAt: String?
    /// End time, ISO-8601 UTC.
    public var finishedAt: String?
}

/// One run of a job: a single (architecture, α, resolution) grid point.
public struct Run: Sendable, Codable, Equatable {
    /// Run id.
    public var id: Int64
    /// Its job.
    public var jobID: Int64
    /// A readable name such as `alpha0.5-res160`.
    public var name: String
    /// The student architecture, such as `mobilenet_v1`.
    public var architecture: String
    /// Width multiplier.
    public var alpha: Double
    /// Input resolution.
    public var resolution: Int
    /// Where it is in its life.
    public var state: JobState
    /// Completed epochs.
    public var epoch: Int
    /// Completed steps.
    public var step: Int
    /// Planned steps, once known.
    public var totalSteps: Int?
    /// Fraction done in [0, 1].
    public var progress: Double
    /// The error that failed it, if any.
    public var error: String?
    /// The worker holding it (`ID@HOST:PID:TOKEN`) while running.
    public var leaseOwner: String?
    /// When that worker's lease ends unless renewed (ISO-8601 UTC).
    public var leaseExpires: String?
    /// How many times a worker has claimed it.
    public var attempts: Int
}

/// A log line of a job or run.
public struct Event: Sendable, Codable, Equatable {
    /// Event id (increasing).
    public var id: Int64
    /// The job it belongs to.
    public var jobID: Int64?
    /// The run it belongs to, if any.
    public var runID: Int64?
    /// `debug`, `info`, `warning` or `error`.
    public var level: String
    /// The line.
    public var message: String
    /// ISO-8601 UTC time.
    public var at: String
}

/// What `submit` stores: a validated job and its grid of runs.
public struct NewJob: Sendable {
    /// One grid point.
    public struct RunPoint: Sendable, Equatable {
        /// Readable name such as `alpha0.5-res160`.
        public var name: String
        /// Student architecture.
        public var architecture: String
        /// Width multiplier.
        public var alpha: Double
        /// Input resolution.
        public var resolution: Int

        /// Creates a grid point.
        public init(name: String, architecture: String, alpha: Double, resolution: Int) {
            self.name = name
            self.architecture = architecture
            self.alpha = alpha
            self.resolution = resolution
        }
    }

    /// The job's name.
    public var name: String
    /// The teacher's name (must exist).
    public var teacher: String
    /// The job file as submitted.
    public var specYAML: String
    /// The validated spec with defaults filled in.
    public var specJSON: String
    /// Higher runs first.
    public var priority: Int
    /// Not before this time, ISO-8601 UTC.
    public var notBefore: String?
    /// Daily window `HH:MM` start and end.
    public var window: (start: String, end: String)?
    /// The grid.
    public var runs: [RunPoint]
    /// For a teach job: the teacher it trains, created with the job (status `training`, no outputs yet).
    public var trainsTeacher: (kind: TeacherKind, dimension: Int)?

    /// Creates a job to submit.
    public init(
        name: String, teacher: String, specYAML: String, specJSON: String, priority: Int, notBefore: String?,
        window: (start: String, end: String)?, runs: [RunPoint]
    ) {
        self.name = name
        self.teacher = teacher
        self.specYAML = specYAML
        self.specJSON = specJSON
        self.priority = priority
        self.notBefore = notBefore
        self.window = window
        self.runs = runs
    }
}
