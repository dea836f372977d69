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
    ///
    /// The file is streamed: one thread parses and validates while this one inserts, inside one write
    /// transaction, so memory holds a few batches of rows and the set of URLs seen, never the whole file.
    /// - Parameters:
    ///   - request: The file and how to read it.
    ///   - progress: Called as batches are stored (bytes read, throughput, ETA).
    /// - Returns: The stored teacher.
    /// - Throws: `ServiceError.invalidArgument` naming the file, line or row and the reason; `StoreError`
    ///   when the name is taken (without `replace`) or the database fails. Nothing is stored on error.
    @discardableResult
    public func importTeacher(_ request: Request, progress: ((TeacherImportProgress) -> Void)? = nil) throws
        -> Teacher
    {
        let source = try TeacherSource.open(request)
        return try store.importTeacher(
            name: request.name, kind: request.kind, sourceFile: StoreLocation.absolute(request.file),
            replace: request.replace
        ) { writer in
            let dimension = try TeacherRowPipeline.run(source, progress: progress) { batch in
                try batch.values.withUnsafeBufferPointer { values in
                    let dimension = batch.urls.isEmpty ? 0 : values.count / batch.urls.count
                    for (row, url) in batch.urls.enumerated() {
                        try writer.append(
                            url: url,
                            vector: UnsafeBufferPointer(rebasing: values[(row * dimension)..<((row + 1) * dimension)]))
                    }
                }
            }
            try Self.checkKind(request.kind, dimension: dimension, file: request.file)
            return dimension
        }
    }

    /// Parses and validates the request's file without storing anything.
    /// - Complexity: Holds the whole table in memory; `importTeacher` streams instead.
    public static func read(_ request: Request) throws -> TeacherTable {
        let source = try TeacherSource.open(request)
        var urls: [String] = []
        var values: [Float] = []
        let dimension = try source.read { batch in
            urls += batch.urls
            values += batch.values
        }
        return TeacherTable(urls: urls, values: values, dimension: dimension)
    }

    static func checkKind(_ kind: TeacherKind, dimension: Int, file: String) throws {
        if kind == .logits && dimension < 2 {
            throw ServiceError.invalid(
                "\(file) has vectors of length \(dimension); logits teachers need at least 2 classes "
                    + "(use --kind attributes for a single yes/no output).")
        }
    }

    /// Reads a URL list: one URL per line; blank lines at the end are ignored, blank lines inside are errors.
    ///
    /// The list is streamed like a teacher file: memory holds the URLs, not the file's text. Lines of
    /// plain ASCII are trimmed as bytes; any other line is split and trimmed as Unicode text.
    public static func readURLList(_ path: String) throws -> [String] {
        try checkIsFile(path, what: "URL list")
        let reader = try ByteLineReader(path: path, what: "URL list")
        var lines: [String] = []
        while var line = try reader.nextLine(lineNumber: lines.count + 1) {
            if line.last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
            if line.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) {
                var url = line[...]
                while let first = url.first, first == 0x20 || first == 0x09 { url = url.dropFirst() }
                while let last = url.last, last == 0x20 || last == 0x09 { url = url.dropLast() }
                lines.append(String(decoding: UnsafeBufferPointer(rebasing: url), as: UTF8.self))
                continue
            }
            guard let text = String(validating: line, as: UTF8.self) else {
                throw ServiceError.invalid("\(path) is not UTF-8 text; expected one URL per line.")
            }
            for piece in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
                lines.append(TeacherRowValidator.trimmed(String(piece), newlines: true))
            }
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        if let blank = lines.firstIndex(where: \.isEmpty) {
            throw ServiceError.invalid("\(path) line \(blank + 1) is empty; list exactly one URL per line.")
        }
        for (offset, url) in lines.enumerated() { try ImageURLText.check(url, file: path, place: "line \(offset + 1)") }
        return lines
    }

    static func readFile(_ path: String, what: String) throws -> Data {
        try checkIsFile(path, what: what)
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw ServiceError(.io, "Cannot read the \(what) \(path): \(error.localizedDescription)")
        }
    }

    /// Refuses a path that does not exist or is a directory.
    static func checkIsFile(_ path: String, what: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ServiceError.invalid("The \(what) \(path) does not exist; check the path.")
        }
        guard !isDirectory.boolValue else {
            throw ServiceError.invalid("The \(what) \(path) is a directory; pass a file.")
        }
    }
}
