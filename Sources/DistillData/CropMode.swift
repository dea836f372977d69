// Copyright 2026 The Distill authors.

/// How the decoded image is mapped onto the square student input.
public enum CropMode: String, Sendable, Equatable, Codable, CaseIterable {
    /// The largest centred square is resized (keeps the aspect ratio; the default).
    case centerSquare = "center-square"
    /// The whole image is resized to the square (distorts non-square images).
    case stretch
}
