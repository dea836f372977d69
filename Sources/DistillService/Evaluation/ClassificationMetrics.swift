// Copyright 2026 The Distill authors.
//
// Classification metrics over logits. Shapes: N samples, C classes, row-major.

import Foundation

/// Top-1 accuracy and agreement between a student and its teacher.
public enum ClassificationMetrics {
    /// How closely a student follows its teacher.
    public struct TeacherAgreement: Sendable, Equatable {
        /// The fraction of samples where the student's top class is the teacher's top class.
        public var topOneMatch: Double
        /// The mean over samples of KL(softmax(teacher) ‖ softmax(student)) at temperature 1, in nats.
        public var meanKL: Double
    }

    /// The fraction of samples whose highest logit is at the label (ties go to the lowest index).
    ///
    /// - Parameters:
    ///   - logits: Model outputs, `(N, C)` row-major.
    ///   - labels: Class indices in `0..<C`, `(N)`.
    ///   - classes: `C`.
    /// - Returns: Accuracy in [0, 1] (0 for an empty set).
    /// - Throws: ``ServiceError`` (`invalidArgument`) for mismatched sizes, labels out of range or
    ///   non-finite logits.
    public static func topOneAccuracy(logits: [Float], labels: [Int], classes: Int) throws -> Double {
        try checkRows(logits, classes: classes, rows: labels.count, what: "top-1 accuracy")
        guard !labels.isEmpty else { return 0 }
        var correct = 0
        for (row, label) in labels.enumerated() {
            guard (0..<classes).contains(label) else {
                throw ServiceError.invalid(
                    "top-1 accuracy: label \(label) of sample \(row) is outside 0..<\(classes); check the evaluation labels"
                )
            }
            if argmax(logits, row: row, classes: classes) == label { correct += 1 }
        }
        return Double(correct) / Double(labels.count)
    }

    /// Top-1 agreement and mean KL divergence between teacher and student.
    ///
    /// - Parameters:
    ///   - student: Student logits, `(N, C)` row-major.
    ///   - teacher: Teacher logits, `(N, C)` row-major.
    ///   - classes: `C`.
    /// - Returns: The agreement (both 0 for an empty set).
    /// - Throws: ``ServiceError`` (`invalidArgument`) for mismatched sizes or non-finite logits.
    public static func teacherAgreement(student: [Float], teacher: [Float], classes: Int) throws -> TeacherAgreement {
        guard classes > 0 else {
            throw ServiceError.invalid("teacher agreement: \(classes) classes; need at least 1")
        }
        let rows = teacher.count / classes
        try checkRows(student, classes: classes, rows: rows, what: "teacher agreement (student)")
        try checkRows(teacher, classes: classes, rows: rows, what: "teacher agreement (teacher)")
        guard rows > 0 else { return TeacherAgreement(topOneMatch: 0, meanKL: 0) }
        var matches = 0
        var divergence = 0.0
        for row in 0..<rows {
            if argmax(student, row: row, classes: classes) == argmax(teacher, row: row, classes: classes) {
                matches += 1
            }
            let logP = logSoftmax(teacher, row: row, classes: classes)
            let logQ = logSoftmax(student, row: row, classes: classes)
            for (p, q) in zip(logP, logQ) { divergence += Foundation.exp(p) * (p - q) }
        }
        return TeacherAgreement(topOneMatch: Double(matches) / Double(rows), meanKL: divergence / Double(rows))
    }

    // MARK: - Helpers

    private static func checkRows(_ values: [Float], classes: Int, rows: Int, what: String) throws {
        guard classes > 0, values.count == rows * classes else {
            throw ServiceError.invalid(
                "\(what): \(values.count) outputs do not form \(rows) rows of \(classes) classes; "
                    + "pass (samples × classes) values")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ServiceError.invalid(
                "\(what): output \(bad % classes) of sample \(bad / classes) is \(values[bad]); "
                    + "the model's outputs must be finite (did training diverge?)")
        }
    }

    private static func argmax(_ values: [Float], row: Int, classes: Int) -> Int {
        let base = row * classes
        var best = 0
        for index in 1..<max(classes, 1) where values[base + index] > values[base + best] { best = index }
        return best
    }

    private static func logSoftmax(_ values: [Float], row: Int, classes: Int) -> [Double] {
        let slice = values[row * classes..<(row + 1) * classes].map(Double.init)
        let top = slice.max() ?? 0
        let logSum = top + Foundation.log(slice.reduce(0) { $0 + Foundation.exp($1 - top) })
        return slice.map { $0 - logSum }
    }
}
