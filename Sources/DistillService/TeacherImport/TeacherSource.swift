// Copyright 2026 The Distill authors.

import DistillStore
import Foundation

/// A teacher file opened and checked up to its first row, ready to stream.
///
/// The checks: format, existence, size, URL list and `.npy` header. Used by one thread at a time:
/// opened on the caller's, read on the reader's.
final class TeacherSource: @unchecked Sendable {
    let format: TeacherFileFormat
    let reader: ByteLineReader
    private let numpy: (header: NumpyTeacherReader.Header, urls: [String], urlFile: String)?

    /// The file's size in bytes.
    var size: Int64 { reader.size }

    private init(
        format: TeacherFileFormat, reader: ByteLineReader,
        numpy: (header: NumpyTeacherReader.Header, urls: [String], urlFile: String)?
    ) {
        self.format = format
        self.reader = reader
        self.numpy = numpy
    }

    /// Opens the request's file and runs every check that comes before the rows.
    /// - Throws: `ServiceError` naming the file and what to do.
    static func open(_ request: TeacherImporter.Request) throws -> TeacherSource {
        guard let format = request.format ?? TeacherFileFormat.inferred(from: request.file) else {
            throw ServiceError.invalid(
                "Cannot tell the format of \(request.file) from its extension; name it .csv, .jsonl or .npy, "
                    + "or pass --format csv|jsonl|npy.")
        }
        try TeacherImporter.checkIsFile(request.file, what: "teacher file")
        let reader = try ByteLineReader(path: request.file, what: "teacher file")
        guard reader.size > 0 else {
            throw ServiceError.invalid("\(request.file) is empty; expected teacher outputs.")
        }
        guard reader.size <= TeacherImportLimits.maxFileBytes else {
            throw TeacherImportLimits.fileTooLarge(file: request.file, bytes: reader.size)
        }
        switch format {
        case .csv, .jsonl:
            if let urls = request.urlsFile {
                throw ServiceError.invalid(
                    "--urls \(urls) is only for .npy files; \(format.rawValue) files carry the URL on every line.")
            }
            return TeacherSource(format: format, reader: reader, numpy: nil)
        case .npy:
            guard let urlsFile = request.urlsFile else {
                throw ServiceError.invalid(
                    "\(request.file) is a .npy array without URLs; pass --urls FILE listing one image URL per row.")
            }
            let urls = try TeacherImporter.readURLList(urlsFile)
            let header = try NumpyTeacherReader.parseHeader(reader)
            return TeacherSource(format: format, reader: reader, numpy: (header, urls, urlsFile))
        }
    }

    /// Streams every row into `emit`, validated.
    /// - Returns: The dimension.
    /// - Throws: `ServiceError.invalidArgument` for the first bad line or row.
    func read(emit: @escaping (TeacherRowBatch) throws -> Void) throws -> Int {
        switch format {
        case .csv: return try CSVTeacherReader.read(reader, emit: emit)
        case .jsonl: return try JSONLTeacherReader.read(reader, emit: emit)
        case .npy:
            guard let numpy else { throw ServiceError(.runtime, "\(reader.path) was opened without its .npy header.") }
            return try NumpyTeacherReader.read(
                reader, header: numpy.header, urls: numpy.urls, urlFile: numpy.urlFile, emit: emit)
        }
    }
}
