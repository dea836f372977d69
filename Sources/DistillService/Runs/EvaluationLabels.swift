// Copyright 2026 The Distill authors.
// The labels CSV of a job's evaluation set: `url,split,class,class_name,<attribute columns…>` as
// `distill dataset` writes it, or plain `url,class` (with or without a header line). `label` and `identity` are
// synonyms of `class` (the first of class, label, identity present is read; the others are ignored); identities
// may be names (numbered in order of first appearance).

import DistillStore
import Foundation

/// Labels of an evaluation set, by URL.
public struct EvaluationLabels: Sendable, Equatable {
    /// One labelled image.
    public struct Entry: Sendable, Equatable {
        /// The image URL.
        public var url: String
        /// The `split` column (`train`, `test`), when the file has one.
        public var split: String?
        /// The class index (also the identity for embedding verification), when given.
        public var classIndex: Int?
        /// 0/1 attribute values, one per attribute column, when the file has attribute columns.
        public var attributes: [Float]?
    }

    /// The entries in file order.
    public var entries: [Entry]
    /// The names of the attribute columns (empty when there are none).
    public var attributeNames: [String]

    /// Entries by URL.
    public var byURL: [String: Entry] {
        Dictionary(entries.map { ($0.url, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether an entry belongs to the evaluation set: every labelled row except those whose `split` is `train`
    /// (those only give hard labels for training).
    public static func isEvaluation(_ entry: Entry) -> Bool { entry.split != "train" }

    /// Reads a labels file.
    /// - Parameter path: The CSV file.
    /// - Returns: The labels.
    /// - Throws: `ServiceError.invalidArgument` naming the file, the line and the bad value.
    public static func read(path: String) throws -> EvaluationLabels {
        let data = try InputFile.read(
            path, what: "labels file", limit: InputFile.listLimit, hint: "check `evaluation.labels` in the job file")
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses labels CSV text.
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - file: Its name, for messages.
    /// - Returns: The labels.
    /// - Throws: `ServiceError.invalidArgument` naming the line and the bad value.
    public static func parse(_ text: String, file: String) throws -> EvaluationLabels {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { ($0.offset + 1, String($0.element)) }.filter { !$0.1.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let first = lines.first else {
            throw ServiceError.invalid("The labels file \(file) is empty; give `url,class` lines.")
        }
        var classColumn = 1
        var namedIdentities = false
        var splitColumn: Int?
        var attributeColumns: [Int] = []
        var attributeNames: [String] = []
        let header = try CSVFields.split(first.1[...], file: file, line: first.0).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if header.first?.lowercased() == "url" {
            lines.removeFirst()
            let names = header.map { $0.lowercased() }
            let classNames = ["class", "label", "identity"]
            let found = classNames.lazy.compactMap { name in names.firstIndex(of: name).map { (name, $0) } }.first
            classColumn = found?.1 ?? -1
            namedIdentities = found?.0 == "identity"
            splitColumn = names.firstIndex(of: "split")
            for (index, name) in names.enumerated() where !(["url", "split", "class_name"] + classNames).contains(name) {
                attributeColumns.append(index)
                attributeNames.append(header[index])
            }
        }
        var entries: [Entry] = []
        var identities: [String: Int] = [:]
        for (number, line) in lines {
            let fields = try CSVFields.split(line[...], file: file, line: number).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard let url = fields.first, !url.isEmpty else {
                throw ServiceError.invalid("\(file) line \(number): the first field (url) is empty.")
            }
            try ImageURLText.check(url, file: file, place: "line \(number)")
            var entry = Entry(url: url)
            if let splitColumn, splitColumn < fields.count { entry.split = fields[splitColumn] }
            if classColumn >= 0, namedIdentities, classColumn < fields.count, !fields[classColumn].isEmpty {
                // Identities are names as often as numbers: each distinct value gets the next index.
                let name = fields[classColumn]
                entry.classIndex = identities[name] ?? identities.count
                identities[name] = entry.classIndex
            } else if classColumn >= 0 {
                guard classColumn < fields.count, let value = Int(fields[classColumn]), value >= 0 else {
                    let found = classColumn < fields.count ? "'\(fields[classColumn])'" : "nothing"
                    throw ServiceError.invalid(
                        "\(file) line \(number): the class is \(found); give a class index ≥ 0 (`url,class`).")
                }
                entry.classIndex = value
            }
            if !attributeColumns.isEmpty {
                entry.attributes = try zip(attributeColumns, attributeNames).map { column, name in
                    guard column < fields.count, let value = Float(fields[column]), value == 0 || value == 1 else {
                        let found = column < fields.count ? ImageURLText.escaped(fields[column]) : "missing"
                        throw ServiceError.invalid(
                            "\(file) line \(number): attribute column \(column + 1) \(ImageURLText.escaped(name)) is "
                                + "\(found) but attribute columns hold 0 or 1; the columns Distill reads are url, split, "
                                + "class (or label, identity), class_name and 0/1 attributes.")
                    }
                    return value
                }
            }
            entries.append(entry)
        }
        return EvaluationLabels(entries: entries, attributeNames: attributeNames)
    }
}

extension EvaluationLabels {
    /// Checks labels against the teacher a job trains with, so a run never starts on labels it cannot use:
    /// a logits teacher's classes must be below its dimension, and hard labels need a class column.
    /// - Parameters:
    ///   - teacher: The job's teacher.
    ///   - usesHardLabels: Whether the job's `training.hard_weight` is above 0.
    ///   - file: The labels file, for messages.
    /// - Throws: `ServiceError.invalidArgument` naming the file, the URL and the bad class.
    public func check(against teacher: Teacher, usesHardLabels: Bool, file: String) throws {
        if teacher.kind == .logits, let bad = entries.first(where: { ($0.classIndex ?? 0) >= teacher.dimension }) {
            // A class the student has no output for can be neither learnt (hard labels) nor scored (top-1).
            throw ServiceError.invalid(
                "The labels file \(file) gives \(bad.url) class \(bad.classIndex ?? 0), but teacher '\(teacher.name)' "
                    + "has \(teacher.dimension) classes (0…\(teacher.dimension - 1)); fix the labels or the teacher.")
        }
        if usesHardLabels, !entries.contains(where: { $0.classIndex != nil }) {
            throw ServiceError.invalid(
                "The labels file \(file) has no `class` column, but `training.hard_weight` needs class labels; "
                    + "add a `class` column or set hard_weight to 0.")
        }
    }
}
