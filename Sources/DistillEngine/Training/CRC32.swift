// Copyright 2026 The Distill authors.

/// CRC-32 as zlib, PNG and gzip compute it.
///
/// The reflected polynomial 0xEDB88320 with initial and final value 0xFFFFFFFF;
/// `CRC32.checksum(of: "123456789")` is `0xCBF43926`.
public struct CRC32: Sendable, Equatable {
    /// The running register (already inverted).
    private var register: UInt32 = 0xFFFF_FFFF

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
        }
        return value
    }

    /// Creates a checksum of no bytes.
    public init() {}

    /// Feeds bytes into the checksum.
    /// - Parameter bytes: The next bytes of the message.
    /// - Complexity: O(bytes.count).
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = register
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        register = crc
    }

    /// The checksum of the bytes fed so far.
    public var value: UInt32 { register ^ 0xFFFF_FFFF }

    /// The CRC-32 of a byte sequence.
    /// - Parameter bytes: The message.
    /// - Returns: Its CRC-32.
    public static func checksum(of bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        let array = Array(bytes)
        array.withUnsafeBytes { crc.update($0) }
        return crc.value
    }
}
