// Copyright 2026 The Distill authors.

/// A stored teacher: its name, kind and the shape of its output vectors.
public struct Teacher: Sendable, Codable, Equatable {
    /// Row id.
    public var id: Int64
    /// The unique name users refer to it by.
    public var name: String
    /// What the vectors are.
    public var kind: TeacherKind
    /// Length of every vector.
    public var dimension: Int
    /// Number of stored vectors (one per URL).
    public var outputCount: Int
    /// The file it was imported from.
    public var sourceFile: String?
    /// ISO-8601 UTC time of the import.
    public var createdAt: String
    /// `ready` (its outputs are stored; jobs can use it) or `training` (a teach job is training it).
    public var status: TeacherStatus = .ready
    /// The teach job that trains it; nil for imported teachers.
    public var trainedByJob: Int64?
    /// Its own evaluation on held-out labelled images; nil for imported teachers and while training.
    public var evaluation: TeacherEvaluation?
}

/// Whether a teacher's outputs are there.
public enum TeacherStatus: String, Sendable, Codable, Equatable {
    /// A teach job is training it; it has no outputs yet.
    case training
    /// Its outputs are stored.
    case ready
}

/// A trained teacher's figures on the labelled images it was not trained on; the one of its kind is set.
public struct TeacherEvaluation: Sendable, Codable, Equatable {
    /// Top-1 accuracy (logits teachers).
    public var top1: Double?
    /// Mean AP over the attributes (attribute teachers).
    public var meanAP: Double?
    /// Verification rate at a false-accept rate of 1e-4 (embedding teachers).
    public var verification: Double?
    /// How many held-out images the figures cover.
    public var images: Int

    /// Creates the figures.
    public init(top1: Double? = nil, meanAP: Double? = nil, verification: Double? = nil, images: Int) {
        self.top1 = top1
        self.meanAP = meanAP
        self.verification = verification
        self.images = images
    }
}

/// What a finished teach run stores with its result: the trained teacher's outputs and evaluation.
public struct TrainedTeacherOutputs: Sendable {
    /// The teacher row the teach job created.
    public var teacherID: Int64
    /// Its outputs, one row per URL.
    public var table: TeacherTable
    /// Its figures on the held-out images.
    public var evaluation: TeacherEvaluation

    /// Creates the record.
    public init(teacherID: Int64, table: TeacherTable, evaluation: TeacherEvaluation) {
        self.teacherID = teacherID
        self.table = table
        self.evaluation = evaluation
    }
}

/// One teacher output: an image URL and its vector.
public struct TeacherOutput: Sendable, Codable, Equatable {
    /// The image URL.
    public var url: String
    /// The teacher's vector for it.
    public var vector: [Float]

    /// Creates an output row.
    public init(url: String, vector: [Float]) {
        self.url = url
        self.vector = vector
    }
}

/// A teacher's vectors in one flat buffer, the form importers produce and the store writes.
public struct TeacherTable: Sendable, Equatable {
    /// Image URLs, one per row.
    public var urls: [String]
    /// Row-major values: `urls.count × dimension`.
    public var values: [Float]
    /// Vector length.
    public var dimension: Int

    /// Creates a table.
    /// - Parameters:
    ///   - urls: One URL per row.
    ///   - values: `urls.count × dimension` values, row-major.
    ///   - dimension: The vector length.
    public init(urls: [String], values: [Float], dimension: Int) {
        self.urls = urls
        self.values = values
        self.dimension = dimension
    }

    /// The vector of row `index`.
    public func vector(at index: Int) -> ArraySlice<Float> {
        values[(index * dimension)..<((index + 1) * dimension)]
    }
}

/// What `Store.deleteTeacher(named:)` removed.
public struct TeacherDeletion: Sendable {
    /// The teacher as it was.
    public var teacher: Teacher
    /// The teach job deleted with it, if Distill had trained it.
    public var teachJob: Int64?
    /// That job's checkpoint files, relative to the data directory (no longer referenced).
    public var checkpointPaths: [String]
}
