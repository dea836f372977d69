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
