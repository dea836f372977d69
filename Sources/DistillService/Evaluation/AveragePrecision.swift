// Copyright 2026 The Distill authors.
//
// Average precision for attribute (multi-label) evaluation, defined exactly as scikit-learn's
// `average_precision_score`. Shapes: N samples, K attributes, row-major.

/// Average precision per attribute and their mean (the paper's face-attribute "mean AP").
///
/// For one attribute, sort the samples by score, highest first, and walk the distinct score
/// values as thresholds (samples with equal scores enter together). At the n-th threshold let
/// `P_n` be the precision and `R_n` the recall of predicting "positive" for every sample with a
/// score ≥ the threshold. Then
/// ```
/// AP = Σ_n (R_n − R_{n−1}) · P_n,   R_0 = 0
/// ```
/// the step-wise area under the precision/recall curve without interpolation — scikit-learn's
/// `average_precision_score`. AP depends only on the ranking, so logits and probabilities give the
/// same value (prefer logits: a sigmoid in Float can create ties the logits do not have).
/// An attribute with no positive sample has no AP; the mean is over attributes with at least one.
public enum AveragePrecision {
    /// Per-attribute and mean average precision.
    public struct Report: Sendable, Equatable {
        /// AP of each attribute, `nil` for an attribute without positive samples.
        public var perAttribute: [Double?]
        /// The mean over attributes with at least one positive, `nil` if there are none.
        public var mean: Double?
        /// How many attributes entered the mean.
        public var attributesWithPositives: Int
    }

    /// The average precision of one attribute.
    ///
    /// - Parameters:
    ///   - scores: One score per sample, `(N)`; higher means "more likely positive".
    ///   - labels: The ground truth per sample, `(N)`.
    /// - Returns: AP in [0, 1], or `nil` when no label is positive.
    /// - Throws: ``ServiceError`` (`invalidArgument`) when the counts differ or a score is not finite.
    /// - Complexity: O(N log N).
    public static func score(scores: [Float], labels: [Bool]) throws -> Double? {
        guard scores.count == labels.count else {
            throw ServiceError.invalid(
                "average precision: \(scores.count) scores but \(labels.count) labels; pass one label per score")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw ServiceError.invalid(
                "average precision: score \(bad) is \(scores[bad]); the model's outputs must be finite (did training diverge?)"
            )
        }
        let positives = labels.lazy.filter { $0 }.count
        guard positives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0, predicted = 0
        var previousRecall = 0.0, area = 0.0
        var position = 0
        while position < order.count {
            // Take every sample tied at this score.
            let threshold = scores[order[position]]
            while position < order.count, scores[order[position]] == threshold {
                if labels[order[position]] { truePositives += 1 }
                predicted += 1
                position += 1
            }
            let recall = Double(truePositives) / Double(positives)
            let precision = Double(truePositives) / Double(predicted)
            area += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return area
    }

    /// Average precision of every attribute and their mean.
    ///
    /// - Parameters:
    ///   - scores: Scores (logits or probabilities), `(N, K)` row-major.
    ///   - labels: Ground truth, `(N, K)` row-major.
    ///   - attributes: `K`.
    /// - Returns: The per-attribute APs and their mean over attributes with at least one positive.
    /// - Throws: ``ServiceError`` (`invalidArgument`) for mismatched sizes or non-finite scores.
    public static func report(scores: [Float], labels: [Bool], attributes: Int) throws -> Report {
        guard attributes > 0, scores.count == labels.count, scores.count % attributes == 0 else {
            throw ServiceError.invalid(
                "mean average precision: \(scores.count) scores and \(labels.count) labels do not form rows of "
                    + "\(attributes) attributes; pass (samples × attributes) values of each")
        }
        let samples = scores.count / attributes
        var perAttribute: [Double?] = []
        for attribute in 0..<attributes {
            let column = (0..<samples).map { scores[$0 * attributes + attribute] }
            let truth = (0..<samples).map { labels[$0 * attributes + attribute] }
            perAttribute.append(try score(scores: column, labels: truth))
        }
        let present = perAttribute.compactMap { $0 }
        let mean = present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
        return Report(perAttribute: perAttribute, mean: mean, attributesWithPositives: present.count)
    }
}
