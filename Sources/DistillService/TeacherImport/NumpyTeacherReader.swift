// Copyright 2026 The Distill authors.
// NumPy .npy reader (format versions 1.0, 2.0, 3.0): a 2-D float32 or float64 array, either byte
// order, C or Fortran order; row i belongs to line i of the URL list.

import DistillStore
import Foundation

enum NumpyTeacherReader {
    struct Header: Equatable {
        var littleEndian: Bool
        var elementSize: Int
        var fortranOrder: Bool
        var rows: Int
        var columns: Int
        var dataOffset: Int
    }

    /// Streams the array's rows into `emit`, validated, a block of rows at a time.
    /// - Parameters:
    ///   - reader: The open `.npy` file.
    ///   - header: Its parsed header.
    ///   - urls: The URL list, one per row.
    ///   - urlFile: The URL list's path, for messages.
    ///   - emit: Receives the rows in batches.
    /// - Returns: The dimension.
    /// - Throws: `ServiceError.invalidArgument` for a truncated file, a URL list of the wrong length or a
    ///   bad row.
    static func read(
        _ reader: ByteLineReader, header: Header, urls: [String], urlFile: String,
        emit: @escaping (TeacherRowBatch) throws -> Void
    ) throws -> Int {
        let file = reader.path
        let (count, countOverflow) = header.rows.multipliedReportingOverflow(by: header.columns)
        let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: header.elementSize)
        let (needed, neededOverflow) = header.dataOffset.addingReportingOverflow(bytes)
        guard !countOverflow, !bytesOverflow, !neededOverflow else {
            throw ServiceError.invalid(
                "\(file) header line: shape (\(header.rows), \(header.columns)) describes more bytes than any file can "
                    + "hold; the header is corrupt — export the array again with numpy.save.")
        }
        guard reader.size >= Int64(needed) else {
            throw ServiceError.invalid(
                "\(file) is truncated: its header promises \(header.rows)x\(header.columns) values "
                    + "(\(needed) bytes) but the file has \(reader.size) bytes; export it again.")
        }
        guard urls.count == header.rows else {
            throw ServiceError.invalid(
                "\(urlFile) lists \(urls.count) URLs but \(file) has \(header.rows) rows; "
                    + "the URL list needs exactly one URL per row, in row order.")
        }
        var validator = TeacherRowValidator(
            file: file, describe: { "row \($0) (\(urlFile) line \($0))" }, emit: emit)
        let rowBytes = header.columns * header.elementSize
        let blockRows = max(1, min(header.rows, (1 << 20) / rowBytes))
        let raw = UnsafeMutableRawPointer.allocate(byteCount: blockRows * rowBytes, alignment: 8)
        let staging =
            header.fortranOrder ? UnsafeMutableRawPointer.allocate(byteCount: blockRows * 8, alignment: 8) : nil
        let values = UnsafeMutablePointer<Float>.allocate(capacity: header.columns)
        defer {
            raw.deallocate()
            staging?.deallocate()
            values.deallocate()
        }
        var firstRow = 0
        while firstRow < header.rows {
            let rows = min(blockRows, header.rows - firstRow)
            try readBlock(reader, header: header, firstRow: firstRow, rows: rows, into: raw, staging: staging)
            for row in 0..<rows {
                let nonFinite = convert(raw + row * rowBytes, header: header, into: values)
                let offset = Int64(header.dataOffset + (firstRow + row + 1) * rowBytes)
                try validator.append(
                    url: urls[firstRow + row], values: UnsafeBufferPointer(start: values, count: header.columns),
                    nonFinite: nonFinite, number: firstRow + row + 1, fileOffset: offset)
            }
            firstRow += rows
        }
        return try validator.finish(expecting: "a 2-D float32 or float64 array", fileOffset: reader.size)
    }

    /// Reads rows `firstRow ..< firstRow + rows` into `destination`, row-major in the file's element type.
    private static func readBlock(
        _ reader: ByteLineReader, header: Header, firstRow: Int, rows: Int, into destination: UnsafeMutableRawPointer,
        staging: UnsafeMutableRawPointer?
    ) throws {
        let size = header.elementSize
        guard let staging else {
            let count = rows * header.columns * size
            let offset = Int64(header.dataOffset + firstRow * header.columns * size)
            guard try reader.read(into: destination, count: count, at: offset) == count else {
                throw ServiceError(
                    .io, "\(reader.path) ended while reading row \(firstRow + 1); was it changed meanwhile?")
            }
            return
        }
        // Fortran order: each column is contiguous; gather this block's slice of every column.
        for column in 0..<header.columns {
            let offset = Int64(header.dataOffset + (column * header.rows + firstRow) * size)
            guard try reader.read(into: staging, count: rows * size, at: offset) == rows * size else {
                throw ServiceError(
                    .io, "\(reader.path) ended while reading column \(column + 1); was it changed meanwhile?")
            }
            for row in 0..<rows {
                (destination + (row * header.columns + column) * size).copyMemory(
                    from: staging + row * size, byteCount: size)
            }
        }
    }

    /// Narrows one row to float32 and finds its first non-finite value.
    @inline(__always)
    private static func convert(
        _ row: UnsafeMutableRawPointer, header: Header, into values: UnsafeMutablePointer<Float>
    )
        -> NonFiniteValue?
    {
        var nonFinite: NonFiniteValue?
        for column in 0..<header.columns {
            if header.elementSize == 4 {
                let bits = row.loadUnaligned(fromByteOffset: column * 4, as: UInt32.self)
                let value = Float(
                    bitPattern: header.littleEndian ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits))
                values[column] = value
                if !value.isFinite && nonFinite == nil {
                    nonFinite = NonFiniteValue(index: column + 1, value: Double(value))
                }
            } else {
                let bits = row.loadUnaligned(fromByteOffset: column * 8, as: UInt64.self)
                let value = Double(
                    bitPattern: header.littleEndian ? UInt64(littleEndian: bits) : UInt64(bigEndian: bits))
                let narrowed = Float(value)
                values[column] = narrowed
                if !(value.isFinite && narrowed.isFinite) && nonFinite == nil {
                    nonFinite = NonFiniteValue(index: column + 1, value: value)
                }
            }
        }
        return nonFinite
    }

    /// Reads and checks the header.
    /// - Throws: `ServiceError.invalidArgument` naming what is wrong with it.
    static func parseHeader(_ reader: ByteLineReader) throws -> Header {
        let file = reader.path
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        var bytes = [UInt8](repeating: 0, count: 12)
        let got = try bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return try reader.read(into: base, count: 12, at: 0)
        }
        bytes.removeLast(12 - got)
        guard bytes.count >= 10, Array(bytes.prefix(6)) == magic else {
            throw ServiceError.invalid(
                "\(file) is not a NumPy .npy file (no \\x93NUMPY magic); save it with numpy.save.")
        }
        let major = bytes[6]
        let headerLength: Int
        let start: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw truncatedHeader(file) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        default:
            throw ServiceError.invalid("\(file) uses .npy format version \(major), which Distill does not read (1–3).")
        }
        guard reader.size >= Int64(start + headerLength) else { throw truncatedHeader(file) }
        guard headerLength <= TeacherImportLimits.maxNumpyHeaderBytes else {
            throw ServiceError.invalid(
                "\(file) header line is \(headerLength) bytes long; NumPy writes a few hundred and Distill reads up to "
                    + "\(TeacherImportLimits.maxNumpyHeaderBytes) — export the array again with numpy.save.")
        }
        var headerBytes = [UInt8](repeating: 0, count: headerLength)
        let read = try headerBytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return try reader.read(into: base, count: headerLength, at: Int64(start))
        }
        guard read == headerLength else { throw truncatedHeader(file) }
        guard let text = String(validating: headerBytes, as: UTF8.self) else {
            throw ServiceError.invalid("\(file) has an unreadable .npy header.")
        }
        guard let descr = field("descr", in: text), let fortran = field("fortran_order", in: text),
            let shape = field("shape", in: text)
        else {
            throw ServiceError.invalid("\(file) has an .npy header without descr, fortran_order and shape.")
        }
        let type = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        let littleEndian: Bool
        let size: Int
        switch type {
        case "<f4", "|f4", "=f4": (littleEndian, size) = (true, 4)
        case ">f4": (littleEndian, size) = (false, 4)
        case "<f8", "|f8", "=f8": (littleEndian, size) = (true, 8)
        case ">f8": (littleEndian, size) = (false, 8)
        default:
            throw ServiceError.invalid(
                "\(file) holds dtype \(type); Distill reads float32 or float64 arrays — convert with .astype('float32')."
            )
        }
        let dimensions = shape.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let sizes = dimensions.compactMap { Int($0) }
        guard sizes.count == dimensions.count, sizes.count == 2 else {
            throw ServiceError.invalid(
                "\(file) has shape (\(dimensions.joined(separator: ", "))); expected a 2-D array "
                    + "(one row of outputs per image).")
        }
        guard sizes[0] > 0, sizes[1] > 0 else {
            throw ServiceError.invalid("\(file) has shape (\(sizes[0]), \(sizes[1])); it holds no teacher outputs.")
        }
        guard sizes[1] <= TeacherImportLimits.maxDimension else {
            throw ServiceError.invalid(
                "\(file) header line: shape (\(sizes[0]), \(sizes[1])) has \(sizes[1]) values per row; a teacher vector "
                    + "holds at most 65,536 values — check that rows are images (transpose the array if not).")
        }
        return Header(
            littleEndian: littleEndian, elementSize: size, fortranOrder: fortran.hasPrefix("True"), rows: sizes[0],
            columns: sizes[1], dataOffset: start + headerLength)
    }

    private static func truncatedHeader(_ file: String) -> ServiceError {
        ServiceError.invalid("\(file) is truncated inside its .npy header; export it again.")
    }

    /// The text of a key's value in the header's Python dict literal.
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") else { return nil }
        var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.hasPrefix("(") {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        if let end = rest.firstIndex(of: ",") {
            rest = rest[..<end]
        } else if let end = rest.firstIndex(of: "}") {
            rest = rest[..<end]
        }
        return String(rest).trimmingCharacters(in: .whitespaces)
    }
}
