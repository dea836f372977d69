// Copyright 2026 The Distill authors.

import Foundation
import Testing

@testable import DistillService

@Suite("Evaluation metrics")
struct EvaluationMetricsTests {
    // MARK: - Average precision
    //
    // Expected AP values were produced once with scikit-learn 1.9.1,
    // `sklearn.metrics.average_precision_score(y_true, y_score)`, and pasted here as literals
    // (the test needs no Python). The inputs are the literals below.

    static let averagePrecisionCases: [([Float], [Bool], Double)] = [
        // scikit-learn's documentation example.
        ([0.1, 0.4, 0.35, 0.8] as [Float], [false, false, true, true], 0.8333333333333333),
        // Three samples tied at 0.5, two at 0.2.
        ([0.5, 0.5, 0.5, 0.2, 0.9, 0.2, 0.7], [true, false, true, false, false, true, true], 0.5678571428571428),
        // Tied pair: one threshold, recall 1, precision ½.
        ([1, 1], [true, false], 0.5),
        // 40 samples on 5 score levels (random.Random(2026) in the fixture script).
        (
            [
                -0.5, 0.0, 0.5, 0.5, -0.5, -0.25, 0.5, 0.5, 0.5, 0.25, 0.5, 0.5, 0.25, 0.5, 0.25, -0.25, -0.5, 0.5,
                -0.5, -0.5, 0.0, -0.5, 0.25, -0.5, 0.25, 0.0, -0.25, 0.25, 0.0, 0.0, 0.0, 0.25, 0.5, -0.5, 0.0, -0.5,
                0.5, 0.5, 0.0, 0.0,
            ],
            [
                0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0,
                0, 0, 0,
                0, 0,
            ].map { $0 == 1 },
            0.24736842105263157
        ),
    ]

    @Test("AP equals scikit-learn's average_precision_score, ties included", arguments: averagePrecisionCases)
    func averagePrecisionMatchesScikitLearn(scores: [Float], labels: [Bool], expected: Double) throws {
        let value = try #require(try AveragePrecision.score(scores: scores, labels: labels))
        #expect(abs(value - expected) < 1e-12)
    }

    @Test("mean AP skips attributes without positives and matches scikit-learn per attribute")
    func meanAveragePrecision() throws {
        // 12 samples × 4 attributes; attribute 2 has no positive.
        let scores: [Float] = [
            0.36, 1.02, -1.15, 1.8, 0.01, -0.13, 2.31, -0.4, -1.23, -1.39, -2.8, 0.93, 0.58, -0.25, 0.14, -0.06, 2.53,
            -1.44, -0.09, 0.07, 1.96, 1.85, 0.35, 2.44, 1.99, -1.1, 2.5, -2.41, 1.14, 1.71, 0.09, -0.28, 2.79, 2.8,
            2.05,
            -0.13, -2.61, -1.4, -0.01, -2.42, 1.49, -0.53, -0.3, -2.92, -3.0, 0.48, 2.59, -2.5,
        ]
        let labels = [
            0, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1,
            0, 1,
            0, 1, 1, 1, 0, 0, 0, 0, 0, 0,
        ].map { $0 == 1 }
        let report = try AveragePrecision.report(scores: scores, labels: labels, attributes: 4)
        let expected: [Double?] = [0.31666666666666665, 0.6696127946127947, nil, 0.5327380952380952]
        #expect(report.perAttribute.count == 4)
        for (value, reference) in zip(report.perAttribute, expected) {
            if let reference {
                #expect(abs((value ?? -1) - reference) < 1e-12)
            } else {
                #expect(value == nil)
            }
        }
        #expect(report.attributesWithPositives == 3)
        #expect(abs((report.mean ?? -1) - 0.5063391855058522) < 1e-12)
    }

    @Test("AP input errors name the problem")
    func averagePrecisionErrors() throws {
        #expect(try AveragePrecision.score(scores: [0.3, 0.1], labels: [false, false]) == nil)
        do {
            _ = try AveragePrecision.score(scores: [0.3, .nan], labels: [true, false])
            Issue.record("NaN accepted")
        } catch let error as ServiceError {
            #expect(error.code == .invalidArgument)
            #expect(
                error.message
                    == "average precision: score 1 is nan; the model's outputs must be finite (did training diverge?)")
        }
        #expect(throws: ServiceError.self) {
            try AveragePrecision.report(scores: [1, 2, 3], labels: [true, false], attributes: 2)
        }
    }

    // MARK: - Classification

    @Test("top-1 accuracy counts rows whose largest logit is the label")
    func topOneAccuracy() throws {
        let logits: [Float] = [
            0.1, 2, 0.3,  // → 1
            5, 1, 1,  // → 0
            1, 1, 0,  // tie → 0 (lowest index)
            -1, -2, -0.5,  // → 2
        ]
        #expect(try ClassificationMetrics.topOneAccuracy(logits: logits, labels: [1, 0, 1, 2], classes: 3) == 0.75)
        do {
            _ = try ClassificationMetrics.topOneAccuracy(logits: logits, labels: [1, 0, 3, 2], classes: 3)
            Issue.record("label 3 accepted")
        } catch let error as ServiceError {
            #expect(
                error.message == "top-1 accuracy: label 3 of sample 2 is outside 0..<3; check the evaluation labels")
        }
    }

    @Test("teacher agreement gives the top-1 match rate and the hand-computed mean KL")
    func teacherAgreement() throws {
        // Row 0: KL(softmax([ln 3, 0]) ‖ softmax([0, 0])) = 0.1308120359, both pick class 0.
        // Row 1: identical logits, KL 0, match. Row 2: teacher picks 1, student picks 0.
        let teacher: [Float] = [Foundation.log(3), 0, 2, -1, 0, 4]
        let student: [Float] = [0, 0, 2, -1, 4, 0]
        let agreement = try ClassificationMetrics.teacherAgreement(student: student, teacher: teacher, classes: 2)
        #expect(abs(agreement.topOneMatch - 2.0 / 3) < 1e-12)
        // Row 2: p = softmax([0, 4]), q = softmax([4, 0]); KL = (p₁ − p₀)·4.
        let p1 = 1 / (1 + Foundation.exp(-4.0)), p0 = 1 - p1
        let expected = (0.130_812_035_941_137 + 0 + (p1 - p0) * 4) / 3
        #expect(abs(agreement.meanKL - expected) < 1e-7)
        let same = try ClassificationMetrics.teacherAgreement(student: teacher, teacher: teacher, classes: 2)
        #expect(same == .init(topOneMatch: 1, meanKL: 0))
    }

    // MARK: - Embeddings

    /// Six embeddings on the x axis, two per identity.
    ///
    /// Identity 0 sits at 0 and 1, identity 1 at 10 and 10.5, identity 2 at 20 and 33.
    /// Same-pair distances 1, 0.5, 13; different-pair distances sorted:
    /// 9, 9.5, 9.5, 10, 10, 10.5, 19, 20, 22.5, 23, 32, 33 (M = 12).
    private let points: [Float] = [0, 0, 1, 0, 10, 0, 10.5, 0, 20, 0, 33, 0]
    private let identities = [0, 0, 1, 1, 2, 2]

    /// (target FAR, τ, FAR reached, VAL) for the six points above.
    static let verificationCases: [(Double, Double, Double, Double)] = [
        (1e-4, 9.0, 0.0, 2.0 / 3),  // k = 0: no false accept allowed
        (0.1, 9.5, 1.0 / 12, 2.0 / 3),  // k = 1: the tie at 9.5 is rejected as a whole
        (0.25, 10.0, 3.0 / 12, 2.0 / 3),  // k = 3
        (0.99, 33.0, 11.0 / 12, 1.0),  // k = 11: the same pair at 13 is now accepted
    ]

    @Test("verification picks τ = the (k+1)-th smallest different-pair distance", arguments: verificationCases)
    func verificationHandValues(target: Double, threshold: Double, far: Double, val: Double) throws {
        let result = try EmbeddingVerification.evaluate(
            embeddings: points, identities: identities, dimension: 2, falseAcceptRate: target)
        #expect(result.samePairs == 3 && result.differentPairs == 12)
        #expect(abs(result.threshold - threshold) < 1e-6)
        #expect(abs(result.falseAcceptRate - far) < 1e-12)
        #expect(abs(result.validationRate - val) < 1e-12)
        #expect(result.falseAcceptRate <= target)
    }

    @Test("verification agrees with a brute-force search over thresholds on random embeddings")
    func verificationBruteForce() throws {
        var state: UInt64 = 77
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 4 - 2
        }
        let count = 60, dimension = 3
        let embeddings = (0..<count * dimension).map { _ in next() }
        let identities = (0..<count).map { $0 % 6 }
        var same: [Float] = [], different: [Float] = []
        for i in 0..<count {
            for j in (i + 1)..<count {
                var d: Float = 0
                for k in 0..<dimension {
                    let x = embeddings[i * dimension + k] - embeddings[j * dimension + k]
                    d += x * x
                }
                if identities[i] == identities[j] { same.append(d) } else { different.append(d) }
            }
        }
        for target in [1e-4, 1e-3, 0.01, 0.2] {
            // The largest candidate threshold (a different-pair distance or +∞) with FAR ≤ target.
            let candidates = (different + [.infinity]).sorted()
            let best = candidates.last { t in
                Double(different.filter { $0 < t }.count) / Double(different.count) <= target
            }
            let tau = try #require(best)
            let expectedVAL = Double(same.filter { $0 < tau }.count) / Double(same.count)
            let result = try EmbeddingVerification.evaluate(
                embeddings: embeddings, identities: identities, dimension: dimension, falseAcceptRate: target)
            #expect(abs(result.validationRate - expectedVAL) < 1e-12, "target \(target)")
            #expect(result.falseAcceptRate <= target)
        }
    }

    @Test("verification needs both kinds of pairs and finite embeddings")
    func verificationErrors() {
        do {
            _ = try EmbeddingVerification.evaluate(embeddings: [0, 1, 2], identities: [0, 1, 2], dimension: 1)
            Issue.record("no same pairs accepted")
        } catch let error as ServiceError {
            #expect(
                error.message
                    == "verification: the evaluation set has 0 same-identity and 3 different-identity pairs; it needs at "
                    + "least one of each (several images per identity)")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: ServiceError.self) {
            try EmbeddingVerification.evaluate(embeddings: [0, .infinity], identities: [0, 0], dimension: 1)
        }
    }

    @Test("mean squared distance to the teacher averages ‖s − t‖² over samples")
    func meanSquaredDistance() throws {
        let value = try EmbeddingVerification.meanSquaredDistance(
            student: [1, 2, 0, 0], teacher: [0, 0, 0, 3], dimension: 2)
        #expect(value == 7)
        #expect(throws: ServiceError.self) {
            try EmbeddingVerification.meanSquaredDistance(student: [1, 2, 3], teacher: [0, 0], dimension: 2)
        }
    }
}
