// Copyright 2026 The Distill authors.

import DistillData
import DistillModels
import DistillStore

/// A validated job file with every default filled in.
///
/// Stored as JSON with the job and read back by
/// the daemon. `README.md` documents each key; `JobFileParser` is the one place that reads them.
public struct JobSpec: Sendable, Codable, Equatable {
    /// Where the unlabeled training images come from and how they are fetched.
    public struct Images: Sendable, Codable, Equatable {
        /// A URL list file (absolute path); nil means the teacher's URLs.
        public var urls: String?
        /// Directories file:// URLs may read from (absolute paths).
        public var allowFileRoots: [String] = []
        /// Concurrent transfers (default: the fetcher's).
        public var concurrency: Int = FetchConfiguration().concurrency
        /// Largest accepted body, bytes (default: the fetcher's).
        public var maxBytes: Int = FetchConfiguration().maximumBodyBytes
        /// Total time allowed per transfer, seconds (default: the fetcher's).
        public var timeoutSeconds: Double = FetchConfiguration().totalTimeout
        /// The job fails when fewer than this fraction of the images can be fetched and decoded.
        public var minFetchedFraction: Double = 0.5
        /// Bytes the decoded-image store (`<data dir>/decoded/`) may grow to; 0 turns it off; nil: the default.
        public var decodedStoreBytes: Int64?

        /// The decoded-image store's default bound, 8 GiB.
        public static let defaultDecodedStoreBytes: Int64 = 8 << 30

        /// The defaults.
        public init() {}
    }

    /// The labelled evaluation set.
    public struct Evaluation: Sendable, Codable, Equatable {
        /// A labels CSV (absolute path): `url,class` or the `distill dataset` format; nil: agreement only.
        public var labels: String?
        /// Fraction of the teacher's images held out for evaluation when no labels file is given.
        public var holdoutFraction: Double = 0.1

        /// The defaults.
        public init() {}
    }

    /// The student grid: one run per (architecture, α, resolution).
    public struct Students: Sendable, Codable, Equatable {
        /// Student architectures: `mobilenet_v1`, `mobilenet_v2`, `mobilenet_v3_large`, `mobilenet_v3_small`.
        /// Stored under the key `architecture`, as a list (a single string in specs stored before V2 and V3).
        public var architectures: [String] = ["mobilenet_v1"]
        /// Width multipliers, each in (0, 1] (up to 2 when no V1 student is in the grid).
        public var alpha: [Double]
        /// Input resolutions, each in 32...1024.
        public var resolution: [Int]
        /// `relu` or `relu6`.
        public var activation: String = "relu"
    }

    /// Optimisation settings, shared by every run of the job.
    public struct Training: Sendable, Codable, Equatable {
        public var epochs: Int = 10
        public var batchSize: Int = 32
        /// `rmsprop`, `sgd` or `adam`.
        public var optimizer: String = "rmsprop"
        public var learningRate: Double = 0.01
        public var momentum: Double = 0.9
        /// L2 weight decay; never applied to depthwise filters.
        public var weightDecay: Double = 0.00004
        /// `constant`, `step` or `cosine`.
        public var schedule: String = "cosine"
        /// For `step`: multiply the rate by `stepGamma` every this many epochs.
        public var stepEpochs: Double = 2.5
        public var stepGamma: Double = 0.94
        /// Linear warm-up length, epochs.
        public var warmupEpochs: Double = 0
        /// Softmax / sigmoid temperature T.
        public var temperature: Double = 4
        /// Weight of the soft (teacher) term.
        public var softWeight: Double = 1
        /// Weight of the hard-label term (logits teachers with labels only).
        public var hardWeight: Double = 0
        public var seed: Int = 1
        /// OpenMP threads; 0 means all cores.
        public var threads: Int = 0
        /// Checkpoint every this many steps (and at every epoch end and pause).
        public var checkpointEverySteps: Int = 500
        /// Random resized crops of training images (nil, in jobs stored before augmentation existed: off).
        public var augmentCrop: Bool?
        /// Random horizontal flips of training images (nil: off).
        public var augmentFlip: Bool?
        /// The smallest crop, as a fraction of the image's area (nil: 0.5).
        public var cropScale: Double?

        /// The defaults.
        public init() {}
    }

    /// When the job may run.
    public struct Schedule: Sendable, Codable, Equatable {
        /// Not before this time, ISO-8601 UTC.
        public var at: String?
        /// Daily window `HH:MM-HH:MM` (local time; may wrap midnight).
        public var window: String?
        /// Higher runs first.
        public var priority: Int = 0

        /// The defaults.
        public init() {}
    }

    /// A teach job: the teacher it trains on a labels file (`distill teach`).
    public struct Teach: Sendable, Codable, Equatable {
        /// The kind of teacher: `logits`, `attributes` or `embedding`.
        public var kind: TeacherKind
        /// The labels CSV it trains on (absolute path); rows whose `split` is not `train` are held out.
        public var labels: String
        /// The URL list whose outputs become the teacher (absolute path); nil: every URL of the labels file.
        public var outputsFor: String?
        /// The embedding width (embedding teachers).
        public var embeddingSize: Int?
        /// The number of outputs: classes, attributes or the embedding width.
        public var outputs: Int
    }

    public var name: String
    public var teacher: String
    /// Set for a teach job (it trains `teacher` instead of distilling from it).
    public var teach: Teach?
    public var description: String?
    public var images: Images
    public var evaluation: Evaluation
    public var students: Students
    public var training: Training
    public var schedule: Schedule
    /// `export_int8: true`: every run is also quantized to int8 and measured (int8 metric, delta, file sizes,
    /// int8 latency in its results row). Optional so that specs stored before it decode.
    public var exportInt8: Bool? = nil

    /// The runs the grid makes, architecture-major, then α, then resolution, in file order. A V1 run is named
    /// `alpha<α>-res<R>`; the others carry their family first: `v2-alpha0.5-res160`, `v3-small-alpha1.0-res224`.
    public var runPoints: [NewJob.RunPoint] {
        students.architectures.flatMap { architecture in
            students.alpha.flatMap { alpha in
                students.resolution.map { resolution in
                    NewJob.RunPoint(
                        name: Self.runName(architecture: architecture, alpha: alpha, resolution: resolution),
                        architecture: architecture, alpha: alpha, resolution: resolution)
                }
            }
        }
    }

    /// A run's name in the grid.
    static func runName(architecture: String, alpha: Double, resolution: Int) -> String {
        let size = "alpha\(alpha)-res\(resolution)"
        // V1 keeps the names of runs made before the other families; the others carry the family's short name.
        guard let family = MobileNetArchitecture(rawValue: architecture) else { return "\(architecture)-\(size)" }
        return family == .v1 ? size : "\(family.shortName.lowercased())-\(size)"
    }
}

extension JobSpec.Students {
    private enum CodingKeys: String, CodingKey {
        case architecture, alpha, resolution, activation
    }

    /// Decodes `architecture` as a list or, as specs stored before V2 and V3 have it, a single string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let list = try? container.decode([String].self, forKey: .architecture) {
            architectures = list
        } else {
            architectures = [try container.decodeIfPresent(String.self, forKey: .architecture) ?? "mobilenet_v1"]
        }
        alpha = try container.decode([Double].self, forKey: .alpha)
        resolution = try container.decode([Int].self, forKey: .resolution)
        activation = try container.decodeIfPresent(String.self, forKey: .activation) ?? "relu"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(architectures, forKey: .architecture)
        try container.encode(alpha, forKey: .alpha)
        try container.encode(resolution, forKey: .resolution)
        try container.encode(activation, forKey: .activation)
    }
}
