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

    static func read(_ data: Data, file: String, urls: [String], urlFile: String) throws -> TeacherTable {
        let header = try parseHeader(data, file: file)
        // Checked arithmetic: the shape comes from the file and may multiply past Int.max.
        let count = header.rows.multipliedReportingOverflow(by: header.columns)
        let payload = count.partialValue.multipliedReportingOverflow(by: header.elementSize)
        let needed = payload.partialValue.addingReportingOverflow(header.dataOffset)
        guard !count.overflow, !payload.overflow, !needed.overflow, data.count >= needed.partialValue else {
            let size =
                count.overflow || payload.overflow || needed.overflow ? "more than 2^63" : "\(needed.partialValue)"
            throw ServiceError.invalid(
                "\(file) is truncated: its header promises \(header.rows)x\(header.columns) values "
                    + "(\(size) bytes) but the file has \(data.count) bytes; export it again.")
        }
        guard urls.count == header.rows else {
            throw ServiceError.invalid(
                "\(urlFile) lists \(urls.count) URLs but \(file) has \(header.rows) rows; "
                    + "the URL list needs exactly one URL per row, in row order.")
        }
        var builder = TeacherTableBuilder(file: file)
        var vector = [Double](repeating: 0, count: header.columns)
        try data.withUnsafeBytes { raw in
            for row in 0..<header.rows {
                for column in 0..<header.columns {
                    let index = header.fortranOrder ? column * header.rows + row : row * header.columns + column
                    let offset = header.dataOffset + index * header.elementSize
                    if header.elementSize == 4 {
                        let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                        vector[column] = Double(
                            Float(
                                bitPattern: header.littleEndian ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits)))
                    } else {
                        let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                        vector[column] = Double(
                            bitPattern: header.littleEndian ? UInt64(littleEndian: bits) : UInt64(bigEndian: bits))
                    }
                }
                try builder.append(url: urls[row], vector: vector, place: "row \(row + 1) (\(urlFile) line \(row + 1))")
            }
        }
        return try builder.build(expecting: "a 2-D float32 or float64 array")
    }

    static func parseHeader(_ data: Data, file: String) throws -> Header {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard data.count >= 10, Array(data.prefix(6)) == magic else {
            throw ServiceError.invalid(
                "\(file) is not a NumPy .npy file (no \\x93NUMPY magic); save it with numpy.save.")
        }
        let bytes = [UInt8](data.prefix(12))
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
        guard data.count >= start + headerLength else { throw truncatedHeader(file) }
        guard let text = String(data: data.subdata(in: start..<(start + headerLength)), encoding: .utf8) else {
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
