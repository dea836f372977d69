// Copyright 2026 The Distill authors.

import DistillStore
import Foundation

/// `distill teacher import`: reads a teacher file, validates every row and stores it in one transaction.
public struct TeacherImporter: Sendable {
    /// What to import.
    public struct Request: Sendable {
        /// The teacher's unique name.
        public var name: String
        /// What the vectors are.
        public var kind: TeacherKind
        /// The outputs file (CSV, JSONL or .npy).
        public var file: String
        /// The URL list (one per line), required for .npy and refused otherwise.
        public var urlsFile: String?
        /// The format; inferred from the extension when nil.
        public var format: TeacherFileFormat?
        /// Replace an existing teacher of the same name.
        public var replace: Bool

        /// Creates a request.
        public init(
            name: String, kind: TeacherKind, file: String, urlsFile: String? = nil, format: TeacherFileFormat? = nil,
            replace: Bool = false
        ) {
            self.name = name
            self.kind = kind
            self.file = file
            self.urlsFile = urlsFile
            self.format = format
            self.replace = replace
        }
    }

    let store: Store

    /// Creates an importer writing into `store`.
    public init(store: Store) {
        self.store = store
    }

    /// Reads, validates and stores a teacher: all rows or none.
    /// - Parameter request: The file and how to read it.
    /// - Returns: The stored teacher.
    /// - Throws: `ServiceError.invalidArgument` naming the file, line or row and the reason; `StoreError`
    ///   when the name is taken (without `replace`) or the database fails. Nothing is stored on error.
    @discardableResult
    public func importTeacher(_ request: Request) throws -> Teacher {
        let table = try Self.read(request)
        try Self.checkKind(request.kind, dimension: table.dimension, file: request.file)
        return try store.importTeacher(
            name: request.name, kind: request.kind, table: table,
            sourceFile: StoreLocation.absolute(request.file), replace: request.replace)
    }

    /// Parses and validates the request's file without storing anything.
    public static func read(_ request: Request) throws -> TeacherTable {
        guard let format = request.format ?? TeacherFileFormat.inferred(from: request.file) else {
            throw ServiceError.invalid(
                "Cannot tell the format of \(request.file) from its extension; name it .csv, .jsonl or .npy, "
                    + "or pass --format csv|jsonl|npy.")
        }
        let data = try readFile(request.file, what: "teacher file")
        guard !data.isEmpty else {
            throw ServiceError.invalid("\(request.file) is empty; expected teacher outputs.")
        }
        switch format {
        case .csv, .jsonl:
            if let urls = request.urlsFile {
                throw ServiceError.invalid(
                    "--urls \(urls) is only for .npy files; \(format.rawValue) files carry the URL on every line.")
            }
            return format == .csv
                ? try CSVTeacherReader.read(data, file: request.file)
                : try JSONLTeacherReader.read(data, file: request.file)
        case .npy:
            guard let urlsFile = request.urlsFile else {
                throw ServiceError.invalid(
                    "\(request.file) is a .npy array without URLs; pass --urls FILE listing one image URL per row.")
            }
            let urls = try readURLList(urlsFile)
            return try NumpyTeacherReader.read(data, file: request.file, urls: urls, urlFile: urlsFile)
        }
    }

    static func checkKind(_ kind: TeacherKind, dimension: Int, file: String) throws {
        if kind == .logits && dimension < 2 {
            throw ServiceError.invalid(
                "\(file) has vectors of length \(dimension); logits teachers need at least 2 classes "
                    + "(use --kind attributes for a single yes/no output).")
        }
    }

    /// Reads a URL list: one URL per line; blank lines at the end are ignored, blank lines inside are errors.
    public static func readURLList(_ path: String) throws -> [String] {
        let data = try readFile(path, what: "URL list")
        guard let text = String(data: data, encoding: .utf8) else {
            throw ServiceError.invalid("\(path) is not UTF-8 text; expected one URL per line.")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        if let blank = lines.firstIndex(where: \.isEmpty) {
            throw ServiceError.invalid("\(path) line \(blank + 1) is empty; list exactly one URL per line.")
        }
        for (offset, url) in lines.enumerated() { try ImageURLText.check(url, file: path, place: "line \(offset + 1)") }
        return lines
    }

    static func readFile(_ path: String, what: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ServiceError.invalid("The \(what) \(path) does not exist; check the path.")
        }
        guard !isDirectory.boolValue else {
            throw ServiceError.invalid("The \(what) \(path) is a directory; pass a file.")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw ServiceError(.io, "Cannot read the \(what) \(path): \(error.localizedDescription)")
        }
    }
}
