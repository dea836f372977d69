// Copyright 2026 The Distill authors.

/// What a teacher's vectors are, which decides the distillation loss.
public enum TeacherKind: String, Sendable, Codable, CaseIterable {
    /// Class logits: softmax with temperature.
    case logits
    /// Independent per-attribute logits: per-attribute sigmoid cross-entropy.
    case attributes
    /// Embeddings (FaceNet style): squared distance.
    case embedding
}
