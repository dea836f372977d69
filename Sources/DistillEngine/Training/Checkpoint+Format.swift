// Copyright 2026 The Distill authors.
//
// Encoding and decoding of the checkpoint file format documented on `Checkpoint`.

import Foundation

extension Checkpoint {
    /// The checkpoint's file bytes: header and payload.
    ///
    /// - Returns: The encoded file.
    /// - Throws: ``EngineError`` (`invalidArgument`) for a tensor whose shape does not match its
    ///   value count, a negative dimension, or a name or configuration too long for the format.
    /// - Complexity: O(total tensor size).
    public func encoded() throws -> [UInt8] {
        var payload = ByteWriter()
        payload.append(Int64(step))
        payload.append(Int64(epoch))
        payload.append(Int64(dataPosition))
        payload.append(UInt8(randomState == nil ? 0 : 1))
        let random = randomState ?? SIMD4<UInt64>()
        for lane in 0..<4 { payload.append(random[lane]) }
        let configurationBytes = Array(configuration.utf8)
        guard configurationBytes.count <= Int(UInt32.max) else {
            throw EngineError(
                .invalidArgument,
                "checkpoint configuration JSON is \(configurationBytes.count) bytes; the limit is 4 GiB")
        }
        payload.append(UInt32(configurationBytes.count))
        payload.append(bytes: configurationBytes)

        payload.append(UInt32(scalars.count))
        for (name, value) in scalars.sorted(by: { $0.key < $1.key }) {
            try payload.append(name: name)
            payload.append(value.bitPattern)
        }

        payload.append(UInt32(tensors.count))
        for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
            let product = tensor.shape.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).partialValue }
            guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.shape.count <= 255, product == tensor.values.count else {
                throw EngineError(
                    .invalidArgument,
                    "checkpoint tensor \"\(name)\" has shape \(tensor.shape) but \(tensor.values.count) values; "
                        + "the shape's product must equal the value count")
            }
            try payload.append(name: name)
            payload.append(UInt8(tensor.shape.count))
            for dimension in tensor.shape { payload.append(UInt64(dimension)) }
            payload.append(UInt64(tensor.values.count))
            payload.append(floats: tensor.values)
        }

        var crc = CRC32()
        payload.bytes.withUnsafeBytes { crc.update($0) }
        var file = ByteWriter()
        file.bytes.reserveCapacity(Checkpoint.headerSize + payload.bytes.count)
        file.append(bytes: Checkpoint.magic)
        file.append(Checkpoint.formatVersion)
        file.append(UInt32(0))
        file.append(UInt64(payload.bytes.count))
        file.append(crc.value)
        file.append(UInt32(0))
        file.append(bytes: payload.bytes)
        return file.bytes
    }

    /// Decodes and validates checkpoint file bytes.
    ///
    /// Checks, in order: the magic, the format version, the length (truncated or trailing bytes),
    /// the CRC-32 of the payload, then the payload's structure.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - source: The file's path, named in error messages.
    /// - Throws: ``EngineError`` with code `corruptData` or `unsupportedVersion`; the message names
    ///   `source`, says what is wrong and how to recover.
    public init(decoding bytes: [UInt8], source: String) throws {
        let restart = "delete it to restart the run from scratch"
        guard bytes.count >= Checkpoint.magic.count, Array(bytes[0..<Checkpoint.magic.count]) == Checkpoint.magic else {
            throw EngineError(
                .corruptData,
                "\(source) is not a Distill checkpoint (it does not start with \"DSTLCKPT\"); "
                    + "check the path, or \(restart)")
        }
        guard bytes.count >= Checkpoint.headerSize else {
            throw EngineError(
                .corruptData,
                "checkpoint \(source) is truncated (expected at least \(Checkpoint.headerSize) bytes, "
                    + "found \(bytes.count)); \(restart)")
        }
        var header = ByteReader(bytes: bytes, source: source, offset: Checkpoint.magic.count)
        let version: UInt32 = try header.read()
        guard version == Checkpoint.formatVersion else {
            throw EngineError(
                .unsupportedVersion,
                "checkpoint \(source) has format version \(version) but this build of Distill reads version "
                    + "\(Checkpoint.formatVersion); resume it with the Distill release that wrote it, or \(restart)")
        }
        let _: UInt32 = try header.read()  // flags
        let payloadLength: UInt64 = try header.read()
        let storedChecksum: UInt32 = try header.read()
        let expected = UInt64(Checkpoint.headerSize).addingReportingOverflow(payloadLength)
        guard !expected.overflow, expected.partialValue <= UInt64(bytes.count) else {
            let expectedText = expected.overflow ? "more than 2^64" : "\(expected.partialValue)"
            throw EngineError(
                .corruptData,
                "checkpoint \(source) is truncated (expected \(expectedText) bytes, found \(bytes.count)); \(restart)")
        }
        guard expected.partialValue == UInt64(bytes.count) else {
            throw EngineError(
                .corruptData,
                "checkpoint \(source) has \(bytes.count) bytes but its header announces \(expected.partialValue) "
                    + "(trailing data); \(restart)")
        }
        var crc = CRC32()
        bytes.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[Checkpoint.headerSize...])) }
        guard crc.value == storedChecksum else {
            throw EngineError(
                .corruptData,
                "checkpoint \(source) is damaged (CRC-32 of its contents is \(hex(crc.value)), the header says "
                    + "\(hex(storedChecksum))); \(restart)")
        }

        var reader = ByteReader(bytes: bytes, source: source, offset: Checkpoint.headerSize)
        step = Int(try reader.read() as Int64)
        epoch = Int(try reader.read() as Int64)
        dataPosition = Int(try reader.read() as Int64)
        let hasRandomState: UInt8 = try reader.read()
        var random = SIMD4<UInt64>()
        for lane in 0..<4 { random[lane] = try reader.read() }
        randomState = hasRandomState == 0 ? nil : random
        let configurationLength: UInt32 = try reader.read()
        configuration = String(decoding: try reader.bytes(Int(configurationLength)), as: UTF8.self)

        scalars = [:]
        let scalarCount: UInt32 = try reader.read()
        for _ in 0..<scalarCount {
            let name = try reader.name()
            scalars[name] = Double(bitPattern: try reader.read())
        }
        tensors = [:]
        let tensorCount: UInt32 = try reader.read()
        for _ in 0..<tensorCount {
            let name = try reader.name()
            let rank: UInt8 = try reader.read()
            var shape: [Int] = []
            var product = (partialValue: UInt64(1), overflow: false)
            for _ in 0..<rank {
                // Checked: a damaged or crafted file may hold any 64-bit dimensions.
                let dimension: UInt64 = try reader.read()
                guard dimension <= UInt64(Int.max) else {
                    throw reader.malformed("tensor \"\(name)\" has a dimension of \(dimension)")
                }
                shape.append(Int(dimension))
                let next = product.partialValue.multipliedReportingOverflow(by: dimension)
                product = (next.partialValue, product.overflow || next.overflow)
            }
            let count: UInt64 = try reader.read()
            guard !product.overflow, product.partialValue == count else {
                throw reader.malformed("tensor \"\(name)\" has shape \(shape) but \(count) values")
            }
            tensors[name] = Tensor(shape: shape, values: try reader.floats(count))
        }
        guard reader.offset == bytes.count else {
            throw reader.malformed("\(bytes.count - reader.offset) unexpected bytes after the last tensor")
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

/// Appends little-endian values to a byte array.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(bytes more: [UInt8]) {
        bytes.append(contentsOf: more)
    }

    mutating func append(name: String) throws {
        let utf8 = Array(name.utf8)
        guard !utf8.isEmpty, utf8.count <= Int(UInt16.max) else {
            throw EngineError(
                .invalidArgument,
                "checkpoint entry name of \(utf8.count) bytes is not allowed; names need 1–65535 UTF-8 bytes")
        }
        append(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func append(floats: [Float]) {
        if UInt32(1).littleEndian == 1 {
            floats.withUnsafeBytes { bytes.append(contentsOf: $0) }
        } else {
            for value in floats { append(value.bitPattern) }
        }
    }
}

/// Reads little-endian values from a byte array, throwing `corruptData` past its end.
private struct ByteReader {
    let bytes: [UInt8]
    let source: String
    var offset: Int

    init(bytes: [UInt8], source: String, offset: Int) {
        self.bytes = bytes
        self.source = source
        self.offset = offset
    }

    func malformed(_ detail: String) -> EngineError {
        EngineError(
            .corruptData,
            "checkpoint \(source) is malformed (\(detail) at byte \(offset)); delete it to restart the run from scratch"
        )
    }

    mutating func bytes(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else {
            throw malformed("needs \(count) more bytes, \(bytes.count - offset) left")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func read<Value: FixedWidthInteger>() throws -> Value {
        let slice = try bytes(MemoryLayout<Value>.size)
        var value = Value.zero
        for (index, byte) in slice.enumerated() {
            value |= Value(truncatingIfNeeded: byte) << (8 * index)
        }
        return value
    }

    mutating func name() throws -> String {
        let length: UInt16 = try read()
        return String(decoding: try bytes(Int(length)), as: UTF8.self)
    }

    mutating func floats(_ count: UInt64) throws -> [Float] {
        guard count <= UInt64((bytes.count - offset) / 4) else {
            throw malformed("a tensor of \(count) floats does not fit in the \(bytes.count - offset) bytes left")
        }
        let slice = try bytes(Int(count) * 4)
        if UInt32(1).littleEndian == 1 {
            return [Float](unsafeUninitializedCapacity: Int(count)) { buffer, initialized in
                slice.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                }
                initialized = Int(count)
            }
        }
        var values: [Float] = []
        values.reserveCapacity(Int(count))
        var index = slice.startIndex
        while index < slice.endIndex {
            var bits: UInt32 = 0
            for byte in 0..<4 { bits |= UInt32(slice[index + byte]) << (8 * byte) }
            values.append(Float(bitPattern: bits))
            index += 4
        }
        return values
    }
}
