// Copyright 2026 The Distill authors.
// Typed, path-aware reading of one YAML mapping of a job file. Every error names the file, the line,
// the key path (`training.epochs`, `students.alpha[2]`) and what is allowed.

import Foundation
import Yams

struct YAMLMapping {
    let file: String
    let path: String
    let entries: [(key: String, value: Node)]
    let line: Int

    init(_ node: Node, file: String, path: String) throws {
        self.file = file
        self.path = path
        self.line = node.mark?.line ?? 1
        guard case .mapping(let mapping) = node else {
            throw ServiceError.invalid(
                "\(file) line \(line): \(path.isEmpty ? "the file" : "`\(path)`") must be a mapping of keys to values, "
                    + "found \(YAMLMapping.describe(node)).")
        }
        var entries: [(String, Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else {
                throw ServiceError.invalid(
                    "\(file) line \(key.mark?.line ?? line): keys must be plain names, found \(YAMLMapping.describe(key))."
                )
            }
            if entries.contains(where: { $0.0 == name }) {
                throw ServiceError.invalid(
                    "\(file) line \(key.mark?.line ?? line): key `\(path.isEmpty ? name : path + "." + name)` appears twice; keep one."
                )
            }
            entries.append((name, value))
        }
        self.entries = entries
    }

    func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Refuses keys outside `allowed`, suggesting the closest allowed one.
    func checkKeys(_ allowed: [String]) throws {
        for (key, value) in entries where !allowed.contains(key) {
            let suggestion = allowed.min { editDistance($0, key) < editDistance($1, key) }
            let hint = suggestion.map { editDistance($0, key) <= 3 ? " (did you mean `\(qualified($0))`?)" : "" } ?? ""
            throw ServiceError.invalid(
                "\(file) line \(value.mark?.line ?? line): unknown key `\(qualified(key))`\(hint); allowed "
                    + "\(path.isEmpty ? "top-level keys" : "keys in `\(path)`"): \(allowed.joined(separator: ", ")).")
        }
    }

    func node(_ key: String) -> Node? {
        entries.first { $0.key == key }?.value
    }

    func fail(_ key: String, _ node: Node?, _ problem: String) -> ServiceError {
        ServiceError.invalid("\(file) line \(node?.mark?.line ?? line): `\(qualified(key))` \(problem)")
    }

    // MARK: - Typed values

    func mapping(_ key: String) throws -> YAMLMapping? {
        guard let node = node(key) else { return nil }
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" {
            return nil
        }
        return try YAMLMapping(node, file: file, path: qualified(key))
    }

    func string(_ key: String, required: Bool = false, allowed: [String]? = nil) throws -> String? {
        guard let node = node(key) else {
            if required { throw ServiceError.invalid("\(file): required key `\(qualified(key))` is missing.") }
            return nil
        }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw fail(key, node, "must be a text value, found \(YAMLMapping.describe(node)).")
        }
        if let control = scalar.string.unicodeScalars.first(where: {
            ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value)
        }) {
            throw fail(
                key, node,
                "contains the control character U+\(String(control.value, radix: 16, uppercase: true)); remove it "
                    + "(terminal escape sequences and NUL bytes are not allowed in job files).")
        }
        if let allowed, !allowed.contains(scalar.string) {
            throw fail(key, node, "is '\(scalar.string)'; allowed values: \(allowed.joined(separator: ", ")).")
        }
        return scalar.string
    }

    func integer(_ key: String, range: ClosedRange<Int>, rangeText: String) throws -> Int? {
        guard let node = node(key) else { return nil }
        return try YAMLMapping.integer(node, path: qualified(key), file: file, range: range, rangeText: rangeText)
    }

    func boolean(_ key: String) throws -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let scalar) = node, ["true", "false"].contains(scalar.string.lowercased()) else {
            throw fail(key, node, "must be true or false, found \(YAMLMapping.describe(node)).")
        }
        return scalar.string.lowercased() == "true"
    }

    func number(_ key: String, rangeText: String, accept: (Double) -> Bool) throws -> Double? {
        guard let node = node(key) else { return nil }
        return try YAMLMapping.number(node, path: qualified(key), file: file, rangeText: rangeText, accept: accept)
    }

    /// A list of values, or a single value taken as a list of one.
    func list(_ key: String) throws -> [(path: String, node: Node)]? {
        guard let node = node(key) else { return nil }
        if case .sequence(let sequence) = node {
            guard !sequence.isEmpty else { throw fail(key, node, "is an empty list; give at least one value.") }
            return sequence.enumerated().map { ("\(qualified(key))[\($0.offset)]", $0.element) }
        }
        return [(qualified(key), node)]
    }

    static func integer(_ node: Node, path: String, file: String, range: ClosedRange<Int>, rangeText: String) throws
        -> Int
    {
        let line = node.mark?.line ?? 0
        guard case .scalar = node, let value = node.int else {
            throw ServiceError.invalid(
                "\(file) line \(line): `\(path)` must be an integer (\(rangeText)), found \(describe(node)).")
        }
        guard range.contains(value) else {
            throw ServiceError.invalid("\(file) line \(line): `\(path)` is \(value); allowed: \(rangeText).")
        }
        return value
    }

    static func number(_ node: Node, path: String, file: String, rangeText: String, accept: (Double) -> Bool) throws
        -> Double
    {
        let line = node.mark?.line ?? 0
        guard case .scalar = node, let value = node.float ?? node.int.map(Double.init), value.isFinite else {
            throw ServiceError.invalid(
                "\(file) line \(line): `\(path)` must be a number (\(rangeText)), found \(describe(node)).")
        }
        guard accept(value) else {
            throw ServiceError.invalid("\(file) line \(line): `\(path)` is \(value); allowed: \(rangeText).")
        }
        return value
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return scalar.string.isEmpty ? "an empty value" : "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
