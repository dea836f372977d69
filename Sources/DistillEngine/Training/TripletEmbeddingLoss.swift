// Copyright 2026 The Distill authors.
//
// Metric learning for embedding teachers (FaceNet style), trained on labelled identities. Shapes: N rows
// (batch), D embedding dimensions, row-major; labels (N), negative = unlabelled (left out).

import Foundation

/// Soft-margin batch-all triplet loss on L2-normalised embeddings.
///
/// ```
/// e_i   = s_i / ‖s_i‖                                   (the embedding is normalised inside the loss)
/// d_ij  = ‖e_i − e_j‖²
/// L     = mean over valid triplets (a, p, n) of softplus(d_ap − d_an)
///         valid: y_a = y_p, a ≠ p, y_n ≠ y_a, all three labelled
/// ```
/// Every same-identity pair of the batch is pulled together and every different-identity pair pushed
/// apart, weighted by how badly the triplet is ordered (Hermans, Beyer & Leibe 2017, "In Defense of the
/// Triplet Loss": the soft margin replaces FaceNet's hinge, so the loss is smooth and never stalls on a
/// batch whose triplets all satisfy a margin). A batch with no valid triplet has loss 0 and gradient 0.
/// The teacher rows are ignored. The distances live on the unit sphere, so the loss is bounded by
/// softplus(4).
public struct TripletEmbeddingLoss: DistillationLoss, Equatable {
    /// Creates the loss.
    public init() {}

    /// Nothing to check: the loss has no settings.
    public func validate() throws {}

    /// Computes the batch loss and `dL/ds`.
    ///
    /// - Parameters:
    ///   - student: Embeddings before normalisation, `(N, D)`.
    ///   - teacher: Ignored.
    ///   - labels: Identities `(N)`; without labels the loss is 0.
    ///   - batch: `N`.
    ///   - width: `D`.
    ///   - gradient: Receives `dL/ds`, `(N, D)`.
    /// - Returns: The mean soft-margin triplet loss.
    /// - Complexity: O(N²·D + N³); allocates scratch of O(N² + N·D).
    public func lossAndGradient(
        student: UnsafeBufferPointer<Float>, teacher: UnsafeBufferPointer<Float>,
        labels: UnsafeBufferPointer<Int32>?, batch: Int, width: Int,
        gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        checkBuffers(student, teacher, gradient, batch: batch, width: width)
        for index in 0..<(batch * width) { gradient[index] = 0 }
        guard let labels, labels.count >= batch, batch > 2, width > 0 else { return 0 }
        // Normalised rows in Double (the loss is small work next to the network).
        var normalized = [Double](repeating: 0, count: batch * width)
        var norms = [Double](repeating: 0, count: batch)
        for row in 0..<batch {
            var sum = 0.0
            for column in 0..<width {
                sum += Double(student[row * width + column]) * Double(student[row * width + column])
            }
            let norm = max(sum.squareRoot(), 1e-12)
            norms[row] = norm
            for column in 0..<width { normalized[row * width + column] = Double(student[row * width + column]) / norm }
        }
        var distance = [Double](repeating: 0, count: batch * batch)
        for i in 0..<batch {
            for j in (i + 1)..<batch {
                var sum = 0.0
                for column in 0..<width {
                    let difference = normalized[i * width + column] - normalized[j * width + column]
                    sum += difference * difference
                }
                distance[i * batch + j] = sum
                distance[j * batch + i] = sum
            }
        }
        // dL/dd for each pair, then through d_ij = ‖e_i − e_j‖² to the normalised rows.
        var pairWeight = [Double](repeating: 0, count: batch * batch)
        var total = 0.0
        var triplets = 0
        for anchor in 0..<batch where labels[anchor] >= 0 {
            for positive in 0..<batch where positive != anchor && labels[positive] == labels[anchor] {
                for negative in 0..<batch where labels[negative] >= 0 && labels[negative] != labels[anchor] {
                    let x = distance[anchor * batch + positive] - distance[anchor * batch + negative]
                    total += max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x)))
                    let slope = 1 / (1 + Foundation.exp(-x))  // softplus′
                    pairWeight[anchor * batch + positive] += slope
                    pairWeight[anchor * batch + negative] -= slope
                    triplets += 1
                }
            }
        }
        guard triplets > 0 else { return 0 }
        let scale = 1 / Double(triplets)
        var normalizedGradient = [Double](repeating: 0, count: batch * width)
        for i in 0..<batch {
            for j in 0..<batch where pairWeight[i * batch + j] != 0 {
                // ∂d_ij/∂e_i = 2(e_i − e_j), ∂d_ij/∂e_j = −2(e_i − e_j).
                let weight = 2 * pairWeight[i * batch + j] * scale
                for column in 0..<width {
                    let difference = normalized[i * width + column] - normalized[j * width + column]
                    normalizedGradient[i * width + column] += weight * difference
                    normalizedGradient[j * width + column] -= weight * difference
                }
            }
        }
        // Through e = s/‖s‖: ∂L/∂s = (g − e·(e·g)) / ‖s‖.
        for row in 0..<batch {
            var dot = 0.0
            for column in 0..<width {
                dot += normalized[row * width + column] * normalizedGradient[row * width + column]
            }
            for column in 0..<width {
                let index = row * width + column
                gradient[index] = Float((normalizedGradient[index] - normalized[index] * dot) / norms[row])
            }
        }
        return Float(total * scale)
    }
}
